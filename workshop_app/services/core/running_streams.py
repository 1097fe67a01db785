"""The streams running now (chat replies, comparisons, RAG answers, tool runs, arena rounds), so their owner
can stop one from any tab, any worker or the REST API.

A stream runs in the worker that started it (the one holding the tab's websocket, or the one
answering a REST call), but the person may look from another tab, another device or a script.
Each running stream is a job of the one job registry (services/core/jobs.py): in this process
with one worker, in Redis with WORKSHOP_REDIS_URL, where a stop is published to the worker
running it and a worker that dies lets its lease run out. The job's work only waits for the
stream to end; cancelling it sets the stream's stop signal, which ends it the way the tab's own
Stop does (the request to the model is closed, the queue slot and the quota reservation settle,
what was written so far is kept as stopped), and the cancel returns once that is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

from workshop_app.services.core.errors import NotFound, SharedStoreUnavailable, WorkshopError
from workshop_app.services.core.jobs import Job, JobKind, get_jobs
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.workshops.policy import Actor, require_actor

log = logging.getLogger(__name__)

T = TypeVar("T")

SETTLE_S = 10.0
"""How long a stop waits for the stopped stream to be saved before it answers anyway."""
_STREAM_KINDS: dict[str, JobKind] = {}


def stream_kind(name: str) -> JobKind:
    """A kind of stream (one per feature); only its owner sees and stops one, and an ended one goes soon."""
    kind = JobKind(name, unit="", keep_done_s=5, keep_ended_s=60, keep_most=500)
    _STREAM_KINDS[name] = kind
    return kind


@contextlib.asynccontextmanager
async def running_stream(actor: Actor, kind: JobKind, subject: str) -> AsyncIterator[asyncio.Event]:
    """Register the stream run inside the block; the event it yields is set when someone stops it elsewhere.

    The block should stop streaming once the event is set and save what it has before it ends.
    Without the shared store (Redis down) the stream runs unregistered: its own tab can still stop it.
    """
    stop, finished = asyncio.Event(), asyncio.Event()

    async def wait_for_the_end(_job: Job) -> None:
        try:
            await finished.wait()
        except asyncio.CancelledError:
            stop.set()
            await _saved(finished)  # the canceller hears of it once the stream is saved
            raise

    try:
        await get_jobs().start(actor, kind, subject, wait_for_the_end)
    except SharedStoreUnavailable as error:
        log.warning("the %s stream on %s runs without a shared stop: %s", kind.name, subject, error)
    try:
        yield stop
    finally:
        finished.set()


async def stoppable(
    actor: Actor, kind: JobKind, subject: str, stream: AsyncGenerator[T, None]
) -> AsyncGenerator[T, None]:
    """`stream`, registered while it runs; a stop from elsewhere closes it as closing this generator (Stop) does."""
    async with running_stream(actor, kind, subject) as stopped_elsewhere:
        items = until_stopped(stream, stopped_elsewhere)
        async with contextlib.aclosing(items):
            async for item in items:
                yield item


async def _saved(finished: asyncio.Event) -> None:
    """Wait until the stopped stream is saved, at most SETTLE_S.

    A stop from another worker is announced again until the stream ended (a listener that
    reconnected to Redis missed it), so this wait is cancelled again while the stream is being
    saved; it goes on waiting, or the canceller would hear of the end before the stream was kept.
    """
    loop = asyncio.get_running_loop()
    until = loop.time() + SETTLE_S
    waiting = asyncio.ensure_future(finished.wait())
    try:
        while not waiting.done() and (left := until - loop.time()) > 0:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({waiting}, timeout=left)
    finally:
        waiting.cancel()


async def streams_running(actor: Actor | None, kind: JobKind | None = None, subject: str | None = None) -> list[Job]:
    """The actor's own streams running now (of one kind, on one subject), oldest first; never another person's."""
    actor = require_actor(actor)
    kinds = [kind] if kind is not None else list(_STREAM_KINDS.values())
    jobs = [job for each in kinds for job in await get_jobs().listed(actor, each, subject) if job.active]
    return sorted((job for job in jobs if job.owner_id == actor.id), key=lambda job: job.started_at)


async def stream_running(actor: Actor | None, job_id: str) -> Job:
    """One of the actor's running streams; NotFound for none, an ended one, another person's or another job."""
    actor = require_actor(actor)
    gone = NotFound("No stream of yours with that id is running.", hint="List your running streams again.")
    try:
        job = await get_jobs().get(actor, job_id)
    except SharedStoreUnavailable:
        raise
    except WorkshopError:  # another person's stream is as unknown as none (a refusal would tell it exists)
        raise gone from None
    if job.kind not in _STREAM_KINDS or not job.active or job.owner_id != actor.id:
        raise gone
    return job


async def stop_stream(actor: Actor | None, job_id: str) -> Job:
    """Stop one of the actor's running streams, wherever it runs; returns once what it wrote is saved."""
    job = await stream_running(actor, job_id)
    return await get_jobs().cancel(actor, job.id)


async def stop_streams(actor: Actor | None, kind: JobKind, subject: str | None = None) -> None:
    """Stop every running stream of this kind (on this subject) of the actor's; NotFound when none runs."""
    running = await streams_running(actor, kind, subject)
    if not running:
        raise NotFound("Nothing of yours is streaming there any more.", hint="It ended meanwhile; reload to see it.")
    await asyncio.gather(*(get_jobs().cancel(actor, job.id) for job in running))


async def until_streams_ended(actor: Actor | None, kind: JobKind, subject: str | None = None) -> None:
    """Wait until the actor's running streams of this kind (on this subject) have ended (at once if none runs)."""
    for job in await streams_running(actor, kind, subject):
        with contextlib.suppress(NotFound):  # its record already went: it ended
            await get_jobs().wait(job.id)
