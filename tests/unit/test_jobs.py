"""The one background-job registry: status vocabulary, progress, cancel, failure, who may see what, retention."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import redis

from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound, WorkshopError
from workshop_app.services.core.jobs import Job, JobKind, JobRegistry, JobStatus, LocalJobs
from workshop_app.services.core.redis_jobs import RedisJobs
from workshop_app.services.workshops.policy import Actor

OWNER = Actor(id=1, role=Role.ATTENDEE)
STRANGER = Actor(id=2, role=Role.ATTENDEE)
CHORE = JobKind("chore", "items")
NewJobs = Callable[[], JobRegistry]


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def new_jobs(request: pytest.FixtureRequest) -> NewJobs:
    """The same promises from the registry of one process and from the one every worker reads in Redis."""
    if request.param == "local":
        return LocalJobs
    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return lambda: RedisJobs(url, lease_s=5)


async def settled(jobs: JobRegistry, job_id: str) -> Job:
    return await asyncio.wait_for(jobs.wait(job_id), 5)


async def test_a_job_goes_from_queued_through_running_to_done_with_its_progress(
    new_jobs: Callable[[], JobRegistry],
) -> None:
    jobs, step = new_jobs(), asyncio.Event()

    async def work(job: Job) -> None:
        job.advance(total=4, done=1, message="first item")
        await step.wait()
        job.advance(done=4)

    started = await jobs.start(OWNER, CHORE, "inbox", work)
    assert (started.status, started.kind, started.unit, started.owner_id) == ("queued", "chore", "items", OWNER.id)
    await asyncio.sleep(0)
    running = await jobs.get(OWNER, started.id)
    assert (running.status, running.done, running.total, running.message) == ("running", 1, 4, "first item")
    assert running.percent == 25 and running.finished_at is None
    step.set()
    done = await settled(jobs, started.id)
    assert (done.status, done.done, done.percent, done.message) == (JobStatus.DONE, 4, 100, "")
    assert done.finished_at is not None and done.finished_at >= done.started_at


async def test_cancelling_a_running_job_stops_its_work(new_jobs: NewJobs) -> None:
    jobs, progressed, stopped = new_jobs(), asyncio.Event(), asyncio.Event()
    reached_the_end = False

    async def work(job: Job) -> None:
        nonlocal reached_the_end
        try:
            job.advance(total=10, done=3)
            progressed.set()
            await asyncio.sleep(60)
            reached_the_end = True
        finally:
            stopped.set()

    started = await jobs.start(OWNER, CHORE, "inbox", work)
    await progressed.wait()
    cancelled = await asyncio.wait_for(jobs.cancel(OWNER, started.id), 5)
    assert stopped.is_set(), "cancel returns once the work has stopped"
    assert (cancelled.status, cancelled.done, cancelled.eta_s) == ("cancelled", 3, None)
    assert not reached_the_end and (await jobs.get(OWNER, started.id)).status == JobStatus.CANCELLED


async def test_a_job_cancelled_before_its_work_began_is_cancelled_not_queued_forever(
    new_jobs: Callable[[], JobRegistry],
) -> None:
    jobs = new_jobs()

    async def work(job: Job) -> None:
        raise AssertionError("never runs")

    started = await jobs.start(OWNER, CHORE, "inbox", work)
    assert (await jobs.cancel(OWNER, started.id)).status == JobStatus.CANCELLED


async def test_a_failing_job_ends_failed_with_its_message_and_next_step(new_jobs: NewJobs) -> None:
    jobs = new_jobs()

    async def refused(job: Job) -> None:
        raise WorkshopError("The host refused the work.", hint="Try another host.")

    async def broken(job: Job) -> None:
        raise RuntimeError("disk full")

    failed = await settled(jobs, (await jobs.start(OWNER, CHORE, "a", refused)).id)
    assert (failed.status, failed.error, failed.hint) == ("failed", "The host refused the work.", "Try another host.")
    crashed = await settled(jobs, (await jobs.start(OWNER, CHORE, "b", broken)).id)
    assert (crashed.status, crashed.error) == ("failed", "Unexpected error: disk full")


async def test_another_person_can_neither_see_nor_cancel_nor_dismiss_your_job(
    new_jobs: Callable[[], JobRegistry],
) -> None:
    jobs, release = new_jobs(), asyncio.Event()

    async def work(job: Job) -> None:
        await release.wait()

    mine = await jobs.start(OWNER, CHORE, "inbox", work)
    with pytest.raises(Forbidden):
        await jobs.get(STRANGER, mine.id)
    with pytest.raises(Forbidden):
        await jobs.cancel(STRANGER, mine.id)
    assert await jobs.listed(STRANGER, CHORE) == [] and await jobs.find(STRANGER, CHORE, "inbox") is None
    assert (await jobs.get(OWNER, mine.id)).active, "the refused cancel left it running"
    release.set()
    await settled(jobs, mine.id)
    with pytest.raises(Forbidden):
        await jobs.dismiss(STRANGER, mine.id)
    assert [job.id for job in await jobs.listed(OWNER, CHORE)] == [mine.id]


async def test_a_single_subject_job_is_joined_while_it_runs_and_replaced_once_it_ended(
    new_jobs: Callable[[], JobRegistry],
) -> None:
    jobs, release = new_jobs(), asyncio.Event()

    async def work(job: Job) -> None:
        await release.wait()

    first = await jobs.start(OWNER, CHORE, "model", work, place="host", single=True)
    assert (await jobs.start(OWNER, CHORE, "model", work, place="host", single=True)).id == first.id
    elsewhere = await jobs.start(OWNER, CHORE, "model", work, place="other host", single=True)
    assert elsewhere.id != first.id
    release.set()
    await settled(jobs, first.id)
    again = await jobs.start(OWNER, CHORE, "model", work, place="host", single=True)
    assert again.id != first.id
    assert [job.id for job in await jobs.listed(OWNER, CHORE, "model")] == [elsewhere.id, again.id]


async def test_finished_jobs_are_pruned_by_age_and_by_count_and_a_running_one_is_not_dismissed(
    new_jobs: Callable[[], JobRegistry],
) -> None:
    kind = JobKind("timed", "items", keep_done_s=20, keep_ended_s=300, keep_most=2)
    jobs, release = new_jobs(), asyncio.Event()

    async def fine(job: Job) -> None:
        return None

    async def fails(job: Job) -> None:
        raise WorkshopError("no")

    async def waits(job: Job) -> None:
        await release.wait()

    done = await settled(jobs, (await jobs.start(OWNER, kind, "a", fine)).id)
    failed = await settled(jobs, (await jobs.start(OWNER, kind, "b", fails)).id)
    running = await jobs.start(OWNER, kind, "c", waits)
    assert {job.id for job in await jobs.listed(OWNER, kind, now=time.time() + 21)} == {failed.id, running.id}
    assert {job.id for job in await jobs.listed(OWNER, kind, now=time.time() + 301)} == {running.id}
    with pytest.raises(InvalidInput, match="still running"):
        await jobs.dismiss(OWNER, running.id)
    with pytest.raises(NotFound):
        await jobs.get(OWNER, done.id)

    for subject in "defg":
        await settled(jobs, (await jobs.start(OWNER, kind, subject, fine)).id)
    kept = [job.subject for job in await jobs.listed(OWNER, kind)]
    assert kept == ["c", "f", "g"], "the newest two finished ones and the running one"
    release.set()
