"""Background jobs that embed documents into a collection, with progress, cancel and per-document errors.

Jobs live in this server process, not in a page, so closing or reloading the page does
not stop them and the page finds them again. Chunk ids derive from the document's content
and the chunk, so running a job twice stores nothing twice: chunks already in the
collection count as done without being embedded again.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from workshop_app.db.collections import VectorCollection
from workshop_app.db.documents import Document
from workshop_app.services.core.errors import InvalidInput, NotFound, WorkshopError
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.rag.chunking import split
from workshop_app.services.rag.collections import chunk_settings, get_collection, record_dimension, record_member
from workshop_app.services.rag.documents import get_document
from workshop_app.services.rag.embeddings import Embedder, batches
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.policy import Action, Actor

FINISHED_KEPT = 200


class JobStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class DocumentError:
    document_id: int
    title: str
    message: str


@dataclass(frozen=True)
class PendingChunk:
    id: str
    document_id: int
    text: str
    metadata: dict[str, str | int | float | bool]  # a Chroma metadata entry


@dataclass
class EmbeddingJob:
    id: str
    collection_id: int
    document_ids: list[int]
    status: JobStatus = JobStatus.RUNNING
    total: int = 0  # chunks in all readable documents
    done: int = 0  # chunks stored, including those already there
    skipped: int = 0  # chunks that were already in the collection
    error: str = ""
    errors: list[DocumentError] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    _embedded: int = 0
    _task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.status is JobStatus.RUNNING

    @property
    def rate(self) -> float:
        """Chunks embedded per second (skipped ones excluded: they cost nothing)."""
        elapsed = (self.finished or time.monotonic()) - self.started
        return self._embedded / elapsed if elapsed > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.running or self.rate <= 0:
            return None
        return (self.total - self.done) / self.rate

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else (0.0 if self.running else 1.0)


def chunk_id(document: Document, position: int, text: str) -> str:
    return hashlib.sha256(f"{document.sha256}\x1f{position}\x1f{text}".encode()).hexdigest()[:40]


class JobRegistry:
    def __init__(self) -> None:
        self._jobs: dict[str, EmbeddingJob] = {}

    def start(self, actor: Actor | None, collection_id: int, document_ids: list[int]) -> EmbeddingJob:
        """Check access now, then embed in the background (the caller's event loop runs it)."""
        collection = get_collection(actor, collection_id, Action.WRITE)
        if not document_ids:
            raise InvalidInput("Choose at least one document to add.")
        job = EmbeddingJob(uuid.uuid4().hex, collection_id, list(dict.fromkeys(document_ids)))
        self._jobs[job.id] = job
        self._prune()
        job._task = asyncio.create_task(_run(job, collection, actor))
        job._task.add_done_callback(lambda task: _settle(job, task))
        return job

    def get(self, actor: Actor | None, job_id: str) -> EmbeddingJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("That embedding job is no longer known.", hint="Start it again; finished chunks are kept.")
        get_collection(actor, job.collection_id)
        return job

    def for_collection(self, actor: Actor | None, collection_id: int) -> list[EmbeddingJob]:
        """This collection's jobs, newest first."""
        get_collection(actor, collection_id)
        jobs = [job for job in self._jobs.values() if job.collection_id == collection_id]
        return sorted(jobs, key=lambda job: job.started, reverse=True)

    def cancel(self, actor: Actor | None, job_id: str) -> EmbeddingJob:
        job = self.get(actor, job_id)
        get_collection(actor, job.collection_id, Action.WRITE)
        if job.running and job._task is not None:
            job._task.cancel()
        return job

    async def wait(self, job_id: str) -> EmbeddingJob:
        job = self._jobs[job_id]
        if job._task is not None:
            await asyncio.gather(job._task, return_exceptions=True)
        return job

    def _prune(self) -> None:
        finished = [job for job in self._jobs.values() if not job.running]
        for job in sorted(finished, key=lambda job: job.started)[: max(0, len(finished) - FINISHED_KEPT)]:
            del self._jobs[job.id]


async def _run(job: EmbeddingJob, collection: VectorCollection, actor: Actor | None) -> None:
    try:
        pending, counts = _chunk_documents(job, collection, actor)
        await _embed(job, collection, pending, counts)
        job.status = JobStatus.DONE
    except WorkshopError as error:
        job.status, job.error = JobStatus.FAILED, " ".join(filter(None, [error.message, error.hint]))
    except Exception as error:  # a job must end with a status a person can read
        job.status, job.error = JobStatus.FAILED, f"Unexpected error: {error}"


def _settle(job: EmbeddingJob, task: asyncio.Task[None]) -> None:
    """Runs however the task ended, including a cancel before it ever started."""
    if task.cancelled():
        job.status = JobStatus.CANCELLED
    job.finished = time.monotonic()


def _chunk_documents(
    job: EmbeddingJob, collection: VectorCollection, actor: Actor | None
) -> tuple[list[PendingChunk], dict[int, int]]:
    settings, pending, counts = chunk_settings(collection), [], {}
    for document_id in job.document_ids:
        try:
            document = get_document(actor, document_id)
        except WorkshopError as error:
            job.errors.append(DocumentError(document_id, f"document {document_id}", error.message))
            continue
        chunks = split(document.text, settings)
        counts[document_id] = len(chunks)
        pending += [
            PendingChunk(
                chunk_id(document, chunk.position, chunk.text),
                document_id,
                chunk.text,
                {"document_id": document_id, "title": document.title, "position": chunk.position, "start": chunk.start},
            )
            for chunk in chunks
        ]
    job.total = len(pending)
    return pending, counts


async def _embed(
    job: EmbeddingJob, collection: VectorCollection, pending: list[PendingChunk], counts: dict[int, int]
) -> None:
    store = get_vector_store()
    unique = {chunk.id: chunk for chunk in pending}  # identical content shares ids
    existing = await asyncio.to_thread(store.existing_ids, collection.chroma_name, list(unique))
    todo = [chunk for chunk in unique.values() if chunk.id not in existing]
    job.skipped = job.done = len(pending) - len(todo)
    embedder = await Embedder.open(collection.embedding_model, user_id=collection.creator_id)
    failed: set[int] = set()
    for part in batches(len(todo)):
        batch = todo[part]
        try:
            vectors = await embedder.embed([chunk.text for chunk in batch])
        except BackendError as error:  # this batch's input was refused; the model and host are fine
            failed |= _record_failure(job, batch, error.message)
        else:
            await asyncio.to_thread(
                store.add,
                collection.chroma_name,
                collection.embedding_model,
                [c.id for c in batch],
                vectors,
                [c.text for c in batch],
                [c.metadata for c in batch],
            )
            job._embedded += len(batch)
        job.done += len(batch)
    for document_id, count in counts.items():
        if document_id not in failed:
            await asyncio.to_thread(record_member, job.collection_id, document_id, count)
    await asyncio.to_thread(record_dimension, job.collection_id)


def _record_failure(job: EmbeddingJob, batch: list[PendingChunk], message: str) -> set[int]:
    titles = {chunk.document_id: str(chunk.metadata["title"]) for chunk in batch}
    job.errors += [
        DocumentError(document_id, title, f"Embedding failed: {message}") for document_id, title in titles.items()
    ]
    return set(titles)


_registry = JobRegistry()


def get_jobs() -> JobRegistry:
    return _registry
