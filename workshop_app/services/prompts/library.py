"""The prompt library: prompts with `{{variables}}`, every save a new version, shared or pushed.

A prompt is private to its creator or shared with the creator's workshop (readable
there, changed only by the creator). An instructor may push a prompt to every attendee
of a workshop they run: each attendee gets their own copy, updated by a later push.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.model_requests import utcnow
from workshop_app.db.ownership import Visibility
from workshop_app.db.prompts import Prompt, PromptVersion
from workshop_app.db.row_ids import saved_id
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.core.errors import InvalidInput, NotFound
from workshop_app.services.core.owned_rows import owned_row, readable_rows
from workshop_app.services.prompts.variables import render, variables
from workshop_app.services.workshops.policy import Action, Actor, allowed, require, require_actor

EXPORT_FORMAT = "workshop-prompts"
MAX_TAGS, MAX_TAG_CHARS, MAX_BODY_CHARS = 10, 30, 50_000
MAX_IMPORT_CHARS = 1_000_000
VISIBILITIES = (Visibility.PRIVATE, Visibility.WORKSHOP)


@dataclass(frozen=True)
class PromptDraft:
    name: str
    body: str
    system_prompt: str = ""
    tags: tuple[str, ...] = ()
    visibility: str = Visibility.PRIVATE

    def checked(self) -> PromptDraft:
        name = " ".join(self.name.split())
        if not name or len(name) > 120:
            raise InvalidInput("A prompt needs a name of at most 120 characters.")
        if not self.body.strip():
            raise InvalidInput(
                "The prompt text is empty.", hint="Write the message, with {{variables}} where values go."
            )
        if len(self.body) + len(self.system_prompt) > MAX_BODY_CHARS:
            raise InvalidInput(f"The prompt is longer than {MAX_BODY_CHARS} characters.")
        variables(self.system_prompt, self.body)  # refuses a malformed {{...}}
        tags = tuple(dict.fromkeys(tag.strip().lower() for tag in self.tags if tag.strip()))
        if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_CHARS for tag in tags):
            raise InvalidInput(f"Use at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters.")
        if self.visibility not in VISIBILITIES:
            raise InvalidInput(f"Visibility must be one of {', '.join(VISIBILITIES)}.")
        return PromptDraft(name, self.body.strip(), self.system_prompt.strip(), tags, self.visibility)


@dataclass(frozen=True)
class PromptView:
    prompt: Prompt
    version: PromptVersion
    variables: list[str]
    editable: bool


@dataclass(frozen=True)
class FilledPrompt:
    system_prompt: str
    message: str


def list_prompts(actor: Actor | None, search: str = "", tag: str = "") -> list[Prompt]:
    """Prompts this person may read, newest first; `search` matches names, `tag` one tag."""
    with session_scope() as session:
        rows = readable_rows(session, actor, Prompt)
    needle, tag = search.strip().lower(), tag.strip().lower()
    return [row for row in rows if needle in row.name.lower() and (not tag or tag in row.tags)]


def get_prompt(actor: Actor | None, prompt_id: int, number: int | None = None) -> PromptView:
    """The prompt at its current version, or at version `number`."""
    actor = require_actor(actor)
    with session_scope() as session:
        prompt = _prompt(session, actor, prompt_id, Action.READ)
        return _view(session, actor, prompt, prompt.version if number is None else number)


def list_versions(actor: Actor | None, prompt_id: int) -> list[PromptVersion]:
    with session_scope() as session:
        _prompt(session, actor, prompt_id, Action.READ)
        query = (
            select(PromptVersion).where(PromptVersion.prompt_id == prompt_id).order_by(col(PromptVersion.number).desc())
        )
        return list(session.exec(query).all())


def create_prompt(actor: Actor | None, draft: PromptDraft) -> PromptView:
    actor = require_actor(actor)
    draft = draft.checked()
    with session_scope() as session:
        prompt = new_prompt(session, actor, draft, _workshop_of(actor, draft.visibility))
        return _view(session, actor, prompt, prompt.version)


def save_prompt(actor: Actor | None, prompt_id: int, draft: PromptDraft) -> PromptView:
    """Store the draft as the prompt's next version (earlier versions stay as they were)."""
    actor = require_actor(actor)
    draft = draft.checked()
    with session_scope() as session:
        prompt = _prompt(session, actor, prompt_id, Action.WRITE)
        prompt.name, prompt.tags = draft.name, list(draft.tags)
        prompt.workshop_id = prompt.workshop_id or _workshop_of(actor, draft.visibility)
        prompt.visibility = draft.visibility
        add_version(session, actor, prompt, draft.system_prompt, draft.body)
        return _view(session, actor, prompt, prompt.version)


def restore_version(actor: Actor | None, prompt_id: int, number: int) -> PromptView:
    """Make an earlier version current again, as a new version (history is never rewritten)."""
    actor = require_actor(actor)
    with session_scope() as session:
        prompt = _prompt(session, actor, prompt_id, Action.WRITE)
        old = _version(session, prompt_id, number)
        add_version(session, actor, prompt, old.system_prompt, old.body, note=f"restored version {number}")
        return _view(session, actor, prompt, prompt.version)


def delete_prompt(actor: Actor | None, prompt_id: int) -> None:
    with session_scope() as session:
        session.delete(_prompt(session, actor, prompt_id, Action.DELETE))


def fill_prompt(actor: Actor | None, prompt_id: int, values: Mapping[str, str]) -> FilledPrompt:
    """The prompt's current version with every variable filled, ready for the playground."""
    view = get_prompt(actor, prompt_id)
    system, body = view.version.system_prompt, view.version.body
    return FilledPrompt(render(system, values, view.variables), render(body, values, view.variables))


def export_json(actor: Actor | None, prompt_ids: Sequence[int]) -> str:
    views = [get_prompt(actor, prompt_id) for prompt_id in dict.fromkeys(prompt_ids)]
    entries = [
        {"name": v.prompt.name, "system_prompt": v.version.system_prompt, "body": v.version.body, "tags": v.prompt.tags}
        for v in views
    ]
    return json.dumps({"format": EXPORT_FORMAT, "version": 1, "prompts": entries}, indent=2, ensure_ascii=False)


def import_json(actor: Actor | None, text: str) -> list[Prompt]:
    """Every prompt of an export, saved as this person's private prompts; all or nothing."""
    actor = require_actor(actor)
    drafts = _drafts_from(text)
    with session_scope() as session:
        return [new_prompt(session, actor, draft, actor.workshop_id) for draft in drafts]


def push_to_workshop(actor: Actor | None, prompt_id: int, workshop_id: int) -> int:
    """Give every current attendee of the workshop a copy of the prompt; returns how many."""
    actor = require_actor(actor)
    with session_scope() as session:
        workshop = session.get(Workshop, workshop_id)
        if workshop is None:
            raise NotFound("This workshop does not exist (any more).", hint="Pick one from the list.")
        require(actor, Action.WRITE, workshop)
        prompt = _prompt(session, actor, prompt_id, Action.READ)
        current = _version(session, prompt_id, prompt.version)
        attendees = session.exec(
            select(WorkshopMember.user_id).where(
                WorkshopMember.workshop_id == workshop_id, col(WorkshopMember.removed_at).is_(None)
            )
        ).all()
        for user_id in attendees:
            _deliver(session, prompt, current, user_id, workshop_id, actor)
        return len(attendees)


def _deliver(
    session: Session, prompt: Prompt, current: PromptVersion, user_id: int, workshop_id: int, actor: Actor
) -> None:
    copy = session.exec(select(Prompt).where(Prompt.creator_id == user_id, Prompt.source_id == prompt.id)).first()
    if copy is None:
        copy = Prompt(
            creator_id=user_id,
            workshop_id=workshop_id,
            name=prompt.name,
            tags=list(prompt.tags),
            version=0,
            source_id=prompt.id,
        )
    add_version(
        session,
        actor,
        copy,
        current.system_prompt,
        current.body,
        note=f"pushed by {actor.display_name or actor.username}",
    )


def _drafts_from(text: str) -> list[PromptDraft]:
    if len(text) > MAX_IMPORT_CHARS:
        raise InvalidInput(f"The file is larger than {MAX_IMPORT_CHARS // 1000} KB.")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"This is not JSON: {error.msg} (line {error.lineno}).",
            hint="Import a file exported from the Prompts page.",
        ) from None
    if (
        not isinstance(document, dict)
        or document.get("format") != EXPORT_FORMAT
        or not isinstance(document.get("prompts"), list)
    ):
        raise InvalidInput(
            f"This file is not a {EXPORT_FORMAT} export.", hint="Import a file exported from the Prompts page."
        )
    drafts, problems = [], []
    for index, entry in enumerate(document["prompts"], start=1):
        try:
            if not isinstance(entry, dict):
                raise InvalidInput("is not an object")
            tags = entry.get("tags") or []
            draft = PromptDraft(
                str(entry.get("name", "")),
                str(entry.get("body", "")),
                str(entry.get("system_prompt", "")),
                tuple(map(str, tags)),
            )
            drafts.append(draft.checked())
        except InvalidInput as error:
            problems.append(f"prompt #{index}: {error.message}")
    if problems or not drafts:
        raise InvalidInput(
            "Nothing was imported: " + ("; ".join(problems) or "the file holds no prompts."),
            hint="Fix the file and import it again.",
        )
    return drafts


def _prompt(session: Session, actor: Actor | None, prompt_id: int, action: Action) -> Prompt:
    return owned_row(session, actor, Prompt, prompt_id, action, "Prompt")


def _version(session: Session, prompt_id: int, number: int) -> PromptVersion:
    version = session.exec(
        select(PromptVersion).where(PromptVersion.prompt_id == prompt_id, PromptVersion.number == number)
    ).first()
    if version is None:
        raise NotFound(f"Version {number} of this prompt does not exist.", hint="Pick one from the list of versions.")
    return version


def _view(session: Session, actor: Actor, prompt: Prompt, number: int) -> PromptView:
    version = _version(session, saved_id(prompt), number)
    return PromptView(
        prompt, version, variables(version.system_prompt, version.body), allowed(actor, Action.WRITE, prompt)
    )


def new_prompt(session: Session, actor: Actor, draft: PromptDraft, workshop_id: int | None) -> Prompt:
    """A prompt of `actor`'s whose first version is `draft`, in the caller's transaction."""
    prompt = Prompt(
        creator_id=actor.id,
        workshop_id=workshop_id,
        visibility=draft.visibility,
        name=draft.name,
        tags=list(draft.tags),
        version=0,
    )
    add_version(session, actor, prompt, draft.system_prompt, draft.body)
    return prompt


def add_version(session: Session, actor: Actor, prompt: Prompt, system_prompt: str, body: str, note: str = "") -> None:
    """The prompt's next version, in the caller's transaction."""
    prompt.version += 1
    prompt.updated_at = utcnow()
    session.add(prompt)
    session.flush()
    session.add(
        PromptVersion(
            prompt_id=saved_id(prompt),
            number=prompt.version,
            system_prompt=system_prompt,
            body=body,
            note=note,
            author_id=actor.id,
        )
    )
    session.flush()


def _workshop_of(actor: Actor, visibility: str) -> int | None:
    """The workshop a shared prompt belongs to: the one the person is in, or the one they teach."""
    workshop = (
        actor.workshop_id
        if actor.workshop_id is not None
        else (next(iter(actor.teaching)) if len(actor.teaching) == 1 else None)
    )
    if visibility == Visibility.WORKSHOP and workshop is None:
        raise InvalidInput(
            "There is no workshop to share this prompt with.", hint="Keep it private, or join a workshop first."
        )
    return workshop
