"""Jobs shared through Redis: what one worker runs, another sees, stops and outlives.

"Another worker" here is a second registry on the same Redis, or a second process that dies;
tests/integration/test_jobs_across_workers.py does the same through two app processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
import redis

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.collections import EMBEDDER, upload
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from tests.support.ports import free_port
from workshop_app.db.users import Role
from workshop_app.services.chat.running_replies import CHAT_REPLY
from workshop_app.services.core.errors import SharedStoreUnavailable
from workshop_app.services.core.jobs import Job, JobStatus, get_jobs
from workshop_app.services.core.redis_jobs import STOPPED, RedisJobs
from workshop_app.services.models.admin import PULL
from workshop_app.services.rag.chunking import ChunkSettings
from workshop_app.services.rag.collections import CollectionSpec, create_collection
from workshop_app.services.rag.embedding_jobs import EMBEDDING, start_embedding
from workshop_app.services.workshops.policy import Actor

pytestmark = pytest.mark.redis

LEASE_S = 1.5


@pytest.fixture
def shared(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process's registry in an emptied Redis, as a worker of a scaled-out app has it."""
    redis.Redis.from_url(redis_url).flushdb()
    monkeypatch.setenv("WORKSHOP_REDIS_URL", redis_url)
    monkeypatch.setenv("WORKSHOP_JOB_LEASE_S", str(LEASE_S))
    reset_settings_caches()
    yield redis_url
    monkeypatch.delenv("WORKSHOP_REDIS_URL")
    reset_settings_caches()


async def test_an_embedding_job_is_followed_and_cancelled_from_another_worker(
    fake_ollama: FakeOllama, migrated_database: str, shared: str
) -> None:
    actor = actor_of(make_user(Role.ATTENDEE, "embedder"))
    [document] = upload(actor, {"doc.txt": "\n".join(f"fact {n:04d} llama" for n in range(200)).encode()})
    spec = CollectionSpec("Shared", EMBEDDER, chunks=ChunkSettings(size=20, overlap=0, markdown=False))
    collection = await create_collection(actor, spec)
    fake_ollama.config.fault = "hang"
    job = await start_embedding(actor, collection.id, [document])  # type: ignore[arg-type]
    other = RedisJobs(shared, LEASE_S)

    async def counted() -> list[Job]:
        return [job for job in await other.listed(actor, EMBEDDING, str(collection.id)) if job.total]

    seen = await _eventually(counted)
    assert [(found.id, found.status, found.total) for found in seen] == [(job.id, JobStatus.RUNNING, 200)]
    cancelled = await asyncio.wait_for(other.cancel(actor, job.id), 5)
    assert cancelled.status == JobStatus.CANCELLED
    assert (await get_jobs().get(actor, job.id)).status == JobStatus.CANCELLED, "the worker running it stopped it"


async def test_a_pull_whose_worker_died_reads_failed_once_its_lease_ran_out(shared: str) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", _DOOMED_WORKER, shared],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    try:
        job_id = worker.stdout.readline().strip()  # type: ignore[union-attr]
        reader = RedisJobs(shared, LEASE_S)
        running = await _eventually(lambda: _read_if(reader, job_id, lambda job: job.done == 3))
        assert running[0].status == JobStatus.RUNNING
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    killed_at = time.monotonic()
    assert (await reader.get(None, job_id)).active, "a lease outlives a pause shorter than itself"
    failed = await _eventually(lambda: _read_if(reader, job_id, lambda job: not job.active))
    assert (failed[0].status, failed[0].error, failed[0].done) == (JobStatus.FAILED, STOPPED, 3)
    assert time.monotonic() - killed_at <= LEASE_S + 3, "failed once the lease ran out, not much later"
    assert (await reader.find(None, PULL, "llama3.2:1b", "http://elsewhere")).status == JobStatus.FAILED  # type: ignore[union-attr]


async def test_an_unreachable_redis_is_a_clear_503_not_a_crash() -> None:
    jobs = RedisJobs(f"redis://127.0.0.1:{free_port()}/0", LEASE_S)

    async def work(job: Job) -> None:
        raise AssertionError("never runs")

    for attempt in (
        lambda: jobs.listed(None, PULL),
        lambda: jobs.start(None, PULL, "m", work),
        lambda: jobs.get(None, "x"),
    ):
        with pytest.raises(SharedStoreUnavailable) as refused:
            await attempt()
        assert refused.value.status_code == 503 and "Redis" in refused.value.message


_DOOMED_WORKER = """
import asyncio, sys
from workshop_app.services.core.redis_jobs import RedisJobs
from workshop_app.services.models.admin import PULL

async def pull(job):
    job.advance(total=10, done=3, message="pulling")
    await asyncio.sleep(3600)

async def main():
    jobs = RedisJobs(sys.argv[1], 1.5)
    job = await jobs.start(None, PULL, "llama3.2:1b", pull, place="http://elsewhere", single=True)
    print(job.id, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def _eventually(probe: Callable[[], Awaitable[list[Job]]], within_s: float = 5) -> list[Job]:
    deadline = time.monotonic() + within_s
    while not (found := await probe()):
        assert time.monotonic() < deadline, "not seen in time"
        await asyncio.sleep(0.05)
    return found


async def _read_if(reader: RedisJobs, job_id: str, wanted: Callable[[Job], bool]) -> list[Job]:
    job = await reader.get(None, job_id)
    return [job] if wanted(job) else []


def records_read(url: str) -> int:
    """How many job records Redis has been asked for so far (its own count of HGETALL calls)."""
    return int(redis.Redis.from_url(url).info("commandstats").get("cmdstat_hgetall", {}).get("calls", 0))


async def test_starting_a_stream_does_not_read_every_record_the_room_keeps(shared: str) -> None:
    """Each start ran on the event loop; reading all of a kind's records there held every tab of the worker."""
    jobs, someone = RedisJobs(shared, LEASE_S), Actor(1, Role.ATTENDEE)

    async def quick(_job: Job) -> None:
        pass

    for n in range(40):  # replies that ended and are kept for a while, as in a busy room
        await jobs.wait((await jobs.start(someone, CHAT_REPLY, str(n), quick)).id)
    other = RedisJobs(shared, LEASE_S)  # a worker that runs none of them: every record is remote to it
    before = records_read(shared)
    for n in range(10):
        await other.wait((await other.start(someone, CHAT_REPLY, f"new {n}", quick)).id)
    assert records_read(shared) - before <= 50, "at most one tidy of the index, not one per start"
    assert len(await other.listed(someone, CHAT_REPLY)) == 50
