"""The progress board: every attendee of the workshop against every exercise, for its instructors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Integer, cast
from sqlmodel import col, func, select

from workshop_app.db.engine import session_scope
from workshop_app.db.exercises import Exercise, ExerciseSubmission
from workshop_app.db.users import User
from workshop_app.db.workshops import WorkshopMember
from workshop_app.services.workshops.lifecycle import load_workshop
from workshop_app.services.workshops.policy import Action, Actor


class Progress(StrEnum):
    NOT_STARTED = "not started"
    TRYING = "trying"
    PASSED = "passed"


@dataclass(frozen=True)
class Cell:
    progress: Progress
    attempts: int


@dataclass(frozen=True)
class BoardRow:
    attendee: str
    cells: list[Cell]  # one per exercise, in the order of `Board.exercises`

    @property
    def passed(self) -> int:
        return sum(cell.progress == Progress.PASSED for cell in self.cells)


@dataclass(frozen=True)
class Board:
    exercises: list[str]  # titles, oldest first
    rows: list[BoardRow]  # attendees by name


def progress_board(actor: Actor | None, workshop_id: int) -> Board:
    """Who tried and who passed which exercise: one query for the counts, not one per cell."""
    with session_scope() as session:
        load_workshop(session, actor, workshop_id, Action.WRITE)
        exercises = session.exec(
            select(Exercise.id, Exercise.title).where(Exercise.workshop_id == workshop_id).order_by(col(Exercise.id))
        ).all()
        people = session.exec(
            select(User.id, User.display_name, User.username)
            .join(WorkshopMember, col(WorkshopMember.user_id) == col(User.id))
            .where(WorkshopMember.workshop_id == workshop_id, col(WorkshopMember.removed_at).is_(None))
            .order_by(func.lower(User.display_name), col(User.username))
        ).all()
        counts = session.exec(
            select(
                ExerciseSubmission.attendee_id,
                ExerciseSubmission.exercise_id,
                func.count(),
                func.max(cast(col(ExerciseSubmission.passed), Integer)),  # max(boolean) is not Postgres
            )
            .join(Exercise, col(Exercise.id) == col(ExerciseSubmission.exercise_id))
            .where(Exercise.workshop_id == workshop_id)
            .group_by(col(ExerciseSubmission.attendee_id), col(ExerciseSubmission.exercise_id))
        ).all()
    tally: dict[tuple[int | None, int | None], tuple[int, bool]] = {
        (person, exercise): (int(n), bool(passed)) for person, exercise, n, passed in counts
    }
    rows = [
        BoardRow(
            f"{name} ({username})" if name and name.lower() != username else username,
            [_cell(*tally.get((person, exercise_id), (0, False))) for exercise_id, _ in exercises],
        )
        for person, name, username in people
    ]
    return Board([title for _, title in exercises], rows)


def _cell(attempts: int, passed: bool) -> Cell:
    if passed:
        return Cell(Progress.PASSED, attempts)
    return Cell(Progress.TRYING if attempts else Progress.NOT_STARTED, attempts)
