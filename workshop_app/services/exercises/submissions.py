"""Attendees submit one of their own chat replies or RAG answers to an exercise; the checks judge it.

A submission names its source as `chat_message:<id>` or `rag_answer:<id>`. Only the
submitter's own replies count (anyone else's is NotFound, as if it did not exist), and only
attendees of the exercise's workshop submit. Each attempt is kept with its verdicts, and an
attendee reads only their own attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from workshop_app.db.chats import Chat, ChatMessage, ReplyStatus
from workshop_app.db.engine import session_scope
from workshop_app.db.exercises import ExerciseSubmission
from workshop_app.db.rag_answers import RagAnswer
from workshop_app.db.rag_systems import RagSystem
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.exercises.authoring import load_exercise
from workshop_app.services.exercises.checks import Attempt, CheckResult, ToolCall, run_checks
from workshop_app.services.workshops.policy import Action, Actor, require_actor

RECENT_SOURCES = 10
MAX_ROW_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger number names no row


class SourceKind(StrEnum):
    CHAT_MESSAGE = "chat_message"
    RAG_ANSWER = "rag_answer"


@dataclass(frozen=True)
class SubmissionView:
    id: int
    exercise_id: int
    attempt: int  # 1 for the attendee's first attempt at this exercise
    source: str
    reply: str
    passed: bool
    results: list[CheckResult]
    created_at: datetime


@dataclass(frozen=True)
class SourceChoice:
    """One of the person's recent replies they may submit, as a picker lists it."""

    source: str
    label: str


def submit(actor: Actor | None, exercise_id: int, source: str, workshop_id: int | None = None) -> SubmissionView:
    """Run the exercise's checks on the attendee's own reply named by `source` and keep the attempt."""
    actor = require_actor(actor)
    with session_scope() as session:
        exercise, _ = load_exercise(session, actor, exercise_id, Action.READ, workshop_id)
        if actor.workshop_id != exercise.workshop_id:
            raise Forbidden("Only attendees of this workshop submit to its exercises.")
        reply, attempt = _attempt(session, actor, source)
        results = run_checks(exercise.checks, attempt)
        row = ExerciseSubmission(
            exercise_id=exercise_id,
            attendee_id=actor.id,
            source=source,
            reply=reply,
            results=[result.as_dict() for result in results],
            passed=all(result.passed for result in results),
        )
        session.add(row)
        session.flush()
        return _views(session, actor, exercise_id)[0]


def submit_latest_chat_reply(
    actor: Actor | None, exercise_id: int, chat_id: int | None, workshop_id: int | None = None
) -> SubmissionView:
    """Submit the newest reply of the person's chat `chat_id` (what the Playground shows)."""
    actor = require_actor(actor)
    with session_scope() as session:
        chat = session.get(Chat, chat_id) if chat_id else None
        if chat is None or chat.creator_id != actor.id:
            raise InvalidInput("There is no chat open to submit from.", hint="Chat in the Playground first.")
        message_id = session.exec(_replies().where(ChatMessage.chat_id == chat.id)).first()
    if message_id is None:
        raise InvalidInput("This chat has no reply yet.", hint="Send a message and wait for the answer.")
    return submit(actor, exercise_id, f"{SourceKind.CHAT_MESSAGE}:{message_id}", workshop_id)


def submit_latest_rag_answer(
    actor: Actor | None, exercise_id: int, system_id: int | None, workshop_id: int | None = None
) -> SubmissionView:
    """Submit the person's newest answer from the RAG system `system_id` (what the RAG page shows last)."""
    actor = require_actor(actor)
    with session_scope() as session:
        answer_id = session.exec(
            select(RagAnswer.id)
            .where(RagAnswer.user_id == actor.id, RagAnswer.rag_system_id == (system_id or 0))
            .order_by(col(RagAnswer.id).desc())
        ).first()
    if answer_id is None:
        raise InvalidInput("You have no answer from this RAG system yet.", hint="Ask it a question first.")
    return submit(actor, exercise_id, f"{SourceKind.RAG_ANSWER}:{answer_id}", workshop_id)


def my_submissions(actor: Actor | None, exercise_id: int, workshop_id: int | None = None) -> list[SubmissionView]:
    """The person's own attempts at the exercise, newest first."""
    actor = require_actor(actor)
    with session_scope() as session:
        load_exercise(session, actor, exercise_id, Action.READ, workshop_id)
        return _views(session, actor, exercise_id)


def recent_sources(actor: Actor | None) -> list[SourceChoice]:
    """The person's newest chat replies and RAG answers, to pick one to submit."""
    actor = require_actor(actor)
    with session_scope() as session:
        mine = select(Chat.id).where(Chat.creator_id == actor.id)
        ids = session.exec(_replies().where(col(ChatMessage.chat_id).in_(mine)).limit(RECENT_SOURCES)).all()
        messages = [session.get(ChatMessage, message_id) for message_id in ids]
        answers = session.exec(
            select(RagAnswer).where(RagAnswer.user_id == actor.id).order_by(col(RagAnswer.id).desc()).limit(5)
        ).all()
        return [
            *(SourceChoice(f"{SourceKind.CHAT_MESSAGE}:{m.id}", "Chat: " + _short(m.content)) for m in messages if m),
            *(SourceChoice(f"{SourceKind.RAG_ANSWER}:{a.id}", "RAG: " + _short(a.answer)) for a in answers),
        ]


def _replies() -> Any:
    return select(ChatMessage.id).where(ChatMessage.role == "assistant").order_by(col(ChatMessage.id).desc())


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat[:80] + ("…" if len(flat) > 80 else "")


def _attempt(session: Session, actor: Actor, source: str) -> tuple[str, Attempt]:
    kind, _, number = source.partition(":")
    if kind not in set(SourceKind) or not number.isdigit() or not 0 < int(number) <= MAX_ROW_ID:
        raise InvalidInput(f"“{source}” names no reply.", hint="Submit chat_message:<id> or rag_answer:<id>.")
    if kind == SourceKind.CHAT_MESSAGE:
        return _chat_attempt(session, actor, int(number))
    return _rag_attempt(session, actor, int(number))


def _chat_attempt(session: Session, actor: Actor, message_id: int) -> tuple[str, Attempt]:
    message = session.get(ChatMessage, message_id)
    chat = session.get(Chat, message.chat_id) if message else None
    if message is None or chat is None or chat.creator_id != actor.id or message.role != "assistant":
        raise NotFound(f"Chat reply {message_id} does not exist.", hint="Submit one of your own replies.")
    calls = [ToolCall(str(step.get("tool", "")), step.get("arguments")) for step in message.tool_trace]
    tokens = message.stats.get("tokens") if message.status == ReplyStatus.DONE else None
    return message.content, Attempt(message.content, calls, (), int(tokens) if tokens is not None else None)


def _rag_attempt(session: Session, actor: Actor, answer_id: int) -> tuple[str, Attempt]:
    answer = session.get(RagAnswer, answer_id)
    if answer is None or answer.user_id != actor.id or session.get(RagSystem, answer.rag_system_id) is None:
        raise NotFound(f"RAG answer {answer_id} does not exist.", hint="Submit one of your own answers.")
    titles = [str(item["hit"]["title"]) for item in answer.inspection.get("retrieved", [])]
    calls = [ToolCall(str(step.get("tool", "")), step.get("arguments")) for step in answer.tool_trace]
    return answer.answer, Attempt(answer.answer, calls, titles, None)


def _views(session: Session, actor: Actor, exercise_id: int) -> list[SubmissionView]:
    rows = session.exec(
        select(ExerciseSubmission)
        .where(ExerciseSubmission.exercise_id == exercise_id, ExerciseSubmission.attendee_id == actor.id)
        .order_by(col(ExerciseSubmission.id).desc())
    ).all()
    return [
        SubmissionView(
            row.id or 0,
            row.exercise_id,
            len(rows) - index,
            row.source,
            row.reply,
            row.passed,
            [CheckResult(r["label"], r["passed"], r["reason"]) for r in row.results],
            row.created_at,
        )
        for index, row in enumerate(rows)
    ]
