"""What the Documents, Collections and RAG pages display: service results as typed, formatted rows."""

from __future__ import annotations

import dataclasses

from workshop_app.db.collections import VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.rag_systems import RagSystem
from workshop_app.services.core.jobs import Job
from workshop_app.services.core.wording import counted
from workshop_app.services.rag.chunking import Chunk
from workshop_app.services.rag.collections import MemberDocument
from workshop_app.services.rag.documents import UploadResult
from workshop_app.services.rag.embedding_map import EmbeddingMap
from workshop_app.services.rag.history import KeptAnswer
from workshop_app.services.rag.retrieval import Hit
from workshop_app.services.rag.systems import Inspection, Retrieved, cited_numbers
from workshop_app.state.model_views import human_size
from workshop_app.state.tool_views import TranscriptEntry, step_entry

# Radix scales, one per document in the embedding map (theme colours, no ad-hoc values).
MAP_COLOURS = ("blue", "orange", "grass", "purple", "crimson", "teal", "amber", "indigo", "brown", "cyan")


@dataclasses.dataclass
class UploadRow:
    filename: str = ""
    ok: bool = False
    message: str = ""
    hint: str = ""


@dataclasses.dataclass
class DocumentRow:
    id: int = 0
    title: str = ""
    kind: str = ""
    size: str = ""
    chars: str = ""
    created: str = ""


@dataclasses.dataclass
class ChunkView:
    position: int = 0
    label: str = ""
    text: str = ""


@dataclasses.dataclass
class CollectionRow:
    id: int = 0
    name: str = ""
    model: str = ""
    distance: str = ""
    dimension: str = ""
    chunking: str = ""


@dataclasses.dataclass
class MemberRow:
    document_id: int = 0
    title: str = ""
    chunks: str = ""  # "1 chunk", "12 chunks"


@dataclasses.dataclass
class JobView:
    id: str = ""
    status: str = ""
    running: bool = False
    percent: int = 0
    progress: str = ""
    speed: str = ""
    error: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class HitView:
    number: int = 0
    score: str = ""
    title: str = ""
    where: str = ""
    text: str = ""
    fate: str = ""
    used: bool = False


@dataclasses.dataclass
class MapSeries:
    title: str = ""
    colour: str = ""
    points: list[dict[str, float | str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SystemRow:
    id: int = 0
    name: str = ""
    chat_model: str = ""
    settings: str = ""


@dataclasses.dataclass
class AnswerView:
    question: str = ""
    text: str = ""
    status: str = ""
    sources: list[HitView] = dataclasses.field(default_factory=list)
    retrieved: list[HitView] = dataclasses.field(default_factory=list)
    prompt: str = ""
    budget: str = ""
    budget_percent: int = 0
    warnings: list[str] = dataclasses.field(default_factory=list)
    cited: list[int] = dataclasses.field(default_factory=list)
    trace: list[TranscriptEntry] = dataclasses.field(default_factory=list)  # calls of the system's tools


def upload_row(result: UploadResult) -> UploadRow:
    if result.ok:
        return UploadRow(result.filename, True, "uploaded", "")
    return UploadRow(result.filename, False, result.error.split(": ", 1)[-1], result.hint)


def document_row(document: Document) -> DocumentRow:
    return DocumentRow(
        document.id or 0,
        document.title,
        document.kind,
        human_size(document.size_bytes),
        f"{document.char_count:,} characters",
        document.created_at.strftime("%Y-%m-%d %H:%M"),
    )


def chunk_view(chunk: Chunk) -> ChunkView:
    return ChunkView(
        chunk.position,
        f"#{chunk.position + 1} · from character {chunk.start:,} · {len(chunk.text):,} characters",
        chunk.text,
    )


def collection_row(collection: VectorCollection) -> CollectionRow:
    return CollectionRow(
        collection.id or 0,
        collection.name,
        collection.embedding_model,
        collection.distance,
        f"{collection.dimension} dimensions" if collection.dimension else "no vectors yet",
        f"{collection.chunk_size} {collection.chunk_unit}, overlap {collection.chunk_overlap}"
        + (", Markdown-aware" if collection.markdown_aware else ""),
    )


def member_row(member: MemberDocument) -> MemberRow:
    return MemberRow(member.document_id, member.title, counted(member.chunk_count, "chunk"))


def job_view(job: Job) -> JobView:
    eta = f", about {job.eta_s:.0f} s left" if job.eta_s is not None else ""
    skipped = f" ({job.skipped} already there)" if job.skipped else ""
    return JobView(
        job.id,
        str(job.status),
        job.active,
        round(job.percent),
        f"{job.done:,} / {job.total:,} {job.unit if job.total != 1 else job.unit.removesuffix('s')}{skipped}",
        f"{job.rate:.1f} {job.unit}/s{eta}",
        " ".join(filter(None, [job.error, job.hint])),
        [f"{error.name}: {error.message}" for error in job.item_errors],
    )


def hit_view(hit: Hit, number: int = 0, fate: str = "", used: bool = False) -> HitView:
    return HitView(
        number, f"{hit.score:.3f}", hit.title, f"chunk {hit.position + 1} · {hit.collection_name}", hit.text, fate, used
    )


def retrieved_view(item: Retrieved) -> HitView:
    return hit_view(item.hit, item.number or 0, item.fate, item.number is not None)


def map_series(picture: EmbeddingMap) -> list[MapSeries]:
    by_title: dict[str, list[dict[str, float | str]]] = {}
    for point in picture.points:
        by_title.setdefault(point.title, []).append(
            {"x": round(point.x, 4), "y": round(point.y, 4), "chunk": point.position + 1}
        )
    return [
        MapSeries(title, f"var(--{MAP_COLOURS[i % len(MAP_COLOURS)]}-9)", points)
        for i, (title, points) in enumerate(by_title.items())
    ]


def map_note(picture: EmbeddingMap) -> str:
    """What the map shows; a single chunk has no spread for the axes to show."""
    if not picture.points:
        return "No vectors yet: add documents first."
    if len(picture.points) == 1:
        return "1 chunk · the map spreads chunks apart once there are two or more"
    first, second = picture.explained
    return f"{len(picture.points)} chunks · the two axes show {first:.0%} and {second:.0%} of the variance"


def system_row(system: RagSystem) -> SystemRow:
    tools = f" · {counted(len(system.tool_ids), 'tool')}" if system.tool_ids else ""
    return SystemRow(
        system.id or 0,
        system.name,
        system.chat_model,
        f"top {system.top_k} · threshold {system.score_threshold:g} · num_ctx {system.num_ctx:,}{tools}",
    )


def answer_view(question: str, inspection: Inspection, status: str = "streaming") -> AnswerView:
    budget = inspection.budget
    return AnswerView(
        question=question,
        status=status,
        sources=[retrieved_view(item) for item in inspection.sources],
        retrieved=[retrieved_view(item) for item in inspection.retrieved],
        prompt=inspection.prompt,
        budget=(
            f"about {budget.prompt_tokens:,} prompt tokens ({budget.context_tokens:,} of them sources, "
            f"{budget.available_for_context:,} available for sources)"
            f" + {budget.reserved_for_answer:,} kept for the answer, "
            f"of num_ctx {budget.num_ctx:,}"
        ),
        budget_percent=min(100, round(100 * (budget.prompt_tokens + budget.reserved_for_answer) / budget.num_ctx)),
        warnings=list(inspection.warnings),
    )


def finish_answer(view: AnswerView, inspection: Inspection) -> None:
    """What an answer shows once its text is whole: the sources it cites and Ollama's own token count."""
    view.cited = cited_numbers(view.text, inspection)
    if inspection.reported_prompt_tokens is not None:
        view.budget += f" · Ollama counted {inspection.reported_prompt_tokens:,} prompt tokens"


def kept_answer_view(kept: KeptAnswer) -> AnswerView:
    """An answer from the person's history, as it looked when it ended."""
    view = answer_view(kept.question, kept.inspection, kept.status)
    view.text, view.trace = kept.answer, [step_entry(step) for step in kept.trace]
    finish_answer(view, kept.inspection)
    return view
