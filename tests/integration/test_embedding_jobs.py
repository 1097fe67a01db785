"""Embedding jobs: batched /api/embed calls, idempotent re-runs, progress, cancel, per-document errors."""

from __future__ import annotations

import asyncio
import math

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import CORPUS, EMBEDDER, build_collection, upload
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden
from workshop_app.services.core.jobs import JobStatus, get_jobs
from workshop_app.services.operations.metrics import EMBEDDED_ITEMS, EMBEDDING_BATCHES
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.collections import CollectionSpec, create_collection, member_documents
from workshop_app.services.rag.documents import delete_document
from workshop_app.services.rag.embedding_jobs import collection_jobs, start_embedding
from workshop_app.services.rag.vector_store import get_vector_store
from workshop_app.services.workshops.policy import Actor

BATCH_SIZE = 64
ONE_CHUNK_PER_LINE = ChunkSettings(size=20, overlap=0, markdown=False)


@pytest.fixture
def actor(fake_ollama: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch) -> Actor:
    monkeypatch.setenv("WORKSHOP_EMBED_BATCH_SIZE", str(BATCH_SIZE))
    reset_settings_caches()
    return actor_of(make_user(Role.ATTENDEE, "embedder"))


def lines(count: int, stem: str = "fact") -> bytes:
    return "\n".join(f"{stem} {n:04d} llama" for n in range(count)).encode()


async def test_a_thousand_chunks_take_at_most_ceil_n_over_batch_calls_and_rerunning_adds_nothing(
    fake_ollama: FakeOllama, actor: Actor
) -> None:
    items, batches = EMBEDDED_ITEMS.labels(EMBEDDER)._value.get(), EMBEDDING_BATCHES.labels(EMBEDDER)._value.get()
    collection, job = await build_collection(
        actor, {"facts.txt": lines(600), "more.txt": lines(400, "more")}, chunks=ONE_CHUNK_PER_LINE
    )
    assert (job.status, job.total, job.done, job.skipped) == ("done", 1000, 1000, 0)
    assert fake_ollama.stats.embed_calls <= math.ceil(1000 / BATCH_SIZE)
    assert fake_ollama.stats.embed_inputs == 1000
    assert EMBEDDED_ITEMS.labels(EMBEDDER)._value.get() - items == 1000  # what /metrics reports
    assert EMBEDDING_BATCHES.labels(EMBEDDER)._value.get() - batches == fake_ollama.stats.embed_calls
    assert get_vector_store().count(collection.chroma_name) == 1000
    assert job.rate > 0 and job.percent == 100

    calls = fake_ollama.stats.embed_calls
    members = [d.document_id for d in member_documents(actor, collection.id)]  # type: ignore[arg-type]
    again = await get_jobs().wait((await start_embedding(actor, collection.id, members)).id)  # type: ignore[arg-type]
    assert (again.status, again.total, again.skipped) == ("done", 1000, 1000)
    assert fake_ollama.stats.embed_calls == calls
    assert get_vector_store().count(collection.chroma_name) == 1000
    assert sorted(d.chunk_count for d in member_documents(actor, collection.id)) == [400, 600]  # type: ignore[arg-type]


async def test_the_same_content_uploaded_twice_is_stored_once(actor: Actor) -> None:
    collection, job = await build_collection(
        actor, {"a.txt": lines(10), "copy-of-a.txt": lines(10)}, chunks=ONE_CHUNK_PER_LINE
    )
    assert job.error == ""
    assert (job.status, job.total) == ("done", 20)
    assert get_vector_store().count(collection.chroma_name) == 10


async def test_an_unreadable_document_is_reported_and_the_others_are_embedded(actor: Actor) -> None:
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    [private] = upload(stranger, {"private.txt": b"a stranger's private llama notes"})
    [mine] = upload(actor, {"mine.txt": CORPUS["llamas.md"]})
    collection = await create_collection(actor, CollectionSpec("Mixed", EMBEDDER))
    job = await get_jobs().wait((await start_embedding(actor, collection.id, [private, mine])).id)  # type: ignore[arg-type]
    assert job.status == "done"
    [error] = job.item_errors
    assert error.item_id == private and "may not read" in error.message
    assert [d.title for d in member_documents(actor, collection.id)] == ["mine.txt"]  # type: ignore[arg-type]


async def test_a_refused_batch_becomes_an_error_of_its_documents(fake_ollama: FakeOllama, actor: Actor) -> None:
    [document] = upload(actor, {"doc.txt": lines(5)})
    collection = await create_collection(actor, CollectionSpec("Failing", EMBEDDER, chunks=ONE_CHUNK_PER_LINE))
    fake_ollama.config.fault = "http_500"
    job = await get_jobs().wait((await start_embedding(actor, collection.id, [document])).id)  # type: ignore[arg-type]
    assert job.status == "done" and job.done == job.total == 5
    [error] = job.item_errors
    assert error.name == "doc.txt" and error.message.startswith("Embedding failed")
    assert member_documents(actor, collection.id) == []  # type: ignore[arg-type]


async def test_cancel_stops_a_running_job_and_a_rerun_finishes_it(fake_ollama: FakeOllama, actor: Actor) -> None:
    [document] = upload(actor, {"doc.txt": lines(200)})
    collection = await create_collection(actor, CollectionSpec("Cancelled", EMBEDDER, chunks=ONE_CHUNK_PER_LINE))
    fake_ollama.config.fault = "hang"
    job = await start_embedding(actor, collection.id, [document])  # type: ignore[arg-type]
    while fake_ollama.stats.requests.get("/api/embed", 0) == 0:
        await asyncio.sleep(0.01)
    running = await get_jobs().get(actor, job.id)
    assert running.status == JobStatus.RUNNING and running.total == 200 and running.done == 0
    cancelled = await asyncio.wait_for(get_jobs().cancel(actor, job.id), 5)
    assert cancelled.status == JobStatus.CANCELLED and cancelled.eta_s is None

    fake_ollama.config.fault = None
    rerun = await get_jobs().wait((await start_embedding(actor, collection.id, [document])).id)  # type: ignore[arg-type]
    assert rerun.status == "done" and get_vector_store().count(collection.chroma_name) == 200


async def test_jobs_are_found_again_by_the_collection_and_only_by_those_who_may_read_it(actor: Actor) -> None:
    collection, job = await build_collection(actor, {"one.txt": CORPUS["chess.txt"]})
    assert [found.id for found in await collection_jobs(actor, collection.id)] == [job.id]  # type: ignore[arg-type]
    stranger = actor_of(make_user(Role.ATTENDEE, "stranger"))
    with pytest.raises(Forbidden):
        await get_jobs().get(stranger, job.id)
    with pytest.raises(Forbidden):
        await start_embedding(stranger, collection.id, [1])  # type: ignore[arg-type]


async def test_deleting_a_document_removes_its_chunks_from_collections(actor: Actor) -> None:
    collection, job = await build_collection(
        actor, {"keep.txt": lines(3), "drop.txt": lines(4, "drop")}, chunks=ONE_CHUNK_PER_LINE
    )
    dropped = next(d.document_id for d in member_documents(actor, collection.id) if d.title == "drop.txt")  # type: ignore[arg-type]
    delete_document(actor, dropped)
    assert get_vector_store().count(collection.chroma_name) == 3
    assert [d.title for d in member_documents(actor, collection.id)] == ["keep.txt"]  # type: ignore[arg-type]
