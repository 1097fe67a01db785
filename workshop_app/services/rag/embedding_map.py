"""A 2-D picture of a collection: its chunk vectors projected onto their first two principal components.

The last query is projected with the same components, so a person sees which chunks it
lands among — the neighbourhood that retrieval picks from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop_app.services.rag.collections import get_collection
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.policy import Actor

if TYPE_CHECKING:  # numpy is imported by `project`, the first time someone opens a map, not by every server process
    import numpy as np

MAP_LIMIT = 2000


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    title: str
    position: int
    document_id: int


@dataclass(frozen=True)
class EmbeddingMap:
    points: list[MapPoint]
    query: MapPoint | None
    explained: tuple[float, float]  # share of variance each axis shows


def project(
    vectors: Sequence[Sequence[float]], extra: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray | None, tuple[float, float]]:
    """PCA to two axes (SVD of the centred matrix); `extra` is placed with the same axes."""
    import numpy as np

    matrix = np.asarray(vectors, dtype=float)
    mean = matrix.mean(axis=0)
    centred = matrix - mean
    _u, singular, components = np.linalg.svd(centred, full_matrices=False)
    axes = np.zeros((2, matrix.shape[1]))
    axes[: min(2, len(components))] = components[:2]
    variance = singular**2
    total = float(variance.sum()) or 1.0
    first, second = (float(variance[i] / total) if i < len(variance) else 0.0 for i in range(2))
    placed = (np.asarray(extra, dtype=float) - mean) @ axes.T if extra is not None else None
    return centred @ axes.T, placed, (first, second)


async def collection_map(
    actor: Actor | None, collection_id: int, query_vector: Sequence[float] | None = None
) -> EmbeddingMap:
    collection = get_collection(actor, collection_id)
    _ids, vectors, metadatas = await asyncio.to_thread(get_vector_store().vectors, collection.chroma_name, MAP_LIMIT)
    if not vectors:
        return EmbeddingMap([], None, (0.0, 0.0))
    usable_query = query_vector if query_vector is not None and len(query_vector) == len(vectors[0]) else None
    coordinates, placed, shares = project(vectors, usable_query)
    points = [
        MapPoint(
            float(x),
            float(y),
            str(meta.get("title", "")),
            int(meta.get("position", 0)),
            int(meta.get("document_id", 0)),
        )
        for (x, y), meta in zip(coordinates, metadatas, strict=True)
    ]
    query = MapPoint(float(placed[0]), float(placed[1]), "your query", 0, 0) if placed is not None else None
    return EmbeddingMap(points, query, shares)
