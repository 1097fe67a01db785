"""Ingestion of 1,000 chunks (embed calls, chunks/s) and retrieval latency on 10,000 chunks.

Ingestion runs the real embedding job (chunking, batched /api/embed calls to the fake,
writes to Chroma); the direct figure is the same batches sent straight to the fake.
Retrieval times the vector query alone (the embedding of the question excluded) on a
collection of 10,000 stored 768-dimensional vectors, embedded Chroma or a Chroma server.

    .venv/bin/python -m benchmarks.rag_store [--chunks 1000] [--stored 10000] [--queries 200] [--chroma-server]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from contextlib import ExitStack

import httpx

from benchmarks.figures import line, ms, percentile
from benchmarks.platform import EMBED_MODEL, use_data_dir

DIMENSION = 768
CHUNK_CHARS = 400


def corpus(chunks: int) -> dict[str, bytes]:
    """Documents that split into about `chunks` chunks of CHUNK_CHARS characters (10 documents)."""
    words = ["llama", "alpaca", "volcano", "bread", "chess", "river", "mountain", "harvest", "engine", "garden"]
    rng = random.Random(7)
    per_doc = chunks // 10
    return {
        f"doc{n}.txt": "\n\n".join(
            " ".join(rng.choice(words) for _ in range(CHUNK_CHARS // 7))[: CHUNK_CHARS - 20] + "."
            for _ in range(per_doc)
        ).encode()
        for n in range(10)
    }


async def ingest(chunks: int) -> tuple[int, float, int]:
    """Chunks stored, seconds, batch size."""
    from tests.support.accounts import actor_of, make_user
    from workshop_app.db.users import Role
    from workshop_app.services.core.jobs import JobStatus, get_jobs
    from workshop_app.services.rag.chunking import ChunkSettings
    from workshop_app.services.rag.collections import CollectionSpec, create_collection
    from workshop_app.services.rag.documents import upload_many
    from workshop_app.services.rag.embedding_jobs import start_embedding
    from workshop_app.settings import get_settings

    actor = actor_of(make_user(Role.INSTRUCTOR, "ingest"))
    documents = [result.document_id for result in upload_many(actor, list(corpus(chunks).items()))]
    collection = await create_collection(
        actor, CollectionSpec("Ingest", EMBED_MODEL, chunks=ChunkSettings(CHUNK_CHARS, 0))
    )
    started = time.perf_counter()
    job = await get_jobs().wait((await start_embedding(actor, collection.id, documents)).id)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert job.status is JobStatus.DONE, job.error
    return job.done, seconds, get_settings().embed_batch_size


def direct_embeds(url: str, chunks: int, batch: int) -> float:
    """Seconds to send the same number of texts straight to the backend in the same batches."""
    texts = [f"text {n} " * 50 for n in range(chunks)]
    started = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        for start in range(0, chunks, batch):
            client.post(
                f"{url}/api/embed", json={"model": EMBED_MODEL, "input": texts[start : start + batch]}
            ).raise_for_status()
    return time.perf_counter() - started


def retrieval(stored: int, queries: int) -> list[float]:
    from workshop_app.services.rag.vector_store import get_vector_store

    store = get_vector_store()
    store.create("bench-10k", "bench-embedder", "cosine")
    rng = random.Random(11)
    vector = lambda: [rng.gauss(0, 1) for _ in range(DIMENSION)]  # noqa: E731 - used once, here
    for start in range(0, stored, 1000):
        ids = [f"c{n}" for n in range(start, start + 1000)]
        store.add(
            "bench-10k",
            "bench-embedder",
            ids,
            [vector() for _ in ids],
            [f"chunk {i}" for i in ids],
            [{"document_id": 1, "title": "bench", "position": n} for n in range(len(ids))],
        )
    for _ in range(5):
        store.query("bench-10k", "bench-embedder", vector(), 5)
    times = []
    for _ in range(queries):
        probe = vector()
        started = time.perf_counter()
        store.query("bench-10k", "bench-embedder", probe, 5)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--stored", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--chroma-server", action="store_true", help="use a `chroma run` server instead of embedded Chroma"
    )
    args = parser.parse_args()

    from tests.fakes.ollama_server import FakeOllama

    with ExitStack() as stack:
        backend = stack.enter_context(FakeOllama(port=0))
        extra = {}
        if args.chroma_server:
            from tests.support.chroma import chroma_server

            extra["WORKSHOP_CHROMA_URL"] = stack.enter_context(chroma_server())
        use_data_dir(backend.url, extra)
        from workshop_app.db.migrations import upgrade_database
        from workshop_app.settings import get_settings

        upgrade_database(get_settings())
        stored, seconds, batch = asyncio.run(ingest(args.chunks))
        calls = backend.stats.embed_calls
        direct_s = direct_embeds(backend.url, stored, batch)
        times = retrieval(args.stored, args.queries)

    where = "Chroma server" if args.chroma_server else "embedded Chroma"
    print(f"\nIngestion ({where}, batch size {batch}, fake embedder answers at once)")
    line("chunks stored / embed calls", f"{stored}", f"{calls}")
    line("platform: seconds, chunks/s", f"{seconds:.2f} s", f"{stored / seconds:.0f}/s")
    line("direct embed calls only: seconds, chunks/s", f"{direct_s:.2f} s", f"{stored / direct_s:.0f}/s")
    line("ratio platform / direct time", f"{seconds / direct_s:.1f}x")
    print(
        f"\nRetrieval on {args.stored:,} chunks of {DIMENSION} dimensions,"
        f" top 5, question already embedded ({args.queries} queries)"
    )
    line("vector query", f"p50 {ms(percentile(times, 50))}", f"p95 {ms(percentile(times, 95))}")


if __name__ == "__main__":
    main()
