"""What a person asked a RAG system, kept: each question with its answer, sources and inspector data.

An answer is saved however it ends (done, stopped, failed), like a Playground reply, so a
reload shows the same page. The history is the asker's own: nobody else reads it, and a
person who may no longer read the system no longer gets its history either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, select

from workshop_app.db.engine import session_scope
from workshop_app.db.rag_answers import RagAnswer
from workshop_app.db.rag_systems import RagSystem
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.running_streams import stoppable, stream_kind
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.rag.retrieval import Hit
from workshop_app.services.rag.systems import Inspection, Retrieved, TokenBudget, get_rag_system, stream_answer
from workshop_app.services.tools.loop import TraceStep
from workshop_app.services.workshops.policy import Actor, require_actor

HISTORY_LIMIT = 50
"""Answers a page shows per system: the newest ones."""
RAG_ANSWER = stream_kind("rag-answer")
"""An answer of a RAG system streaming (subject: the system's name); only its asker sees and stops it."""


class AnswerStatus:
    DONE = "done"
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True)
class KeptAnswer:
    question: str
    answer: str
    status: str
    error: str
    inspection: Inspection
    trace: list[TraceStep]
    created_at: datetime


def inspection_record(inspection: Inspection) -> dict[str, Any]:
    """The inspection as JSON: every retrieved chunk with its fate, the prompt, the budget, the warnings."""
    return {
        "question": inspection.question,
        "retrieved": [
            {"hit": dataclasses.asdict(item.hit), "fate": item.fate, "number": item.number}
            for item in inspection.retrieved
        ],
        "prompt": inspection.prompt,
        "budget": dataclasses.asdict(inspection.budget),
        "warnings": list(inspection.warnings),
        "reported_prompt_tokens": inspection.reported_prompt_tokens,
    }


def inspection_from_record(record: dict[str, Any]) -> Inspection:
    retrieved = [
        Retrieved(Hit(**item["hit"]), item["fate"], item.get("number")) for item in record.get("retrieved", [])
    ]
    return Inspection(
        record.get("question", ""),
        retrieved,
        record.get("prompt", ""),
        TokenBudget(**record["budget"]),
        list(record.get("warnings", [])),
        record.get("reported_prompt_tokens"),
    )


@dataclass
class _AnswerSoFar:
    text: list[str] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)
    status: str = AnswerStatus.STOPPED
    error: str = ""


def answer_and_keep(
    actor: Actor | None, system: RagSystem, inspection: Inspection, *, backends: tuple[OllamaBackend, ...] | None = None
) -> AsyncGenerator[ChatChunk | TraceStep, None]:
    """`rag.stream_answer`, saved to the asker's history however it ends.

    Closing the generator (Stop) saves the text so far as stopped, and so does a stop from
    another tab, worker or the REST API (which returns once it is saved); a failure saves it
    as failed with the error and re-raises. The save runs in the database threads.
    """
    actor = require_actor(actor)
    return stoppable(actor, RAG_ANSWER, system.name, _kept(actor, system, inspection, backends))


async def _kept(
    actor: Actor, system: RagSystem, inspection: Inspection, backends: tuple[OllamaBackend, ...] | None
) -> AsyncGenerator[ChatChunk | TraceStep, None]:
    so_far = _AnswerSoFar()
    try:
        async with aclosing(stream_answer(actor, system, inspection, backends=backends)) as events:
            async for event in events:
                if isinstance(event, TraceStep):
                    so_far.trace.append(event)
                else:
                    so_far.text.append(event.content)
                    if event.done:
                        so_far.status = AnswerStatus.DONE
                yield event
    except WorkshopError as failure:
        so_far.status, so_far.error = AnswerStatus.FAILED, failure.message
        raise
    finally:
        await off_loop(_save, actor, system.id or 0, inspection, so_far)  # finishes even if this task is cancelled


def _save(actor: Actor, system_id: int, inspection: Inspection, so_far: _AnswerSoFar) -> None:
    with session_scope() as session:
        session.add(
            RagAnswer(
                rag_system_id=system_id,
                user_id=actor.id,
                question=inspection.question,
                answer="".join(so_far.text),
                status=so_far.status,
                error=so_far.error[:1000],
                inspection=inspection_record(inspection),
                tool_trace=[step.as_dict() for step in so_far.trace],
            )
        )


def history(actor: Actor | None, system_id: int, limit: int = HISTORY_LIMIT) -> list[KeptAnswer]:
    """This person's own questions to the system, oldest first (the newest `limit`)."""
    actor = require_actor(actor)
    get_rag_system(actor, system_id)  # may they still read the system?
    with session_scope() as session:
        rows = session.exec(
            select(RagAnswer)
            .where(RagAnswer.rag_system_id == system_id, RagAnswer.user_id == actor.id)
            .order_by(col(RagAnswer.id).desc())
            .limit(limit)
        ).all()
    return [
        KeptAnswer(
            row.question,
            row.answer,
            row.status,
            row.error,
            inspection_from_record(row.inspection),
            [TraceStep.from_dict(step) for step in row.tool_trace],
            row.created_at,
        )
        for row in reversed(rows)
    ]


def clear_history(actor: Actor | None, system_id: int) -> None:
    """Forget this person's questions to the system (others' stay)."""
    actor = require_actor(actor)
    get_rag_system(actor, system_id)
    with session_scope() as session:
        session.exec(
            delete(RagAnswer).where(col(RagAnswer.rag_system_id) == system_id, col(RagAnswer.user_id) == actor.id)
        )
