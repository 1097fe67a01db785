"""Build a collection from in-memory files through the real services (upload, create, embed job)."""

from __future__ import annotations

from workshop_app.db.collections import VectorCollection
from workshop_app.services.core.jobs import Job, get_jobs
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.collections import CollectionSpec, create_collection
from workshop_app.services.rag.documents import upload_many
from workshop_app.services.rag.embedding_jobs import start_embedding
from workshop_app.services.workshops.policy import Actor

EMBEDDER = "nomic-embed-text:latest"

CORPUS = {
    "llamas.md": b"# Llamas\n\nLlamas are domesticated South American camelids. Andean people use a llama as a pack "
    b"animal: it can carry about a quarter of its body weight over mountain trails.",
    "volcanoes.txt": b"Volcanoes erupt when magma rises through cracks in the crust. Lava flows, ash clouds and "
    b"volcanic gases follow an eruption.",
    "bread.html": b"<html><body><h1>Baking</h1><p>Bread dough needs flour, water, yeast and salt. Knead the dough, "
    b"let it rise, then bake it in a hot oven.</p><script>var dough = 'tracking';</script></body></html>",
    "chess.txt": b"Chess is played on a board of sixty four squares. Knights jump in an L shape, bishops move "
    b"diagonally and rooks move in straight lines.",
}

# Questions sharing words with exactly one document (the fake's embeddings are lexical).
QUESTIONS = {
    "What can a llama carry as a pack animal over mountain trails?": "llamas.md",
    "Why do volcanoes erupt with lava and ash?": "volcanoes.txt",
    "How long should I knead bread dough with yeast before it can rise?": "bread.html",
    "How do knights and bishops move on a chess board?": "chess.txt",
}


def upload(actor: Actor, files: dict[str, bytes]) -> list[int]:
    results = upload_many(actor, list(files.items()))
    assert all(result.ok for result in results), [result.error for result in results]
    return [result.document_id for result in results]  # type: ignore[misc]


async def build_collection(
    actor: Actor,
    files: dict[str, bytes],
    *,
    distance: str = "cosine",
    chunks: ChunkSettings | None = None,
    visibility: str = "private",
    embedder: str = EMBEDDER,
) -> tuple[VectorCollection, Job]:
    """A collection holding `files`, embedded by a finished job."""
    document_ids = upload(actor, files)
    spec = CollectionSpec("Test corpus", embedder, distance, chunks or ChunkSettings(200, 20), visibility)
    collection = await create_collection(actor, spec)
    job = await start_embedding(actor, collection.id, document_ids)  # type: ignore[arg-type]
    return collection, await get_jobs().wait(job.id)
