"""Search a collection: embed the question with the collection's own model, return the nearest chunks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from workshop_app.db.collections import VectorCollection
from workshop_app.db.row_ids import saved_id
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.rag.collections import get_collection
from workshop_app.services.rag.embeddings import embed_texts
from workshop_app.services.rag.vector_store import get_vector_store, similarity
from workshop_app.services.workshops.policy import Actor

MAX_TOP_K = 50


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    text: str
    score: float  # higher is closer; see vectorstore.similarity
    distance: float
    document_id: int
    title: str
    position: int
    collection_id: int
    collection_name: str
    start: int = 0  # character offset of the chunk in its document


@dataclass(frozen=True)
class SearchResult:
    query: str
    vector: list[float]
    hits: list[Hit]


async def search(
    actor: Actor | None,
    collection_id: int,
    query: str,
    top_k: int = 5,
    *,
    backends: tuple[OllamaBackend, ...] | None = None,
) -> SearchResult:
    collection = get_collection(actor, collection_id)
    return await search_collection(collection, query, top_k, user_id=actor.id if actor else None, backends=backends)


async def search_collection(
    collection: VectorCollection,
    query: str,
    top_k: int,
    *,
    user_id: int | None = None,
    backends: tuple[OllamaBackend, ...] | None = None,
) -> SearchResult:
    """Nearest chunks of an already-authorised collection, best first."""
    if not query.strip():
        raise InvalidInput("Type a question or some words to search for.")
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"Ask for 1 to {MAX_TOP_K} results.")
    [vector] = await embed_texts(collection.embedding_model, [query], user_id=user_id, backends=backends)
    return SearchResult(query, vector, await nearest(collection, vector, top_k))


async def nearest(collection: VectorCollection, vector: list[float], top_k: int) -> list[Hit]:
    """The `top_k` chunks of `collection` closest to an already-made query vector, best first."""
    matches = await asyncio.to_thread(
        get_vector_store().query, collection.chroma_name, collection.embedding_model, vector, top_k
    )
    hits = [
        Hit(
            chunk_id=match.id,
            text=match.text,
            score=similarity(collection.distance, match.distance),
            distance=match.distance,
            document_id=int(match.metadata.get("document_id", 0)),
            title=str(match.metadata.get("title", "")),
            position=int(match.metadata.get("position", 0)),
            collection_id=saved_id(collection),
            collection_name=collection.name,
            start=int(match.metadata.get("start", 0)),
        )
        for match in matches
    ]
    return sorted(hits, key=lambda hit: hit.score, reverse=True)
