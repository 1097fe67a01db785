"""State of the Prompts page: the library, one prompt's editor and versions, its variables form."""

from __future__ import annotations

import reflex as rx

from workshop_app.db.prompts import Prompt, PromptVersion
from workshop_app.services.core.wording import counted
from workshop_app.services.prompts import library as prompts
from workshop_app.services.prompts.library import PromptDraft, PromptView
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.playground_state import PlaygroundState
from workshop_app.state.time_format import ago


def _prompt_row(prompt: Prompt, actor: Actor) -> dict[str, str]:
    return {
        "id": str(prompt.id),
        "name": prompt.name,
        "tags": ", ".join(prompt.tags),
        "visibility": prompt.visibility,
        "version": str(prompt.version),
        "mine": "yes" if prompt.creator_id == actor.id else "",
    }


def _version_row(version: PromptVersion) -> dict[str, str]:
    return {"number": str(version.number), "note": version.note, "when": ago(version.created_at)}


class PromptsState(AuthState):
    prompts: list[dict[str, str]] = []
    search: str = ""
    tag: str = ""
    prompt_id: int = 0
    name: str = ""
    tags: str = ""
    visibility: str = "private"
    system_prompt: str = ""
    body: str = ""
    editable: bool = True
    viewing: int = 0
    current: int = 0
    versions: list[dict[str, str]] = []
    variables: list[str] = []
    values: dict[str, str] = {}
    import_text: str = ""
    workshops: list[dict[str, str]] = []
    push_workshop: str = ""

    @rx.event
    def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        self.workshops = [
            {"id": str(w.id), "title": w.title} for w in workshops.list_workshops(actor) if workshops.may_run(actor, w)
        ]
        self.push_workshop = self.push_workshop or (self.workshops[0]["id"] if self.workshops else "")
        return self._list(actor)

    @rx.event
    def set_search(self, value: str):
        self.search = value
        return self._list(self.signed_in())

    @rx.event
    def set_tag(self, value: str):
        self.tag = value
        return self._list(self.signed_in())

    @rx.event
    def set_field(self, name: str, value: str):
        """One editor field (name, tags, visibility, system_prompt, body, import_text, push_workshop)."""
        if name in ("name", "tags", "visibility", "system_prompt", "body", "import_text", "push_workshop"):
            setattr(self, name, value)

    @rx.event
    def set_value(self, variable: str, value: str):
        self.values[variable] = value

    @rx.event
    def new_prompt(self):
        self._clear()

    def _clear(self) -> None:
        self.prompt_id, self.name, self.tags, self.visibility, self.system_prompt, self.body = (
            0,
            "",
            "",
            "private",
            "",
            "",
        )
        self.editable, self.viewing, self.current, self.versions, self.variables, self.values = True, 0, 0, [], [], {}

    @rx.event
    def open_prompt(self, prompt_id: str):
        return self._open(lambda actor: prompts.get_prompt(actor, int(prompt_id)))

    @rx.event
    def view_version(self, number: str):
        return self._open(lambda actor: prompts.get_prompt(actor, self.prompt_id, int(number)))

    @rx.event
    def restore(self):
        return self._open(
            lambda actor: prompts.restore_version(actor, self.prompt_id, self.viewing), "Restored as a new version."
        )

    @rx.event
    def save(self):
        draft = PromptDraft(self.name, self.body, self.system_prompt, tuple(self.tags.split(",")), self.visibility)
        if self.prompt_id:
            return self._open(
                lambda actor: prompts.save_prompt(actor, self.prompt_id, draft), "Saved as a new version."
            )
        return self._open(lambda actor: prompts.create_prompt(actor, draft), "Prompt saved.")

    @rx.event
    def delete(self):
        refused = self.attempt(lambda actor: prompts.delete_prompt(actor, self.prompt_id))
        if refused is not None:
            return refused
        self._clear()
        return [*self._list(self.signed_in()), rx.toast.success("Prompt deleted.")]

    @rx.event
    @toasts_errors
    async def open_in_playground(self, send: bool = False):
        """Fill the variables and hand the result to a new chat in the Playground.

        There the person edits it first, or (`send`) it goes out as the page opens."""
        filled = prompts.fill_prompt(self.acting(), self.prompt_id, dict(self.values))
        playground = await self.get_state(PlaygroundState)
        playground.chat_id, playground.messages, playground.title = 0, [], ""
        playground.system_prompt, playground.draft = filled.system_prompt, filled.message
        playground.send_on_load = send
        return rx.redirect("/playground")

    @rx.event
    @toasts_errors
    def export(self):
        text = prompts.export_json(self.acting(), [int(row["id"]) for row in self.prompts])
        return rx.download(data=text, filename="prompts.json")

    @rx.event
    @toasts_errors
    def import_prompts(self):
        actor = self.acting()
        count = len(prompts.import_json(actor, self.import_text))
        self.import_text = ""
        return [*self._list(actor), rx.toast.success(f"Imported {counted(count, 'prompt')}.")]

    @rx.event
    @toasts_errors
    def push(self):
        reached = prompts.push_to_workshop(self.acting(), self.prompt_id, int(self.push_workshop or 0))
        return rx.toast.success(f"Sent to {counted(reached, 'attendee')}.")

    @toasts_errors
    def _open(self, load, done: str = ""):
        """Show the prompt a service call returns (a version of it), and refresh the list."""
        actor = self.acting()
        view: PromptView = load(actor)
        versions = prompts.list_versions(actor, view.prompt.id)
        prompt, version = view.prompt, view.version
        self.prompt_id, self.name, self.tags, self.visibility = (
            prompt.id,
            prompt.name,
            ", ".join(prompt.tags),
            prompt.visibility,
        )
        self.system_prompt, self.body, self.editable = version.system_prompt, version.body, view.editable
        self.viewing, self.current, self.versions = version.number, prompt.version, [_version_row(v) for v in versions]
        self.variables = view.variables
        self.values = {name: self.values.get(name, "") for name in view.variables}
        return [*self._list(actor), *([rx.toast.success(done)] if done else [])]

    def _list(self, actor: Actor | None) -> list[rx.event.EventSpec]:
        """Refresh the library; a refusal comes back as the one event to show."""
        refused = self._load_library(actor)
        return [] if refused is None else [refused]

    @toasts_errors
    def _load_library(self, actor: Actor | None) -> rx.event.EventSpec | None:
        self.prompts = [_prompt_row(p, actor) for p in prompts.list_prompts(actor, self.search, self.tag)]
        return None
