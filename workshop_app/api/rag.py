"""Asking a RAG system over REST, for scripts and load tests that do not drive the browser, and
retrieval evaluation: question sets about a collection scored by recall@k and MRR."""

from __future__ import annotations

from contextlib import aclosing
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from workshop_app.api.auth import CurrentActor
from workshop_app.api.params import MAX_STORED_INT, RowId, StoredCount
from workshop_app.db.ownership import Visibility
from workshop_app.db.question_sets import QuestionSet
from workshop_app.services.core.running_streams import stoppable
from workshop_app.services.rag import systems as rag
from workshop_app.services.rag.evaluation import question_sets, runs
from workshop_app.services.rag.history import RAG_ANSWER
from workshop_app.services.rag.retrieval import MAX_TOP_K
from workshop_app.services.tools.loop import TraceStep

router = APIRouter(prefix="/rag-systems", tags=["rag"])
OptionalRowId = Annotated[int | None, Query(ge=1, le=MAX_STORED_INT, description="Only this collection's sets")]


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
    answering = stoppable(actor, RAG_ANSWER, system.name, rag.stream_answer(actor, system, inspection))
    async with aclosing(answering) as events:
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


evaluation_router = APIRouter(prefix="/question-sets", tags=["rag"])


class QuestionIn(BaseModel):
    question: str = Field(max_length=question_sets.QUESTION_MAX_CHARS)
    document_id: StoredCount = Field(description="A document of the collection that a good search finds")
    expected_text: str = Field(
        "", max_length=4000, description="A passage of that document; then only a chunk overlapping it counts"
    )


class QuestionSetIn(BaseModel):
    name: str = Field(max_length=120)
    collection_id: StoredCount
    top_k: int = Field(3, description=f"k for recall@k and MRR, 1 to {MAX_TOP_K}")
    questions: list[QuestionIn] = Field(max_length=question_sets.MAX_QUESTIONS)
    visibility: Visibility = Visibility.PRIVATE


class ExpectedOut(BaseModel):
    question: str
    document_id: int
    title: str
    expected_text: str


class QuestionSetOut(BaseModel):
    id: int
    name: str
    collection_id: int
    top_k: int
    visibility: str
    creator_id: int
    questions: list[ExpectedOut]
    created_at: datetime

    @classmethod
    def of(cls, row: QuestionSet) -> QuestionSetOut:
        return cls.model_validate(row, from_attributes=True)


class SettingIn(BaseModel):
    embedding_model: str = Field(max_length=200)
    chunk_size: int = Field(description="In the collection's chunk unit (characters or tokens)")
    chunk_overlap: int = 0
    top_k: int


class SettingOut(SettingIn):
    unit: str
    label: str


class RetrievedOut(BaseModel):
    rank: int
    title: str
    position: int = Field(description="0-based position of the chunk in its document")
    score: float
    expected: bool = Field(description="Whether this chunk is what the question should find")
    text: str


class OutcomeOut(BaseModel):
    question: str
    expected_title: str
    expected_text: str
    rank: int | None = Field(description="1-based rank of the first expected chunk within top k; null when missed")
    retrieved: list[RetrievedOut]
    note: str


class EvaluationOut(BaseModel):
    setting: SettingOut
    recall: float = Field(description="recall@k: share of questions whose expected chunk is in the top k")
    mrr: float = Field(description="Mean reciprocal rank within the top k (a miss counts 0)")
    found: int
    chunk_count: int = Field(description="Chunks in the index searched")
    outcomes: list[OutcomeOut]

    @classmethod
    def of(cls, evaluation: runs.Evaluation) -> EvaluationOut:
        return cls.model_validate(evaluation, from_attributes=True)


class RunIn(BaseModel):
    top_k: int | None = Field(None, description="k for this run; the set's own k when left out")


class CompareIn(BaseModel):
    variants: list[SettingIn] = Field(
        max_length=runs.MAX_VARIANTS, description="Other settings to score beside the collection as it is"
    )


@evaluation_router.get("", summary="Question sets you may read, optionally of one collection")
def list_question_sets(actor: CurrentActor, collection_id: OptionalRowId = None) -> list[QuestionSetOut]:
    return [QuestionSetOut.of(row) for row in question_sets.list_question_sets(actor, collection_id)]


@evaluation_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Save a question set (checked whole against the collection; nothing is stored on a 422)",
)
def create_question_set(body: QuestionSetIn, actor: CurrentActor) -> QuestionSetOut:
    questions = [question_sets.QuestionSpec(q.question, q.document_id, q.expected_text) for q in body.questions]
    spec = question_sets.QuestionSetSpec(body.name, body.collection_id, questions, body.top_k, body.visibility)
    return QuestionSetOut.of(question_sets.create_question_set(actor, spec))


@evaluation_router.get("/{set_id}", summary="One question set")
def get_question_set(set_id: RowId, actor: CurrentActor) -> QuestionSetOut:
    return QuestionSetOut.of(question_sets.get_question_set(actor, set_id))


@evaluation_router.delete("/{set_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a question set")
def delete_question_set(set_id: RowId, actor: CurrentActor) -> None:
    question_sets.delete_question_set(actor, set_id)


@evaluation_router.post("/{set_id}/run", summary="Score the set on its collection: recall@k, MRR, what each found")
async def run_question_set(set_id: RowId, actor: CurrentActor, body: RunIn | None = None) -> EvaluationOut:
    return EvaluationOut.of(await runs.run_question_set(actor, set_id, body.top_k if body else None))


@evaluation_router.post(
    "/{set_id}/compare",
    summary="Score the collection as it is and other chunk sizes, top-k values or embedding models side by side",
)
async def compare_settings(set_id: RowId, body: CompareIn, actor: CurrentActor) -> list[EvaluationOut]:
    variants = [runs.Setting(v.embedding_model, v.chunk_size, v.chunk_overlap, v.top_k) for v in body.variants]
    return [EvaluationOut.of(evaluation) for evaluation in await runs.compare_settings(actor, set_id, variants)]
