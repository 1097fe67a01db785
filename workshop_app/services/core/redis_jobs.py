"""The job registry every worker reads: records in Redis, work in the worker that started it.

Each job is a Redis hash (one JSON value per field) listed in a sorted set per kind. The
worker running a job writes its progress there a few times a second and keeps a lease on
it; a job whose lease ran out (its worker stopped) reads failed. Cancel from any worker is
published on one channel; the worker running the job cancels its task and publishes the
end on the job's own channel, which is what a canceller or waiter elsewhere listens to.
Finished jobs expire after their kind's keeping time (Redis TTL), and beyond its count the
oldest go. Reads are single round trips to Redis, awaited on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import time
import uuid
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from workshop_app.services.core.errors import InvalidInput, NotFound, SharedStoreUnavailable
from workshop_app.services.core.jobs import (
    ItemError,
    Job,
    JobKind,
    JobStatus,
    Work,
    allowed,
    kind_named,
    run_work,
    settle,
)
from workshop_app.services.core.redis_clients import (
    command_client,
    listening_client,
    raise_if_stopping,
)
from workshop_app.services.workshops.policy import Actor

log = logging.getLogger(__name__)

RECORD = "workshop:job:"
INDEX = "workshop:jobs:"
SUBJECT = "workshop:job-subject:"
LEASE = "workshop:job-lease:"
CANCEL = "workshop:job-cancel"
ENDED = "workshop:job-ended:"
FLUSH_S = 0.25
"""How often the running worker writes a job's progress: live enough for a progress bar, cheap for Redis."""
PRUNE_EVERY_S = 5.0
"""How often starting a job also tidies its kind's index (a listing tidies it anyway): reading every record
the room keeps at each start cost every stream a round trip and a parse per record before it began."""
BREAK_S = 5.0
"""After Redis failed a registry call, further calls answer 503 at once for this long: a Redis that hangs
would otherwise make every stream and page that registers or reads a job wait a reply timeout first."""
STOPPED = "The worker running this job stopped before it ended."
STOPPED_HINT = "Start it again; what it finished is kept."
_FIELDS = [field.name for field in dataclasses.fields(Job) if not field.name.startswith("_")]
_ACTIVE = '"queued" "running"'

_START = """
if ARGV[1] == '1' then
  local current = redis.call('GET', KEYS[1])
  if current then
    local status = redis.call('HGET', ARGV[5] .. current, 'status')
    if status and string.find(ARGV[7], status, 1, true) and redis.call('EXISTS', ARGV[6] .. current) == 1 then
      return current
    end
    redis.call('DEL', ARGV[5] .. current)
    redis.call('ZREM', KEYS[2], current)
  end
  redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('HSET', KEYS[3], unpack(ARGV, 8))
redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return false
"""
"""Create a job's record and lease; with `single`, join the subject's live job or replace its ended one."""

_PROGRESS = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(ARGV[2], status, 1, true) then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1
"""
"""Write progress and renew the lease, unless the job already ended (a late write must not revive it)."""

_ORPHANED = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status or not string.find(ARGV[1], status, 1, true) or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""
"""Mark a live job failed if its lease ran out: its worker stopped."""


def _encode(job: Job) -> list[str]:
    record = dataclasses.asdict(job.snapshot())
    return [part for name in _FIELDS for part in (name, json.dumps(record[name]))]


def _decode(raw: dict[bytes, bytes]) -> Job:
    values = {key.decode(): json.loads(value) for key, value in raw.items()}
    values["status"] = JobStatus(values["status"])
    values["item_errors"] = [ItemError(**error) for error in values.get("item_errors", [])]
    return Job(**{name: values[name] for name in _FIELDS if name in values})


def _ttl(kind: JobKind, status: JobStatus) -> int:
    keep = kind.keep_for(status)
    return 0 if math.isinf(keep) else max(1, math.ceil(keep))


@dataclass(frozen=True)
class _Commands:
    """One event loop's client and the registry's scripts bound to it (a client belongs to its loop)."""

    redis: aioredis.Redis
    start: AsyncScript
    orphaned: AsyncScript
    progress: AsyncScript

    @classmethod
    def on(cls, url: str) -> _Commands:
        client = command_client(url)
        scripts = (client.register_script(script) for script in (_START, _ORPHANED, _PROGRESS))
        return cls(client, *scripts)


class RedisJobs:
    """The registry shared by every worker on one Redis (a `JobRegistry`)."""

    def __init__(self, url: str, lease_s: float) -> None:
        self._url = url
        self._lease_ms = round(lease_s * 1000)
        self._local: dict[str, Job] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stored: dict[str, asyncio.Task[None]] = {}
        self._broken_until = 0.0
        self._tidied: dict[str, float] = {}  # kind name -> when a start last tidied its index (monotonic)
        self._commands: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Commands] = weakref.WeakKeyDictionary()
        self._subscribers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
            weakref.WeakKeyDictionary()
        )

    async def start(
        self, actor: Actor | None, kind: JobKind, subject: str, work: Work, *, place: str = "", single: bool = False
    ) -> Job:
        owner = actor.id if actor is not None else None
        job = Job(uuid.uuid4().hex, kind.name, owner, subject, place, kind.unit)
        keys = [f"{SUBJECT}{kind.name}:{place}:{subject}", INDEX + kind.name, RECORD + job.id, LEASE + job.id]
        args = ["1" if single else "0", job.id, job.started_at, self._lease_ms, RECORD, LEASE, _ACTIVE, *_encode(job)]
        with self._store():
            joined = await self._commands_here().start(keys=keys, args=args)
        if joined is not None:
            return await self._read(joined.decode())
        await self._tidy(kind)  # before the work starts: a start returns with its job queued, as a local one does
        loop = asyncio.get_running_loop()
        self._listen(loop)
        self._local[job.id] = job
        task = loop.create_task(self._drive(job, work), name=f"{kind.name}:{subject}")
        task.add_done_callback(lambda ended: self._ended(job, ended))
        self._tasks[job.id] = task
        return job.snapshot()

    async def get(self, actor: Actor | None, job_id: str) -> Job:
        job = await self._read(job_id)
        kind_named(job.kind).may_see(actor, job)
        return job

    async def find(self, actor: Actor | None, kind: JobKind, subject: str, place: str = "") -> Job | None:
        same = [job for job in await self.listed(actor, kind, subject) if job.place == place]
        return same[-1] if same else None

    async def listed(
        self, actor: Actor | None, kind: JobKind, subject: str | None = None, now: float | None = None
    ) -> list[Job]:
        jobs = await self._prune(kind, now if now is not None else time.time())
        return [job for job in jobs if subject in (None, job.subject) and allowed(kind.may_see, actor, job)]

    async def cancel(self, actor: Actor | None, job_id: str) -> Job:
        job = await self._managed(actor, job_id)
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
            return await self.wait(job_id)
        if not job.active:
            return job
        return await self._until_ended(job_id, announce=True)

    async def dismiss(self, actor: Actor | None, job_id: str) -> None:
        job = await self._managed(actor, job_id)
        if job.active:
            raise InvalidInput("That job is still running.", hint="Cancel it first, or wait until it ends.")
        with self._store():
            await self._forget([job])

    async def wait(self, job_id: str) -> Job:
        job = self._local.get(job_id)
        if job is None:
            return await self._until_ended(job_id, announce=False)
        if (task := self._tasks.get(job_id)) is not None:
            await asyncio.gather(task, return_exceptions=True)
        if (stored := self._stored.get(job_id)) is not None:
            await asyncio.gather(stored, return_exceptions=True)
        return job.snapshot()

    # -- reading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _store(self) -> Iterator[None]:
        """Redis errors become a typed 503 the API and the UI explain; for BREAK_S after one, without asking."""
        if time.monotonic() < self._broken_until:
            raise SharedStoreUnavailable("it failed a moment ago; asking again shortly")
        try:
            yield
        except RedisError as error:
            self._broken_until = time.monotonic() + BREAK_S
            raise SharedStoreUnavailable(str(error)) from error

    async def _read(self, job_id: str) -> Job:
        with self._store():
            jobs = await self._records([job_id])
        if not jobs:
            raise NotFound("That job is no longer known.", hint="Start it again; what it finished is kept.")
        return jobs[0]

    async def _managed(self, actor: Actor | None, job_id: str) -> Job:
        job = await self.get(actor, job_id)
        kind_named(job.kind).may_manage(actor, job)
        return job

    async def _records(self, ids: Iterable[str]) -> list[Job]:
        """The records that still exist, orphans marked failed, in one round trip; this worker's own jobs as
        they are now, without asking Redis (a page watching a pull on the worker running it costs nothing)."""
        ids = list(ids)
        # copied first: one of them may end, and leave `_local`, while Redis answers for the others
        local = {job_id: self._local[job_id].snapshot() for job_id in ids if job_id in self._local}
        remote = [job_id for job_id in ids if job_id not in local]
        found: dict[str, tuple[dict[bytes, bytes], int]] = {}
        if remote:
            async with self._commands_here().redis.pipeline(transaction=False) as pipe:
                for job_id in remote:
                    pipe.hgetall(RECORD + job_id)
                    pipe.exists(LEASE + job_id)
                answers = await pipe.execute()
            found = dict(zip(remote, zip(answers[::2], answers[1::2], strict=True), strict=True))
        jobs = []
        for job_id in ids:
            if job_id in local:
                jobs.append(local[job_id])
            elif found[job_id][0]:
                raw, leased = found[job_id]
                jobs.append(await self._unless_orphaned(_decode(raw), bool(leased)))
        return jobs

    async def _unless_orphaned(self, job: Job, leased: bool) -> Job:
        if not job.active or leased:
            return job
        stopped = dataclasses.replace(job, status=JobStatus.FAILED, finished_at=time.time(), message="")
        stopped.error, stopped.hint = STOPPED, STOPPED_HINT
        ttl = _ttl(kind_named(job.kind), JobStatus.FAILED)
        orphaned = self._commands_here().orphaned
        if await orphaned(keys=[RECORD + job.id, LEASE + job.id], args=[_ACTIVE, ttl, *_encode(stopped)]):
            return stopped
        return job

    async def _tidy(self, kind: JobKind) -> None:
        """Prune the kind's index now and then; a start whose tidying failed still stands."""
        if time.monotonic() - self._tidied.get(kind.name, -PRUNE_EVERY_S) < PRUNE_EVERY_S:
            return
        self._tidied[kind.name] = time.monotonic()
        try:
            await self._prune(kind, time.time())
        except SharedStoreUnavailable as error:
            log.warning("could not tidy the %s jobs: %s", kind.name, error)

    async def _prune(self, kind: JobKind, moment: float) -> list[Job]:
        """This kind's jobs, oldest first, after dropping finished ones past their time and beyond its count."""
        redis = self._commands_here().redis
        with self._store():
            ids = [raw.decode() for raw in cast(list[bytes], await redis.zrange(INDEX + kind.name, 0, -1))]
            jobs = await self._records(ids)
            if missing := set(ids) - {job.id for job in jobs}:  # expired by their TTL
                await redis.zrem(INDEX + kind.name, *missing)
            finished = [job for job in jobs if not job.active]
            expired = [job for job in finished if not kind.kept_at(job, moment)]
            kept = [job for job in finished if kind.kept_at(job, moment)]
            gone = expired + kept[: max(0, len(kept) - kind.keep_most)]
            if gone:
                await self._forget(gone)
        dropped = {job.id for job in gone}
        return [job for job in jobs if job.id not in dropped]

    async def _forget(self, jobs: list[Job]) -> None:
        async with self._commands_here().redis.pipeline(transaction=False) as pipe:
            for job in jobs:
                pipe.delete(RECORD + job.id)
                pipe.zrem(INDEX + job.kind, job.id)
            await pipe.execute()

    # -- running ---------------------------------------------------------------------------

    def _commands_here(self) -> _Commands:
        """This loop's client and scripts for commands (bounded waits)."""
        loop = asyncio.get_running_loop()
        if loop not in self._commands:
            self._commands[loop] = _Commands.on(self._url)
        return self._commands[loop]

    def _subscriber(self) -> aioredis.Redis:
        """This loop's client for subscriptions, which wait for messages without a read timeout."""
        loop = asyncio.get_running_loop()
        if loop not in self._subscribers:
            self._subscribers[loop] = listening_client(self._url)
        return self._subscribers[loop]

    async def _drive(self, job: Job, work: Work) -> None:
        beat = asyncio.get_running_loop().create_task(self._beat(job))
        try:
            await run_work(job, work)
        finally:
            beat.cancel()

    async def _beat(self, job: Job) -> None:
        """Write the job's progress and renew its lease until it ends."""
        progress = self._commands_here().progress
        while True:
            await asyncio.sleep(FLUSH_S)
            try:
                await progress(keys=[RECORD + job.id, LEASE + job.id], args=[self._lease_ms, _ACTIVE, *_encode(job)])
            except RedisError as error:
                raise_if_stopping(error)
                log.warning("could not share the progress of job %s: %s", job.id, error)

    def _ended(self, job: Job, task: asyncio.Task[None]) -> None:
        settle(job, task)
        self._tasks.pop(job.id, None)
        self._stored[job.id] = task.get_loop().create_task(self._store_end(job))

    async def _store_end(self, job: Job) -> None:
        """The final record, kept as long as its kind says, then the news for whoever waits elsewhere."""
        client, ttl, record = self._commands_here().redis, _ttl(kind_named(job.kind), job.status), _encode(job)
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(RECORD + job.id, mapping=dict(zip(record[::2], record[1::2], strict=True)))
                if ttl:
                    pipe.expire(RECORD + job.id, ttl)
                pipe.delete(LEASE + job.id)
                pipe.publish(ENDED + job.id, job.status.value)
                await pipe.execute()
        except RedisError as error:
            log.warning("could not share how job %s ended: %s", job.id, error)
        finally:
            self._local.pop(job.id, None)
            self._stored.pop(job.id, None)

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """One listener per event loop running jobs: it cancels this worker's jobs that someone stops elsewhere."""
        listener = self._listeners.get(loop)
        if listener is None or listener.done():
            self._listeners[loop] = loop.create_task(self._cancel_requests(), name="job-cancel-listener")

    async def _cancel_requests(self) -> None:
        while True:
            try:
                async with self._subscriber().pubsub() as channel:
                    await channel.subscribe(CANCEL)
                    async for message in channel.listen():
                        if message["type"] == "message":
                            self._stop(message["data"].decode())
            except RedisError as error:
                raise_if_stopping(error)
                log.warning("job cancel listener lost Redis, retrying: %s", error)
                await asyncio.sleep(1)

    def _stop(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            task.cancel()

    async def _until_ended(self, job_id: str, *, announce: bool) -> Job:
        """Wait for a job another worker runs to end (asking it to stop first, with `announce`)."""
        with self._store():
            async with self._subscriber().pubsub() as channel:
                await channel.subscribe(ENDED + job_id)
                while (job := await self._read(job_id)).active:
                    if announce:  # again each round: a listener reconnecting after a Redis restart missed it
                        await self._commands_here().redis.publish(CANCEL, job_id)
                    await channel.get_message(ignore_subscribe_messages=True, timeout=self._lease_ms / 1000 / 3)
        return job
