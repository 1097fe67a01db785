"""Writing exercises (the workshop's instructors) and reading them (its members).

Saving validates everything first (title, start point, every check) and writes one row,
so a refused exercise leaves nothing behind. Attendees see the model answer only once an
instructor revealed it; instructors always see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, or_, select

from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.exercises import Exercise
from workshop_app.db.prompts import Prompt
from workshop_app.db.rag_systems import RagSystem
from workshop_app.db.row_ids import saved_id
from workshop_app.db.tool_definitions import ToolRecord
from workshop_app.db.users import Role
from workshop_app.db.workshops import Workshop
from workshop_app.services.core.errors import InvalidInput, NotFound
from workshop_app.services.exercises.checks import Known, checked_all, describe
from workshop_app.services.prompts.library import list_prompts
from workshop_app.services.rag.systems import list_rag_systems
from workshop_app.services.tools.store import list_tools
from workshop_app.services.workshops.lifecycle import load_workshop
from workshop_app.services.workshops.policy import Action, Actor, allowed, require_actor

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 20_000


class StartKind(StrEnum):
    EMPTY = "empty"  # an empty playground
    PROMPT = "prompt"
    TOOL = "tool"
    RAG_SYSTEM = "rag_system"


_START_TABLES: dict[StartKind, Any] = {
    StartKind.PROMPT: Prompt,
    StartKind.TOOL: ToolRecord,
    StartKind.RAG_SYSTEM: RagSystem,
}


@dataclass(frozen=True)
class ExerciseDraft:
    title: str
    instructions: str = ""
    checks: Sequence[Any] = ()
    start_kind: str = StartKind.EMPTY
    start_id: int | None = None
    model_answer: str = ""


@dataclass(frozen=True)
class ExerciseView:
    """An exercise as this person may see it: `model_answer` is empty for attendees until revealed."""

    id: int
    workshop_id: int
    title: str
    instructions: str
    start_kind: str
    start_id: int | None
    start_label: str
    checks: list[dict[str, Any]]
    check_labels: list[str]
    model_answer: str
    answer_revealed: bool
    can_edit: bool = False


def create_exercise(actor: Actor | None, workshop_id: int, draft: ExerciseDraft) -> ExerciseView:
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.WRITE)
        row = Exercise(workshop_id=workshop_id, creator_id=require_actor(actor).id, title="")
        _fill(session, workshop, row, draft)
        session.add(row)
        session.flush()
        return exercise_view(session, row, can_edit=True)


def update_exercise(
    actor: Actor | None, exercise_id: int, draft: ExerciseDraft, workshop_id: int | None = None
) -> ExerciseView:
    with session_scope() as session:
        row, workshop = load_exercise(session, actor, exercise_id, Action.WRITE, workshop_id)
        _fill(session, workshop, row, draft)
        session.add(row)
        return exercise_view(session, row, can_edit=True)


def delete_exercise(actor: Actor | None, exercise_id: int, workshop_id: int | None = None) -> None:
    with session_scope() as session:
        row, _ = load_exercise(session, actor, exercise_id, Action.WRITE, workshop_id)
        session.delete(row)


def reveal_answer(
    actor: Actor | None, exercise_id: int, revealed: bool, workshop_id: int | None = None
) -> ExerciseView:
    """Show (or hide again) the model answer to the workshop's attendees."""
    with session_scope() as session:
        row, _ = load_exercise(session, actor, exercise_id, Action.WRITE, workshop_id)
        if revealed and not row.model_answer.strip():
            raise InvalidInput("This exercise has no model answer to reveal.", hint="Write one first.")
        row.answer_revealed = revealed
        session.add(row)
        return exercise_view(session, row, can_edit=True)


def exercise_to_edit(actor: Actor | None, exercise_id: int) -> ExerciseView:
    """One exercise with everything in it, for the people who may change it."""
    with session_scope() as session:
        row, _ = load_exercise(session, actor, exercise_id, Action.WRITE)
        return exercise_view(session, row, can_edit=True)


def list_exercises(actor: Actor | None, workshop_id: int) -> list[ExerciseView]:
    """The workshop's exercises, oldest first, for its members and instructors."""
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.READ)
        editing = allowed(actor, Action.WRITE, workshop)
        rows = session.exec(
            select(Exercise).where(Exercise.workshop_id == workshop_id).order_by(col(Exercise.id))
        ).all()
        return [exercise_view(session, row, can_edit=editing) for row in rows]


def known_names(session: Session, actor: Actor, workshop_id: int) -> Known:
    """The tools and documents a check may name: the instructor's own and the workshop's."""

    def names(table: Any, column: Any) -> set[str]:
        mine = or_(table.creator_id == actor.id, table.workshop_id == workshop_id)
        return set(session.exec(select(column).where(mine)).all())

    return Known(names(ToolRecord, ToolRecord.name), names(Document, Document.title))


def _fill(session: Session, workshop: Workshop, row: Exercise, draft: ExerciseDraft) -> None:
    """Check the whole draft, then copy it onto the row (nothing is copied when anything is wrong)."""
    title = " ".join(draft.title.split())
    if not title or len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"Give the exercise a title of 1 to {MAX_TITLE_CHARS} characters.")
    if len(draft.instructions) > MAX_TEXT_CHARS or len(draft.model_answer) > MAX_TEXT_CHARS:
        raise InvalidInput(f"Instructions and model answer may have at most {MAX_TEXT_CHARS} characters each.")
    kind, start_id = _start(session, workshop, draft)
    checks = checked_all(list(draft.checks), known_names(session, _owner(workshop), saved_id(workshop)))
    row.title, row.instructions, row.model_answer = title, draft.instructions.strip(), draft.model_answer.strip()
    row.start_kind, row.start_id, row.checks = kind, start_id, checks


def _owner(workshop: Workshop) -> Actor:
    """The workshop's instructor: what an exercise names must be theirs or the workshop's, whoever edits it."""
    return Actor(id=workshop.creator_id, role=Role.INSTRUCTOR, teaching=frozenset({saved_id(workshop)}))


def _start(session: Session, workshop: Workshop, draft: ExerciseDraft) -> tuple[str, int | None]:
    try:
        kind = StartKind(draft.start_kind or StartKind.EMPTY)
    except ValueError:
        kinds = ", ".join(k.value for k in StartKind)
        raise InvalidInput(f"“{draft.start_kind}” is not a starting point.", hint=f"Use one of: {kinds}.") from None
    if kind == StartKind.EMPTY:
        return kind.value, None
    item = session.get(_START_TABLES[kind], draft.start_id) if draft.start_id else None
    if item is None or not allowed(_owner(workshop), Action.READ, item):
        raise InvalidInput(
            f"There is no {kind.value.replace('_', ' ')} {draft.start_id} to start from.",
            hint="Pick one from the list.",
        )
    return kind.value, draft.start_id


def _start_label(session: Session, row: Exercise) -> str:
    if row.start_kind == StartKind.EMPTY or row.start_id is None:
        return "An empty playground"
    item = session.get(_START_TABLES[StartKind(row.start_kind)], row.start_id)
    name = getattr(item, "name", None) or "(deleted)"
    return f"{row.start_kind.replace('_', ' ').capitalize()}: {name}"


def exercise_view(session: Session, row: Exercise, *, can_edit: bool) -> ExerciseView:
    return ExerciseView(
        row.id or 0,
        row.workshop_id,
        row.title,
        row.instructions,
        row.start_kind,
        row.start_id,
        _start_label(session, row),
        list(row.checks),
        [describe(check) for check in row.checks],
        row.model_answer if can_edit or row.answer_revealed else "",
        row.answer_revealed,
        can_edit,
    )


def load_exercise(
    session: Session, actor: Actor | None, exercise_id: int, action: Action, workshop_id: int | None = None
) -> tuple[Exercise, Workshop]:
    """The exercise (of `workshop_id`, when given) after the policy allowed `action` on its workshop."""
    row = session.get(Exercise, exercise_id)
    if row is None or workshop_id not in (None, row.workshop_id):
        raise NotFound(f"Exercise {exercise_id} does not exist.", hint="Pick one from the list of exercises.")
    return row, load_workshop(session, actor, row.workshop_id, action)


def start_choices(actor: Actor | None) -> list[tuple[str, str]]:
    """What an exercise may start from, as (`kind:id`, label): the person's readable prompts, tools, RAG systems."""
    listed = (
        (StartKind.PROMPT, "Prompt", list_prompts(actor)),
        (StartKind.TOOL, "Tool", list_tools(actor)),
        (StartKind.RAG_SYSTEM, "RAG system", list_rag_systems(actor)),
    )
    return [(f"{StartKind.EMPTY}:", "An empty playground")] + [
        (f"{kind}:{row.id}", f"{label}: {row.name}") for kind, label, rows in listed for row in rows
    ]
