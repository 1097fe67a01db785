"""Run a question set: embed the questions, retrieve, and score where each expected chunk ranked.

Comparing settings rebuilds the collection's documents into a temporary Chroma index per
chunking and embedding model (capped: a few variants, a few hundred chunks each, so a
2-core laptop answers in seconds) and drops every temporary index afterwards, however the
run ends. Variants that differ only in top-k share one retrieval. Every embedding request
takes a fair turn on its host like any other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace

from workshop_app.db.collections import VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.services.core.errors import InvalidInput, RateLimited
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.rag.chunking import ChunkSettings, split
from workshop_app.services.rag.collections import (
    chunk_settings,
    get_collection,
    member_documents,
    require_embedding_model,
)
from workshop_app.services.rag.embeddings import Embedder, batches, embed_texts
from workshop_app.services.rag.evaluation.metrics import mean_reciprocal_rank, recall_at_k
from workshop_app.services.rag.evaluation.question_sets import Expected, check_top_k, expected_of, get_question_set
from workshop_app.services.rag.retrieval import Hit, nearest
from workshop_app.services.rag.vector_store import Metadata, get_vector_store
from workshop_app.services.workshops.policy import Actor

MAX_VARIANTS = 4
MAX_TEMPORARY_CHUNKS = 400
TEMPORARY_PREFIX = "evaluation_"  # "_" never occurs in a collection's own Chroma name (a slug and hex)
MISSING = "its document is no longer in the collection"
Chunked = tuple[str, Metadata]  # a chunk's text and its metadata in Chroma
_comparing: set[int | None] = set()  # people whose comparison is running in this process


@dataclass(frozen=True)
class Setting:
    """What retrieval was run with; `chunk_size` and `chunk_overlap` are in the collection's unit."""

    embedding_model: str
    chunk_size: int
    chunk_overlap: int
    top_k: int
    unit: str = "chars"

    @property
    def index_key(self) -> tuple[str, int, int]:
        return self.embedding_model, self.chunk_size, self.chunk_overlap

    @property
    def label(self) -> str:
        return f"{self.embedding_model} · {self.chunk_size} {self.unit} · top {self.top_k}"


@dataclass(frozen=True)
class RetrievedChunk:
    rank: int
    title: str
    position: int  # 0-based chunk position in its document
    score: float
    expected: bool
    text: str


@dataclass(frozen=True)
class QuestionOutcome:
    question: str
    expected_title: str
    expected_text: str
    rank: int | None  # 1-based rank of the first expected chunk within top k; None when missed
    retrieved: list[RetrievedChunk]
    note: str = ""


@dataclass(frozen=True)
class Evaluation:
    setting: Setting
    recall: float  # recall@k
    mrr: float
    chunk_count: int
    outcomes: list[QuestionOutcome]

    @property
    def found(self) -> int:
        return sum(outcome.rank is not None for outcome in self.outcomes)


async def run_question_set(
    actor: Actor | None, set_id: int, top_k: int | None = None, *, backends: tuple[OllamaBackend, ...] | None = None
) -> Evaluation:
    """The set scored on its collection as it is, with the set's k (or `top_k`)."""
    question_set = get_question_set(actor, set_id)
    collection = get_collection(actor, question_set.collection_id)
    setting = _current(collection, check_top_k(question_set.top_k if top_k is None else top_k))
    [evaluation] = await _evaluate(actor, collection, expected_of(question_set), [setting], collection, backends)
    return evaluation


async def compare_settings(
    actor: Actor | None,
    set_id: int,
    variants: Sequence[Setting],
    *,
    backends: tuple[OllamaBackend, ...] | None = None,
) -> list[Evaluation]:
    """The collection as it is, then each variant, in order; all checked before any work starts.

    One comparison per person at a time: each may embed hundreds of chunks on a shared host."""
    with _one_at_a_time(actor):
        return await _compare(actor, set_id, variants, backends)


@contextmanager
def _one_at_a_time(actor: Actor | None) -> Iterator[None]:
    key = actor.id if actor else None
    if key in _comparing:
        raise RateLimited(
            "Your previous comparison is still running.",
            retry_after_s=5,
            hint="Wait for its figures, then compare again.",
        )
    _comparing.add(key)
    try:
        yield
    finally:
        _comparing.discard(key)


async def _compare(
    actor: Actor | None, set_id: int, variants: Sequence[Setting], backends: tuple[OllamaBackend, ...] | None
) -> list[Evaluation]:
    question_set = get_question_set(actor, set_id)
    collection = get_collection(actor, question_set.collection_id)
    if not 1 <= len(variants) <= MAX_VARIANTS:
        raise InvalidInput(f"Compare 1 to {MAX_VARIANTS} other settings at a time; {len(variants)} were given.")
    current = _current(collection, question_set.top_k)
    settings = [current, *[await _checked(actor, collection, variant, backends) for variant in variants]]
    expected = expected_of(question_set)
    keys = list(dict.fromkeys(setting.index_key for setting in settings))
    others = {setting.index_key: setting for setting in settings if setting.index_key != current.index_key}
    pieces = {key: _chunks(actor, collection, setting) for key, setting in others.items()}  # caps checked first
    evaluations: dict[Setting, Evaluation] = {}
    for key in keys:
        group = [setting for setting in settings if setting.index_key == key]
        if key == current.index_key:
            found = await _evaluate(actor, collection, expected, group, collection, backends)
        else:
            async with temporary_index(actor, collection, group[0], pieces[key], backends) as index:
                found = await _evaluate(actor, collection, expected, group, index, backends)
        evaluations.update(zip(group, found, strict=True))
    return [evaluations[setting] for setting in settings]


def _current(collection: VectorCollection, top_k: int) -> Setting:
    settings = chunk_settings(collection)
    return Setting(collection.embedding_model, settings.size, settings.overlap, top_k, str(settings.unit))


async def _checked(
    actor: Actor | None, collection: VectorCollection, variant: Setting, backends: tuple[OllamaBackend, ...] | None
) -> Setting:
    check_top_k(variant.top_k)
    unit = chunk_settings(collection).unit
    ChunkSettings(variant.chunk_size, variant.chunk_overlap, unit, collection.markdown_aware).validated()
    await require_embedding_model(actor, variant.embedding_model, backends)
    return Setting(variant.embedding_model, variant.chunk_size, variant.chunk_overlap, variant.top_k, str(unit))


@asynccontextmanager
async def temporary_index(
    actor: Actor | None,
    collection: VectorCollection,
    setting: Setting,
    chunks: list[Chunked],
    backends: tuple[OllamaBackend, ...] | None,
) -> AsyncIterator[VectorCollection]:
    """`chunks` embedded with `setting`'s model into a Chroma index of their own, dropped on exit."""
    index = VectorCollection(
        id=collection.id,
        creator_id=collection.creator_id,
        name=collection.name,
        chroma_name=f"{TEMPORARY_PREFIX}{uuid.uuid4().hex[:24]}",
        embedding_model=setting.embedding_model,
        distance=collection.distance,
    )
    store = get_vector_store()
    await asyncio.to_thread(store.create, index.chroma_name, index.embedding_model, index.distance)
    try:
        embedder = await Embedder.open(setting.embedding_model, user_id=actor.id if actor else None, backends=backends)
        for part in batches(len(chunks)):
            batch = chunks[part]
            vectors = await embedder.embed([text for text, _ in batch])
            ids = [f"{meta['document_id']}-{meta['position']}" for _, meta in batch]
            texts, metas = [text for text, _ in batch], [meta for _, meta in batch]
            await asyncio.to_thread(store.add, index.chroma_name, index.embedding_model, ids, vectors, texts, metas)
        yield index
    finally:
        await asyncio.to_thread(store.drop, index.chroma_name)


def temporary_indexes_left() -> list[str]:
    """Temporary indexes still in Chroma (none unless a comparison is running or its process died)."""
    return [name for name in get_vector_store().names() if name.startswith(TEMPORARY_PREFIX)]


def _chunks(actor: Actor | None, collection: VectorCollection, setting: Setting) -> list[Chunked]:
    """Every chunk the setting makes of the collection's documents, refused past the cap before any embedding."""
    chunking = ChunkSettings(setting.chunk_size, setting.chunk_overlap, setting.unit, collection.markdown_aware)
    chunks: list[Chunked] = []
    with session_scope() as session:
        for member in member_documents(actor, collection.id):  # type: ignore[arg-type]
            document = session.get(Document, member.document_id)
            for chunk in split(document.text if document else "", chunking):
                meta: Metadata = {"document_id": member.document_id, "title": member.title}
                chunks.append((chunk.text, {**meta, "position": chunk.position, "start": chunk.start}))
    if len(chunks) > MAX_TEMPORARY_CHUNKS:
        raise InvalidInput(
            f"{setting.chunk_size} {setting.unit} chunks cut this collection into {len(chunks)} pieces; "
            f"a comparison embeds at most {MAX_TEMPORARY_CHUNKS} per setting.",
            hint="Compare on a smaller collection, or with larger chunks.",
        )
    return chunks


async def _evaluate(
    actor: Actor | None,
    collection: VectorCollection,
    expected: list[Expected],
    settings: list[Setting],
    index: VectorCollection,
    backends: tuple[OllamaBackend, ...] | None,
) -> list[Evaluation]:
    """One embedding request for all questions and one retrieval per question (at the largest k)
    on `index`, scored for each of `settings`, which share its chunking and embedding model."""
    members = {member.document_id for member in member_documents(actor, collection.id)}  # type: ignore[arg-type]
    user_id = actor.id if actor else None
    vectors = await embed_texts(
        index.embedding_model, [q.question for q in expected], user_id=user_id, backends=backends
    )
    deepest = max(setting.top_k for setting in settings)
    hit_lists = [await nearest(index, vector, deepest) for vector in vectors]
    chunk_count = await asyncio.to_thread(get_vector_store().count, index.chroma_name)
    return [_scored(setting, expected, hit_lists, members, chunk_count) for setting in settings]


def _scored(
    setting: Setting, expected: list[Expected], hit_lists: list[list[Hit]], members: set[int], chunk_count: int
) -> Evaluation:
    outcomes = [_outcome(item, hits[: setting.top_k], members) for item, hits in zip(expected, hit_lists, strict=True)]
    ranks = [outcome.rank for outcome in outcomes]
    return Evaluation(
        setting, recall_at_k(ranks, setting.top_k), mean_reciprocal_rank(ranks, setting.top_k), chunk_count, outcomes
    )


def _outcome(item: Expected, hits: list[Hit], members: set[int]) -> QuestionOutcome:
    retrieved = [
        RetrievedChunk(
            rank, hit.title, hit.position, hit.score, item.covers(hit.document_id, hit.start, len(hit.text)), hit.text
        )
        for rank, hit in enumerate(hits, start=1)
    ]
    rank = next((chunk.rank for chunk in retrieved if chunk.expected), None)
    note = "" if item.document_id in members else MISSING
    return QuestionOutcome(item.question, item.title, item.expected_text, rank, retrieved, note)


def variants_from_text(
    actor: Actor | None, set_id: int, chunk_sizes: str, top_ks: str, models: Sequence[str] = ()
) -> list[Setting]:
    """Settings typed as lists ("100, 400" chunk sizes, "1, 5" k values, other models), each changing
    one thing of the collection as it is; a new chunk size keeps the overlap under a fifth of it."""
    question_set = get_question_set(actor, set_id)
    current = _current(get_collection(actor, question_set.collection_id), question_set.top_k)
    sizes, ks = _numbers(chunk_sizes, "Chunk sizes"), _numbers(top_ks, "Top-k values")
    variants = [
        replace(current, chunk_size=size, chunk_overlap=min(current.chunk_overlap, size // 5)) for size in sizes
    ]
    variants += [replace(current, top_k=k) for k in ks]
    variants += [replace(current, embedding_model=model) for model in models if model]
    if not variants:
        raise InvalidInput("Name at least one other setting to compare.", hint="For example chunk sizes 100, 400.")
    return variants


def _numbers(text: str, label: str) -> list[int]:
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise InvalidInput(f"{label} must be whole numbers separated by commas.", hint="For example: 100, 400")
    return [int(part) for part in parts]
