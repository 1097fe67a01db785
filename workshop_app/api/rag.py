"""Asking a RAG system over REST, for scripts and load tests that do not drive the browser."""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import RowId
from workshop_app.services.rag import systems as rag
from workshop_app.services.tools.loop import TraceStep

router = APIRouter(prefix="/rag-systems", tags=["rag"])


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=4000)


class Source(BaseModel):
    number: int
    title: str
    chunk: int = Field(description="1-based position of the chunk in its document")
    score: float
    text: str


class ToolCall(BaseModel):
    round: int
    tool: str
    arguments: Any
    result: str
    error: str = Field(description="Why the call gave no result (sent back to the model as its result)")
    duration_ms: float


class Answer(BaseModel):
    answer: str
    sources: list[Source]
    cited: list[int] = Field(description="Source numbers the answer cites")
    warnings: list[str]
    tool_calls: list[ToolCall] = Field(default_factory=list, description="Calls of the system's tools, in order")


@router.post("/{system_id}/answer", summary="Answer a question from the system's collections, with numbered sources")
async def answer(system_id: RowId, body: Question, actor: CurrentActor) -> Answer:
    system, inspection = await rag.prepare(actor, system_id, body.question)
    parts, steps = [], []
    async with aclosing(rag.stream_answer(actor, system, inspection)) as events:
        async for event in events:
            if isinstance(event, TraceStep):
                steps.append(ToolCall(**event.as_dict()))
            else:
                parts.append(event.content)
    text = "".join(parts)
    sources = [
        Source(
            number=item.number,
            title=item.hit.title,
            chunk=item.hit.position + 1,
            score=item.hit.score,
            text=item.hit.text,
        )
        for item in inspection.sources
        if item.number is not None
    ]
    return Answer(
        answer=text,
        sources=sources,
        cited=rag.cited_numbers(text, inspection),
        warnings=inspection.warnings,
        tool_calls=steps,
    )
