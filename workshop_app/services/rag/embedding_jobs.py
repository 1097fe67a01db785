"""Embedding documents into a collection, as a background job with progress, cancel and per-document errors.

The job registry (services/core/jobs.py) runs the work, so closing or reloading the page
does not stop it and the page finds it again. Chunk ids derive from the document's content
and the chunk, so running a job twice stores nothing twice: chunks already in the
collection count as done (skipped) without being embedded again.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

from workshop_app.db.collections import VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.row_ids import saved_id
from workshop_app.services.core.errors import InvalidInput, WorkshopError
from workshop_app.services.core.jobs import ItemError, Job, JobKind, get_jobs
from workshop_app.services.ollama.errors import BackendError
from workshop_app.services.rag.chunking import split
from workshop_app.services.rag.collections import chunk_settings, get_collection, record_dimension, record_member
from workshop_app.services.rag.documents import get_document
from workshop_app.services.rag.embeddings import Embedder, batches
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.policy import Action, Actor

EMBEDDING = JobKind(
    "embedding",
    "chunks",
    may_see=lambda actor, job: get_collection(actor, int(job.subject)),
    may_manage=lambda actor, job: get_collection(actor, int(job.subject), Action.WRITE),
)
"""Whoever may read the collection sees its jobs; whoever may write to it starts and cancels them."""


@dataclass(frozen=True)
class PendingChunk:
    id: str
    document_id: int
    text: str
    metadata: dict[str, str | int | float | bool]  # a Chroma metadata entry


def chunk_id(document: Document, position: int, text: str) -> str:
    return hashlib.sha256(f"{document.sha256}\x1f{position}\x1f{text}".encode()).hexdigest()[:40]


async def start_embedding(actor: Actor | None, collection_id: int, document_ids: list[int]) -> Job:
    """Check access now, then embed in the background (the caller's event loop runs it)."""
    collection = get_collection(actor, collection_id, Action.WRITE)
    if not document_ids:
        raise InvalidInput("Choose at least one document to add.")
    chosen = list(dict.fromkeys(document_ids))

    async def embed(job: Job) -> None:
        pending, counts = _chunk_documents(job, chosen, collection, actor)
        await _embed(job, collection, pending, counts)

    return await get_jobs().start(actor, EMBEDDING, str(collection_id), embed)


async def collection_jobs(actor: Actor | None, collection_id: int) -> list[Job]:
    """This collection's jobs, newest first."""
    get_collection(actor, collection_id)
    return (await get_jobs().listed(actor, EMBEDDING, str(collection_id)))[::-1]


def _chunk_documents(
    job: Job, document_ids: list[int], collection: VectorCollection, actor: Actor | None
) -> tuple[list[PendingChunk], dict[int, int]]:
    settings, pending, counts = chunk_settings(collection), [], {}
    for document_id in document_ids:
        try:
            document = get_document(actor, document_id)
        except WorkshopError as error:
            job.item_errors.append(ItemError(document_id, f"document {document_id}", error.message))
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
    job.advance(total=len(pending))
    return pending, counts


async def _embed(job: Job, collection: VectorCollection, pending: list[PendingChunk], counts: dict[int, int]) -> None:
    store = get_vector_store()
    unique = {chunk.id: chunk for chunk in pending}  # identical content shares ids
    existing = await asyncio.to_thread(store.existing_ids, collection.chroma_name, list(unique))
    todo = [chunk for chunk in unique.values() if chunk.id not in existing]
    job.skipped = len(pending) - len(todo)
    job.advance(done=job.skipped)
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
        job.advance(done=job.done + len(batch))
    for document_id, count in counts.items():
        if document_id not in failed:
            await asyncio.to_thread(record_member, saved_id(collection), document_id, count)
    await asyncio.to_thread(record_dimension, saved_id(collection))


def _record_failure(job: Job, batch: list[PendingChunk], message: str) -> set[int]:
    titles = {chunk.document_id: str(chunk.metadata["title"]) for chunk in batch}
    job.item_errors += [
        ItemError(document_id, title, f"Embedding failed: {message}") for document_id, title in titles.items()
    ]
    return set(titles)
