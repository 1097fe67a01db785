"""Vector collections: create one for an embedding model, list, read, delete, and see what it holds.

The embedding model must be one that Ollama says can embed (its `capabilities` from
/api/show); the chunk settings are kept with the collection so every document in it is
cut the same way.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from workshop_app.db.collections import CollectionDocument, VectorCollection
from workshop_app.db.documents import Document
from workshop_app.db.engine import session_scope
from workshop_app.db.ownership import Visibility
from workshop_app.db.row_ids import saved_id
from workshop_app.services.core.choices import choice
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.owned_rows import owned_row, readable_rows
from workshop_app.services.models.catalog import load_catalog
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.rag.chunking import ChunkSettings, Unit
from workshop_app.services.rag.vector_store import Distance, get_vector_store
from workshop_app.services.workshops.policy import Action, Actor, require_model
from workshop_app.settings import get_settings

EMBEDDING = "embedding"
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    embedding_model: str
    distance: str = Distance.COSINE
    chunks: ChunkSettings = ChunkSettings()
    visibility: str = Visibility.PRIVATE


@dataclass(frozen=True)
class MemberDocument:
    document_id: int
    title: str
    chunk_count: int


async def capable_models(capability: str, backends: tuple[OllamaBackend, ...] | None = None) -> list[str]:
    """Models on a reachable host whose /api/show capabilities include `capability`.

    A decision, not a display: it waits for the fresh check (up to two probe timeouts) rather
    than answering from an older state after a second.
    """
    catalog = await load_catalog(backends, fresh=True, max_wait=2 * get_settings().ollama_probe_timeout)
    return sorted(model.name for model in catalog.models if model.healthy and capability in model.capabilities)


async def embedding_models(backends: tuple[OllamaBackend, ...] | None = None) -> list[str]:
    return await capable_models(EMBEDDING, backends)


async def require_embedding_model(
    actor: Actor | None, model: str, backends: tuple[OllamaBackend, ...] | None = None
) -> Actor:
    """The actor, once `model` is chosen, in their workshop and able to embed on a reachable host."""
    if not model.strip():
        raise InvalidInput("Choose an embedding model first.", hint="The list offers only models that can embed.")
    actor = require_model(actor, model)
    if model not in await embedding_models(backends):
        raise InvalidInput(
            f"{model} cannot make embeddings (or no reachable host has it).",
            hint="Pick a model with the embedding capability, e.g. nomic-embed-text.",
        )
    return actor


async def create_collection(
    actor: Actor | None, spec: CollectionSpec, backends: tuple[OllamaBackend, ...] | None = None
) -> VectorCollection:
    actor = await require_embedding_model(actor, spec.embedding_model, backends)
    row = collection_row(actor, spec, actor.workshop_id)
    get_vector_store().create(row.chroma_name, row.embedding_model, row.distance)
    with session_scope() as session:
        session.add(row)
    return row


def collection_row(actor: Actor, spec: CollectionSpec, workshop_id: int | None) -> VectorCollection:
    """An unsaved, checked row of `actor`'s with a fresh Chroma name (its index is not created here)."""
    name = spec.name.strip()
    if not name:
        raise InvalidInput("Give the collection a name.")
    distance, chunks = choice(Distance, spec.distance, "distance"), spec.chunks.validated()
    return VectorCollection(
        creator_id=actor.id,
        workshop_id=workshop_id,
        visibility=choice(Visibility, spec.visibility, "visibility"),
        name=name[:120],
        chroma_name=f"{(_SLUG.sub('-', name.lower()).strip('-') or 'c')[:30]}-{uuid.uuid4().hex[:16]}",
        embedding_model=spec.embedding_model,
        distance=distance,
        chunk_size=chunks.size,
        chunk_overlap=chunks.overlap,
        chunk_unit=chunks.unit,
        markdown_aware=chunks.markdown,
    )


def chunk_settings(collection: VectorCollection) -> ChunkSettings:
    return ChunkSettings(
        collection.chunk_size, collection.chunk_overlap, Unit(collection.chunk_unit), collection.markdown_aware
    )


def list_collections(actor: Actor | None) -> list[VectorCollection]:
    with session_scope() as session:
        return readable_rows(session, actor, VectorCollection)


def load(session: Session, actor: Actor | None, collection_id: int, action: Action = Action.READ) -> VectorCollection:
    return owned_row(session, actor, VectorCollection, collection_id, action, "Collection")


def get_collection(actor: Actor | None, collection_id: int, action: Action = Action.READ) -> VectorCollection:
    with session_scope() as session:
        return load(session, actor, collection_id, action)


def member_documents(actor: Actor | None, collection_id: int) -> list[MemberDocument]:
    with session_scope() as session:
        load(session, actor, collection_id)
        rows = session.exec(
            select(CollectionDocument, Document)
            .join(Document, col(Document.id) == CollectionDocument.document_id)
            .where(CollectionDocument.collection_id == collection_id)
            .order_by(col(CollectionDocument.id))
        ).all()
        return [MemberDocument(saved_id(document), document.title, link.chunk_count) for link, document in rows]


def record_member(collection_id: int, document_id: int, chunk_count: int) -> None:
    with session_scope() as session:
        link = session.exec(
            select(CollectionDocument).where(
                CollectionDocument.collection_id == collection_id, CollectionDocument.document_id == document_id
            )
        ).first()
        if link is None:
            link = CollectionDocument(collection_id=collection_id, document_id=document_id)
        link.chunk_count = chunk_count
        session.add(link)


def record_dimension(collection_id: int) -> None:
    """Copy the dimension Chroma's metadata recorded with the first vectors onto the row."""
    with session_scope() as session:
        row = session.get(VectorCollection, collection_id)
        if row is not None and row.dimension is None:
            row.dimension = get_vector_store().recorded(row.chroma_name)[1]
            session.add(row)


def delete_collection(actor: Actor | None, collection_id: int) -> None:
    with session_scope() as session:
        row = load(session, actor, collection_id, Action.DELETE)
        chroma_name = row.chroma_name
        session.delete(row)
    get_vector_store().drop(chroma_name)
