"""Saved tool definitions: create, edit, list, delete, import and export, each judged by the policy.

A tool is private to its creator or shared with the creator's workshop; people who may
read a tool may use it in the playground, only its creator (or an admin) may change it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.db.users import utcnow
from workshop_app.services.core.errors import Forbidden, InvalidInput
from workshop_app.services.core.owned_rows import owned_row
from workshop_app.services.tools.definitions import ToolDefinition, check_definition
from workshop_app.services.tools.transfer import export_tools, import_tools
from workshop_app.services.workshops.policy import Action, Actor, allowed, require_actor

VISIBILITIES = (Visibility.PRIVATE, Visibility.WORKSHOP)


def definition_of(record: ToolRecord) -> ToolDefinition:
    return ToolDefinition(record.name, record.description, dict(record.parameters), dict(record.implementation))


@dataclass(frozen=True)
class ToolSummary:
    """A tool as a list shows it; `editable` says whether this person may change or delete it."""

    id: int
    name: str
    description: str
    kind: str
    visibility: str
    editable: bool


def tool_summaries(actor: Actor | None) -> list[ToolSummary]:
    actor = require_actor(actor)
    return [
        ToolSummary(
            row.id or 0,
            row.name,
            row.description,
            row.implementation["kind"],
            row.visibility,
            allowed(actor, Action.WRITE, row),
        )
        for row in list_tools(actor)
    ]


def list_tools(actor: Actor | None) -> list[ToolRecord]:
    """Tools this person may read (and so use), by name."""
    actor = require_actor(actor)
    with session_scope() as session:
        rows = session.exec(select(ToolRecord).order_by(col(ToolRecord.name), col(ToolRecord.id))).all()
        return [row for row in rows if allowed(actor, Action.READ, row)]


def get_tool(actor: Actor | None, tool_id: int, action: Action = Action.READ) -> ToolRecord:
    with session_scope() as session:
        return _load(session, actor, tool_id, action)


def create_tool(
    actor: Actor | None, raw: Mapping[str, Any], visibility: str = Visibility.PRIVATE, workshop_id: int | None = None
) -> ToolRecord:
    """Check and save a new definition; InvalidDefinition lists what to fix."""
    actor = require_actor(actor)
    definition = check_definition(raw)
    record = new_record(actor, definition, visibility, workshop_id)
    with _names_must_be_new([definition.name]), session_scope() as session:
        session.add(record)
    return record


def update_tool(actor: Actor | None, tool_id: int, raw: Mapping[str, Any], visibility: str) -> ToolRecord:
    definition = check_definition(raw)
    with _names_must_be_new([definition.name]), session_scope() as session:
        record = _load(session, actor, tool_id, Action.WRITE)
        _fill(record, definition)
        record.visibility = _visibility(visibility, record.workshop_id)
        record.updated_at = utcnow()
        session.add(record)
    return record


def delete_tool(actor: Actor | None, tool_id: int) -> None:
    with session_scope() as session:
        session.delete(_load(session, actor, tool_id, Action.DELETE))


def definitions_for(actor: Actor | None, tool_ids: Sequence[int]) -> list[ToolDefinition]:
    """The chosen tools, each one readable by `actor`, as the loop offers them to a model."""
    with session_scope() as session:
        return [definition_of(_load(session, actor, tool_id, Action.READ)) for tool_id in dict.fromkeys(tool_ids)]


def export_json(actor: Actor | None, tool_ids: Sequence[int]) -> str:
    return export_tools(definitions_for(actor, tool_ids))


def import_json(
    actor: Actor | None, text: str, visibility: str = Visibility.PRIVATE, workshop_id: int | None = None
) -> list[ToolRecord]:
    """Save every tool of an export as this person's; nothing is saved unless all of them can be."""
    actor = require_actor(actor)
    definitions = import_tools(text)
    records = [new_record(actor, definition, visibility, workshop_id) for definition in definitions]
    with _names_must_be_new([definition.name for definition in definitions]), session_scope() as session:
        session.add_all(records)
    return records


def _load(session: Session, actor: Actor | None, tool_id: int, action: Action) -> ToolRecord:
    return owned_row(session, actor, ToolRecord, tool_id, action, "Tool")


def _fill(record: ToolRecord, definition: ToolDefinition) -> None:
    record.name = definition.name
    record.description = definition.description
    record.parameters = definition.parameters
    record.implementation = definition.implementation


def new_record(actor: Actor, definition: ToolDefinition, visibility: str, workshop_id: int | None) -> ToolRecord:
    """An unsaved row of `actor`'s for a checked definition (the caller adds it to a session)."""
    workshop = _workshop_of(actor, workshop_id)
    return ToolRecord(
        creator_id=actor.id,
        workshop_id=workshop,
        visibility=_visibility(visibility, workshop),
        name=definition.name,
        description=definition.description,
        parameters=definition.parameters,
        implementation=definition.implementation,
    )


def _workshop_of(actor: Actor, workshop_id: int | None) -> int | None:
    """The workshop a new tool belongs to: the one asked for if it is the person's, else theirs.

    An attendee's is the workshop they are in; an instructor's the one they teach, when
    there is only one to choose from.
    """
    if workshop_id is None:
        if actor.workshop_id is not None:
            return actor.workshop_id
        return next(iter(actor.teaching)) if len(actor.teaching) == 1 else None
    if workshop_id == actor.workshop_id or workshop_id in actor.teaching or actor.is_admin:
        return workshop_id
    raise Forbidden("You can only share tools with a workshop you are in or teach.")


def _visibility(value: str, workshop_id: int | None) -> Visibility:
    if value not in VISIBILITIES:
        raise InvalidInput(f"Visibility must be one of {', '.join(VISIBILITIES)}.")
    if value == Visibility.WORKSHOP and workshop_id is None:
        raise InvalidInput(
            "There is no workshop to share this tool with.",
            hint="Keep it private, or choose the workshop to share it with.",
        )
    return Visibility(value)


@contextmanager
def _names_must_be_new(names: list[str]) -> Iterator[None]:
    """Turns the one-name-per-creator constraint into a message that names the clash."""
    try:
        yield
    except IntegrityError:
        listed = ", ".join(names)
        raise InvalidInput(
            f"You already have a tool named {listed}."
            if len(names) == 1
            else f"You already have tools with some of these names: {listed}.",
            hint="Choose another name, or edit the existing tool.",
        ) from None
