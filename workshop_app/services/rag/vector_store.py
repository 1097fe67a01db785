"""Chroma, used only as a vector index: vectors always come from Ollama, never from Chroma's embedders.

Embedded (a PersistentClient in the data directory) by default; a Chroma server when
`WORKSHOP_CHROMA_URL` is set. Every collection records the embedding model and dimension
in its metadata, and vectors from another model or of another size are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from workshop_app.process_wide import ProcessWide
from workshop_app.services.core.errors import InvalidInput, NotFound, WorkshopError
from workshop_app.services.rag.chroma_lock import chroma_writes
from workshop_app.settings import Settings, get_settings

if TYPE_CHECKING:  # chromadb (with numpy, gRPC, OpenTelemetry) costs ~65 MB per process: imported on first use
    from chromadb.api import ClientAPI
    from chromadb.api.collection_configuration import CreateCollectionConfiguration
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import PyEmbeddings

Metadata = dict[str, str | int | float | bool]
MODEL_KEY, DIMENSION_KEY = "embedding_model", "dimension"


class Distance(StrEnum):
    COSINE = "cosine"
    L2 = "l2"
    IP = "ip"


class EmbeddingMismatch(InvalidInput):
    """Vectors that do not match what a collection was built with."""


class VectorStoreUnavailable(WorkshopError):
    status_code = 503
    hint = "Check that the Chroma server in WORKSHOP_CHROMA_URL is running."


class VectorStoreError(WorkshopError):
    """Chroma refused an operation for a reason of its own."""

    status_code = 500
    hint = "Try again; if it keeps failing, tell the instructor what you did."


@dataclass(frozen=True)
class Match:
    id: str
    text: str
    metadata: Metadata
    distance: float


def similarity(distance: Distance | str, value: float) -> float:
    """A score where higher is closer: 1 - d for cosine and inner product, 1 / (1 + d) for squared L2."""
    return 1.0 / (1.0 + value) if distance == Distance.L2 else 1.0 - value


def client_from(settings: Settings) -> ClientAPI:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url is None:
        return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
    url = urlsplit(str(settings.chroma_url))
    return chromadb.HttpClient(
        host=url.hostname or "localhost",
        port=url.port or (443 if url.scheme == "https" else 8000),
        ssl=url.scheme == "https",
        settings=chroma_settings,
    )


class VectorStore:
    """`data_dir` is given for embedded Chroma: its writes then pause while a backup copies it."""

    def __init__(self, client: ClientAPI, data_dir: Path | None = None) -> None:
        self._client = client
        self._data_dir = data_dir

    def _writing(self) -> AbstractContextManager[None]:
        return chroma_writes(self._data_dir) if self._data_dir is not None else nullcontext()

    def create(self, name: str, embedding_model: str, distance: Distance | str) -> None:
        configuration: CreateCollectionConfiguration = {"hnsw": {"space": Distance(distance).value}}
        with self._writing():
            self._guarded(
                lambda: self._client.create_collection(
                    name,
                    configuration=configuration,
                    metadata={MODEL_KEY: embedding_model},
                    embedding_function=None,
                )
            )

    def drop(self, name: str) -> None:
        try:
            with self._writing():
                self._guarded(lambda: self._client.delete_collection(name))
        except NotFound:
            pass

    def add(
        self,
        name: str,
        embedding_model: str,
        ids: Sequence[str],
        vectors: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        if not ids:
            return
        collection = self._checked(name, embedding_model, len(vectors[0]))
        if any(len(vector) != len(vectors[0]) for vector in vectors):
            raise EmbeddingMismatch("The embedding model returned vectors of different sizes.")
        embeddings: PyEmbeddings = [list(v) for v in vectors]
        with self._writing():
            if DIMENSION_KEY not in (collection.metadata or {}):
                self._guarded(
                    lambda: collection.modify(metadata={**(collection.metadata or {}), DIMENSION_KEY: len(vectors[0])})
                )
            self._guarded(
                lambda: collection.upsert(
                    ids=list(ids),
                    embeddings=embeddings,
                    documents=list(texts),
                    metadatas=list(metadatas),
                )
            )

    def delete_document(self, name: str, document_id: int) -> None:
        collection = self._collection(name)
        with self._writing():
            self._guarded(lambda: collection.delete(where={"document_id": document_id}))

    def existing_ids(self, name: str, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        collection = self._collection(name)
        return set(self._guarded(lambda: collection.get(ids=list(ids), include=[]))["ids"])

    def query(self, name: str, embedding_model: str, vector: Sequence[float], k: int) -> list[Match]:
        collection = self._checked(name, embedding_model, len(vector))
        query: PyEmbeddings = [list(vector)]
        result = self._guarded(
            lambda: collection.query(
                query_embeddings=query, n_results=k, include=["documents", "metadatas", "distances"]
            )
        )
        return [
            Match(id_, text or "", dict(meta or {}), float(dist))
            for id_, text, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
            )
        ]

    def names(self) -> list[str]:
        """The names of every collection in Chroma."""
        return [collection.name for collection in self._guarded(self._client.list_collections)]

    def count(self, name: str) -> int:
        collection = self._collection(name)
        return self._guarded(collection.count)

    def vectors(self, name: str, limit: int) -> tuple[list[str], list[list[float]], list[Metadata]]:
        """Up to `limit` stored vectors with their chunk metadata (for the embedding map)."""
        collection = self._collection(name)
        result = self._guarded(lambda: collection.get(limit=limit, include=["embeddings", "metadatas"]))
        vectors = result["embeddings"] if result["embeddings"] is not None else []
        return list(result["ids"]), [list(map(float, v)) for v in vectors], [dict(m or {}) for m in result["metadatas"]]

    def recorded(self, name: str) -> tuple[str, int | None]:
        """The embedding model and dimension recorded on the collection."""
        metadata = self._collection(name).metadata or {}
        dimension = metadata.get(DIMENSION_KEY)
        return str(metadata.get(MODEL_KEY, "")), int(dimension) if dimension is not None else None

    def _checked(self, name: str, embedding_model: str, dimension: int) -> Collection:
        collection = self._collection(name)
        metadata = collection.metadata or {}
        recorded_model, recorded_dimension = metadata.get(MODEL_KEY), metadata.get(DIMENSION_KEY)
        if recorded_model != embedding_model:
            raise EmbeddingMismatch(
                f"This collection was built with {recorded_model}; vectors from {embedding_model} cannot be mixed in.",
                hint=f"Use {recorded_model}, or create a new collection for {embedding_model}.",
            )
        if recorded_dimension is not None and recorded_dimension != dimension:
            raise EmbeddingMismatch(
                f"This collection holds {recorded_dimension}-dimensional vectors but {embedding_model} "
                f"now returns {dimension} dimensions.",
                hint="The model changed since the collection was built; create a new collection.",
            )
        return collection

    def _collection(self, name: str) -> Collection:
        return self._guarded(lambda: self._client.get_collection(name, embedding_function=None))

    @staticmethod
    def _guarded(call: Any) -> Any:
        from chromadb.errors import ChromaError, NotFoundError

        try:
            return call()
        except NotFoundError:
            raise NotFound(
                "The vector index of this collection is missing.", hint="Delete the collection and create it again."
            ) from None
        except WorkshopError:
            raise
        except (ConnectionError, OSError, httpx.TransportError) as error:
            raise VectorStoreUnavailable(f"Chroma cannot be reached: {error}") from None
        except ChromaError as error:
            raise VectorStoreError(f"Chroma failed: {error}") from None


@ProcessWide
def get_vector_store() -> VectorStore:
    """The process-wide store from settings."""
    settings = get_settings()
    return VectorStore(client_from(settings), settings.data_dir if settings.chroma_url is None else None)
