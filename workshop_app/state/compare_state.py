"""State of the Compare page: one prompt to 2–4 models, replies side by side, keep the best one.

The reply modes are the Playground's (ReplyModes): Thinking shows when a chosen model can think,
the image picker when one can see; a chosen model without the capability is refused by name.
"""

from __future__ import annotations

import reflex as rx

from workshop_app.services.chat import history as chats
from workshop_app.services.chat.compare import (
    COMPARISON,
    MAX_MODELS,
    ColumnUpdate,
    check_comparison,
    compare_replies,
)
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.chat.model_choices import chat_models
from workshop_app.services.chat.reply_modes import parse_schema
from workshop_app.services.chat.timing import ReplyTiming
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.auth_state import AuthState
from workshop_app.state.chat_views import model_row, structured_view, timing_text
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.playground_state import PlaygroundState
from workshop_app.state.reply_modes_state import ReplyModes
from workshop_app.state.streaming import Reply, StreamingPage, Watched, stream_reply

_EMPTY_COLUMN = {
    "text": "", "thinking": "", "thought_for": "Thought", "status": "waiting", "position": "", "timing": "",
    "error": "", "json": "", "verdict": "",
}  # fmt: skip


class CompareState(ReplyModes, StreamingPage, AuthState):
    models: list[dict[str, str]] = []
    chosen: list[str] = []
    system_prompt: str = ""
    prompt: str = ""
    columns: list[dict[str, str]] = []
    _asked: str = ""
    _asked_images: tuple[str, ...] = ()
    _columns_settings: list[ChatSettings] = []
    _timings: list[ReplyTiming | None] = []

    @rx.var
    def column_count(self) -> int:
        return max(len(self.columns), 1)

    @rx.var
    def can_think(self) -> bool:
        return self._chosen_can("thinking")

    @rx.var
    def can_see(self) -> bool:
        return self._chosen_can("vision")

    def _chosen_can(self, capability: str) -> bool:
        """Whether any chosen model lists the capability (the others are refused by name when it is used)."""
        return any(capability in row["capabilities"].split(", ") for row in self.models if row["name"] in self.chosen)

    @rx.event
    async def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        choices, _ = await chat_models(actor)
        self.models = [model_row(choice) for choice in choices]
        self.chosen = [name for name in self.chosen if any(row["name"] == name for row in self.models)]
        return self._look_elsewhere()

    def _watched(self) -> Watched | None:
        """A comparison of the person's streaming in another tab (its replies show there)."""
        return (COMPARISON, None)

    @rx.event
    def toggle_model(self, name: str, checked: bool):
        if checked and name not in self.chosen and len(self.chosen) < MAX_MODELS:
            self.chosen = [*self.chosen, name]
        elif not checked:
            self.chosen = [chosen for chosen in self.chosen if chosen != name]

    @rx.event
    def set_prompt(self, value: str):
        self.prompt = value

    @rx.event
    def set_system_prompt(self, value: str):
        self.system_prompt = value

    @rx.event
    def run(self):
        """In order after the prompt's last keystroke (see PlaygroundState.send), then in the background."""
        return CompareState.stream_run

    @rx.event(background=True)
    async def stream_run(self):
        return await stream_reply(self, self._start)

    async def _start(self, actor: Actor) -> Reply:
        """Check the comparison, then one empty column per model; the replies stream into them."""
        think, images = self.think and self._chosen_can("thinking"), self._images()
        self._columns_settings = check_comparison(
            actor, self.chosen, self.system_prompt, {}, self.prompt, self._schema(), think=think, images=images
        )
        self._asked, self._asked_images = self.prompt, images
        self._timings = [None] * len(self._columns_settings)
        self.columns = [{"model": s.model, **_EMPTY_COLUMN} for s in self._columns_settings]
        client_ip = self.router.session.client_ip
        updates = compare_replies(actor, self._columns_settings, self._asked, images=images, client_ip=client_ip)
        return Reply(updates, show=self._show, failed=self._refused, ended=self._mark_unfinished_stopped)

    def _refused(self, _error: WorkshopError) -> None:
        """Only the up-front check ends the whole comparison (a column's failure ends its column): nothing was sent."""
        self.columns = []

    def _show(self, update: ColumnUpdate) -> None:
        column = self.columns[update.index]
        column["position"] = str(update.position or "")
        column["text"] += update.text
        column["thinking"] += update.thinking
        column["status"] = "streaming" if not update.finished else ("failed" if update.error else "done")
        if update.finished:
            column["timing"], column["error"] = timing_text(update.timing), update.error
            self._timings[update.index] = update.timing
            self._check_structured(column)

    def _check_structured(self, column: dict[str, str]) -> None:
        """A finished structured reply: indented, with how it fits the schema (as in the Playground)."""
        schema = parse_schema(self._columns_settings[0].schema) if self._columns_settings else None
        if column["status"] == "done":
            column["json"], column["verdict"] = structured_view(schema, column["text"])

    def _mark_unfinished_stopped(self) -> None:
        for column in self.columns:
            if column["status"] in ("waiting", "streaming"):
                column["status"], column["position"] = "stopped", ""

    @rx.event
    @toasts_errors
    async def continue_with(self, index: int):
        """Keep this column's answer: a new chat with the question and it, opened in the Playground."""
        timing = self._timings[index] if index < len(self._timings) else None
        if self.streaming or timing is None:
            return None
        column = self.columns[index]
        chat_id = chats.continue_with(
            self.acting(),
            self._columns_settings[index],
            self._asked,
            column["text"],
            timing,
            thinking=column["thinking"],
            images=self._asked_images,
        )
        playground = await self.get_state(PlaygroundState)
        playground.chat_id = chat_id
        return rx.redirect("/playground")
