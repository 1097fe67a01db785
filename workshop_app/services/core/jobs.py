"""One registry for background jobs (model pulls, embedding jobs, any later job), with one status vocabulary.

A job runs on the server, not in a page: closing or reloading the page does not stop it,
and whoever may see it finds it again with its progress. Every kind of job says who may
see it and who may cancel it (`JobKind`), and how long a finished one stays listed, so the
UI and the REST API make the same decision. Callers depend on `JobRegistry` (a Protocol)
only: with one worker the records live in this process (`LocalJobs`); with
WORKSHOP_REDIS_URL they live in Redis where every worker reads them (`RedisJobs`,
services/core/redis_jobs.py), while each job's work still runs in the worker that started it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound, WorkshopError
from workshop_app.services.workshops.policy import Actor, require_actor
from workshop_app.settings import get_settings

log = logging.getLogger(__name__)

RATE_WINDOW_S = 5.0
"""The rate is measured over the last few seconds, so it follows the work rather than its history."""


class JobStatus(StrEnum):
    """The one vocabulary every job, page and API response uses."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class ItemError:
    """One item of a job that could not be done while the others were (a document that would not embed)."""

    item_id: int | str
    name: str
    message: str


@dataclass
class Job:
    """What everyone watching a job sees: a plain record, copied out of the registry on every read."""

    id: str
    kind: str
    owner_id: int | None
    subject: str  # what the job works on: a model name, a collection id
    place: str = ""  # where, when the subject alone is ambiguous: the host a model is pulled to
    unit: str = ""  # what `done` and `total` count: bytes, chunks
    status: JobStatus = JobStatus.QUEUED
    done: int = 0
    total: int = 0
    skipped: int = 0  # counted in `done` without any work (already there); not part of the rate
    rate: float = 0.0  # units per second over the last RATE_WINDOW_S
    message: str = ""  # the step it is at, while it runs
    error: str = ""
    hint: str = ""
    item_errors: list[ItemError] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    _samples: deque[tuple[float, int]] = field(default_factory=deque, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> float:
        if self.status is JobStatus.DONE:
            return 100.0
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def eta_s(self) -> float | None:
        if not self.active or self.rate <= 0:
            return None
        return max(0, self.total - self.done) / self.rate

    def advance(
        self, *, done: int | None = None, total: int | None = None, message: str | None = None, now: float | None = None
    ) -> None:
        """Take a progress report into account; a new `done` also updates the rate."""
        self.total = self.total if total is None else total
        self.message = message or self.message
        if done is None:
            return
        self.done = done
        moment = now if now is not None else time.monotonic()
        self._samples.append((moment, done))
        while moment - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        self.rate = (d1 - d0) / (t1 - t0) if t1 > t0 else self.rate

    def snapshot(self) -> Job:
        return dataclasses.replace(self, item_errors=list(self.item_errors), _samples=deque())

    def _finish(self, status: JobStatus, error: WorkshopError | None = None) -> None:
        self.status, self.finished_at, self.message = status, time.time(), ""  # how it ended, not a step it left
        if error is not None:
            self.error, self.hint = error.message, error.hint


Check = Callable[[Actor | None, Job], object]
"""An access rule: returns when the actor may, raises a WorkshopError (Forbidden, Unauthorized) when not."""
Work = Callable[[Job], Awaitable[None]]
"""A job's body: reports progress through `job.advance`; returning means done, raising means failed."""


def owner_only(actor: Actor | None, job: Job) -> None:
    """The default rule: a job is its starter's own business."""
    if require_actor(actor).id != job.owner_id:
        raise Forbidden("That job belongs to someone else.")


def anyone(_actor: Actor | None, _job: Job) -> None:
    """For jobs everyone may watch (a model being pulled to a shared host)."""


@dataclass(frozen=True)
class JobKind:
    """What kind of job this is, who may see and cancel one, and how long a finished one stays listed."""

    name: str
    unit: str
    may_see: Check = owner_only
    may_manage: Check = owner_only
    keep_done_s: float = math.inf
    keep_ended_s: float = math.inf  # failed or cancelled: long enough for people to see how it ended
    keep_most: int = 200  # finished jobs of this kind, newest kept

    def __post_init__(self) -> None:
        _KINDS[self.name] = self  # a worker reading a job another one started finds its rules by name

    def kept_at(self, job: Job, moment: float) -> bool:
        if job.finished_at is None:
            return True
        return moment - job.finished_at < self.keep_for(job.status)

    def keep_for(self, status: JobStatus) -> float:
        """Seconds a job that ended with `status` stays listed."""
        return self.keep_done_s if status is JobStatus.DONE else self.keep_ended_s


_KINDS: dict[str, JobKind] = {}


def kind_named(name: str) -> JobKind:
    """The rules of a kind of job, by the name its records carry."""
    return _KINDS[name]


class JobRegistry(Protocol):
    """What callers may ask of the registry; every answer is a copy of the record, never the live one.

    Every call is a coroutine, even where this process's registry answers at once: the shared one
    asks Redis, and a Redis that hangs must hold only the caller, never every tab of the worker.
    """

    async def start(
        self, actor: Actor | None, kind: JobKind, subject: str, work: Work, *, place: str = "", single: bool = False
    ) -> Job:
        """Run `work` in the background, owned by `actor`; with `single`, join the subject's active job or
        replace its finished one. The feature checks first that the actor may start it (it loads what the
        work needs anyway, such as the collection)."""
        ...

    async def get(self, actor: Actor | None, job_id: str) -> Job:
        """The job if the actor may see it (else the kind's refusal); NotFound once it was pruned or dismissed."""
        ...

    async def find(self, actor: Actor | None, kind: JobKind, subject: str, place: str = "") -> Job | None:
        """The newest job on this subject (and place) the actor may see."""
        ...

    async def listed(
        self, actor: Actor | None, kind: JobKind, subject: str | None = None, now: float | None = None
    ) -> list[Job]:
        """Active jobs and finished ones still kept, that the actor may see, oldest first."""
        ...

    async def cancel(self, actor: Actor | None, job_id: str) -> Job:
        """Stop an active job and wait until its work has stopped."""
        ...

    async def dismiss(self, actor: Actor | None, job_id: str) -> None:
        """Take a finished job off the list (for everyone); an active one must be cancelled first."""
        ...

    async def wait(self, job_id: str) -> Job:
        """The job once it has ended (for code that starts jobs and needs their result)."""
        ...


class LocalJobs:
    """The registry of this process: records in a dict, work in tasks of the running event loop."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._kinds: dict[str, JobKind] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def start(
        self, actor: Actor | None, kind: JobKind, subject: str, work: Work, *, place: str = "", single: bool = False
    ) -> Job:
        self._kinds[kind.name] = kind
        if single and (running := self._take_place(kind, subject, place)) is not None:
            return running.snapshot()
        owner = actor.id if actor is not None else None
        job = Job(uuid.uuid4().hex, kind.name, owner, subject, place, kind.unit)
        self._jobs[job.id] = job
        self._prune(kind, time.time())
        task = asyncio.get_running_loop().create_task(run_work(job, work), name=f"{kind.name}:{subject}")
        task.add_done_callback(lambda ended: settle(job, ended))
        self._tasks[job.id] = task
        return job.snapshot()

    async def get(self, actor: Actor | None, job_id: str) -> Job:
        return self._visible(actor, job_id).snapshot()

    async def find(self, actor: Actor | None, kind: JobKind, subject: str, place: str = "") -> Job | None:
        same = [job for job in await self.listed(actor, kind, subject) if job.place == place]
        return same[-1] if same else None

    async def listed(
        self, actor: Actor | None, kind: JobKind, subject: str | None = None, now: float | None = None
    ) -> list[Job]:
        self._kinds[kind.name] = kind
        self._prune(kind, now if now is not None else time.time())
        return [
            job.snapshot()
            for job in sorted(self._jobs.values(), key=lambda job: job.started_at)
            if job.kind == kind.name and subject in (None, job.subject) and allowed(kind.may_see, actor, job)
        ]

    async def cancel(self, actor: Actor | None, job_id: str) -> Job:
        job = self._managed(actor, job_id)
        task = self._tasks.get(job_id)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])
        return job.snapshot()

    async def dismiss(self, actor: Actor | None, job_id: str) -> None:
        job = self._managed(actor, job_id)
        if job.active:
            raise InvalidInput("That job is still running.", hint="Cancel it first, or wait until it ends.")
        self._forget(job_id)

    async def wait(self, job_id: str) -> Job:
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        return self._jobs[job_id].snapshot()

    def _visible(self, actor: Actor | None, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise NotFound("That job is no longer known.", hint="Start it again; what it finished is kept.")
        self._kinds[job.kind].may_see(actor, job)
        return job

    def _managed(self, actor: Actor | None, job_id: str) -> Job:
        job = self._visible(actor, job_id)
        self._kinds[job.kind].may_manage(actor, job)
        return job

    def _take_place(self, kind: JobKind, subject: str, place: str) -> Job | None:
        """The subject's active job to join, if any; otherwise its finished jobs make room for the new one."""
        same = [job for job in self._jobs.values() if (job.kind, job.subject, job.place) == (kind.name, subject, place)]
        running = next((job for job in same if job.active), None)
        if running is None:
            for job in same:
                self._forget(job.id)
        return running

    def _forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self._tasks.pop(job_id, None)

    def _prune(self, kind: JobKind, moment: float) -> None:
        """Finished jobs past their kind's keeping time go, and beyond its count the oldest go."""
        finished = sorted(
            (job for job in self._jobs.values() if job.kind == kind.name and not job.active),
            key=lambda job: job.started_at,
        )
        expired = [job for job in finished if not kind.kept_at(job, moment)]
        kept = [job for job in finished if kind.kept_at(job, moment)]
        for job in expired + kept[: max(0, len(kept) - kind.keep_most)]:
            self._forget(job.id)


def allowed(rule: Check, actor: Actor | None, job: Job) -> bool:
    try:
        rule(actor, job)
    except WorkshopError:
        return False
    return True


async def run_work(job: Job, work: Work) -> None:
    job.status = JobStatus.RUNNING
    try:
        await work(job)
    except WorkshopError as error:
        job._finish(JobStatus.FAILED, error)
    except asyncio.CancelledError:
        job._finish(JobStatus.CANCELLED)  # (settle covers a cancel before the work ever started)
        raise
    except Exception as error:  # a job must end with a status a person can read
        log.exception("%s job %s failed", job.kind, job.id)
        job._finish(JobStatus.FAILED, WorkshopError(f"Unexpected error: {error}"))
    else:
        job._finish(JobStatus.DONE)


def settle(job: Job, task: asyncio.Task[None]) -> None:
    if task.cancelled() and job.active:
        job._finish(JobStatus.CANCELLED)


_registries: dict[str | None, JobRegistry] = {}


def get_jobs() -> JobRegistry:
    """The registry every page, API request and service shares: in Redis when the workers share one."""
    settings = get_settings()
    url = settings.redis_url
    if url not in _registries:
        from workshop_app.services.core.redis_jobs import RedisJobs  # it builds on this module's records

        _registries[url] = LocalJobs() if url is None else RedisJobs(url, settings.job_lease_s)
    return _registries[url]
