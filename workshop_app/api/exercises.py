"""Exercises over REST: instructors write them and watch the board; attendees submit their replies."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import MAX_STORED_INT, RowId
from workshop_app.services.exercises import authoring, board, submissions
from workshop_app.services.exercises.authoring import ExerciseDraft, ExerciseView
from workshop_app.services.exercises.submissions import SubmissionView

router = APIRouter(prefix="/workshops/{workshop_id}/exercises", tags=["exercises"])


class ExerciseIn(BaseModel):
    title: str = Field(max_length=authoring.MAX_TITLE_CHARS)
    instructions: str = Field("", description="Markdown.", max_length=authoring.MAX_TEXT_CHARS)
    start_kind: Literal["empty", "prompt", "tool", "rag_system"] = "empty"
    start_id: int | None = Field(None, ge=1, le=MAX_STORED_INT, description="The prompt, tool or RAG system.")
    checks: list[dict[str, Any]] = Field(
        description="Each an object with a `kind`: regex (`pattern`), contains (`words`), json_schema (`schema`), "
        "tool_call (`tool`, optional `schema` for its arguments), retrieved_document (`document`: a title), "
        "max_tokens (`tokens`).",
        max_length=20,
    )
    model_answer: str = Field("", max_length=authoring.MAX_TEXT_CHARS)


class ExerciseOut(BaseModel):
    """`model_answer` is empty for attendees until an instructor reveals it."""

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


class RevealIn(BaseModel):
    revealed: bool = True


class SubmissionIn(BaseModel):
    source: str = Field(
        pattern=r"^(chat_message|rag_answer):\d{1,10}$",
        description="Your own reply: chat_message:<id> (a chat reply) or rag_answer:<id> (a RAG answer).",
    )


class CheckOut(BaseModel):
    label: str
    passed: bool
    reason: str


class SubmissionOut(BaseModel):
    id: int
    exercise_id: int
    attempt: int
    source: str
    reply: str
    passed: bool
    results: list[CheckOut]
    created_at: datetime


class CellOut(BaseModel):
    progress: Literal["not started", "trying", "passed"]
    attempts: int


class BoardRowOut(BaseModel):
    attendee: str
    cells: list[CellOut]


class BoardOut(BaseModel):
    exercises: list[str]
    rows: list[BoardRowOut]


def _draft(body: ExerciseIn) -> ExerciseDraft:
    return ExerciseDraft(body.title, body.instructions, body.checks, body.start_kind, body.start_id, body.model_answer)


def _exercise(view: ExerciseView) -> ExerciseOut:
    return ExerciseOut.model_validate(view, from_attributes=True)


def _submission(view: SubmissionView) -> SubmissionOut:
    return SubmissionOut.model_validate(asdict(view))


@router.get("", summary="The workshop's exercises (members and instructors)")
def list_exercises(workshop_id: RowId, actor: CurrentActor) -> list[ExerciseOut]:
    return [_exercise(view) for view in authoring.list_exercises(actor, workshop_id)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Write an exercise (the workshop's instructors)")
def create_exercise(workshop_id: RowId, body: ExerciseIn, actor: CurrentActor) -> ExerciseOut:
    return _exercise(authoring.create_exercise(actor, workshop_id, _draft(body)))


@router.get("/board", summary="Progress: every attendee × every exercise (the workshop's instructors)")
def get_board(workshop_id: RowId, actor: CurrentActor) -> BoardOut:
    return BoardOut.model_validate(asdict(board.progress_board(actor, workshop_id)))


@router.put("/{exercise_id}", summary="Change an exercise; its checks are validated again")
def update_exercise(workshop_id: RowId, exercise_id: RowId, body: ExerciseIn, actor: CurrentActor) -> ExerciseOut:
    return _exercise(authoring.update_exercise(actor, exercise_id, _draft(body), workshop_id))


@router.delete(
    "/{exercise_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an exercise and its submissions"
)
def delete_exercise(workshop_id: RowId, exercise_id: RowId, actor: CurrentActor) -> Response:
    authoring.delete_exercise(actor, exercise_id, workshop_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{exercise_id}/reveal", summary="Show (or hide) the model answer to attendees")
def reveal(workshop_id: RowId, exercise_id: RowId, body: RevealIn, actor: CurrentActor) -> ExerciseOut:
    return _exercise(authoring.reveal_answer(actor, exercise_id, body.revealed, workshop_id))


@router.post(
    "/{exercise_id}/submissions",
    status_code=status.HTTP_201_CREATED,
    summary="Submit one of your replies; the answer says which checks passed and why not",
)
def submit(workshop_id: RowId, exercise_id: RowId, body: SubmissionIn, actor: CurrentActor) -> SubmissionOut:
    return _submission(submissions.submit(actor, exercise_id, body.source, workshop_id))


@router.get("/{exercise_id}/submissions", summary="Your own attempts at the exercise, newest first")
def my_submissions(workshop_id: RowId, exercise_id: RowId, actor: CurrentActor) -> list[SubmissionOut]:
    return [_submission(view) for view in submissions.my_submissions(actor, exercise_id, workshop_id)]
