"""Pulls run server-side, one task per (model, host), so everyone watching sees the same progress.

Ollama reports a pull as NDJSON lines, one per layer update; the bar a person wants is
the sum over layers (bytes done / bytes total), with a speed, an ETA and the current
status text. A page that reloads, or a second person pulling the same model, finds the
running job here instead of starting another download. Cancelling the job cancels its
task, which closes the HTTP request to Ollama.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import PullStep

SPEED_WINDOW_S = 5.0
"""Speed is measured over the last few seconds, so it follows the download rather than its history."""
KEEP_SUCCEEDED_S = 20.0
"""How long a successful pull stays listed: long enough to see it end, then the model list says the rest."""
KEEP_FINISHED_S = 300.0
"""How long a failed or cancelled pull stays listed (unless dismissed), so people see how it ended."""


class PullState(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PullProgress:
    """A snapshot of one pull, as every viewer sees it."""

    model: str
    host: str
    state: PullState
    status: str
    completed: int
    total: int
    bytes_per_s: float
    eta_s: float | None
    started_at: float
    error: str = ""
    hint: str = ""

    @property
    def percent(self) -> float:
        if self.state == PullState.SUCCESS:
            return 100.0
        return 100.0 * self.completed / self.total if self.total else 0.0

    @property
    def finished(self) -> bool:
        return self.state != PullState.RUNNING


@dataclass(eq=False)
class PullJob:
    """One pull in flight (or just finished): its layers and the task feeding them."""

    model: str
    host: str
    state: PullState = PullState.RUNNING
    status: str = "starting"
    layers: dict[str, tuple[int, int]] = field(default_factory=dict)  # digest -> (completed, total)
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    error: str = ""
    hint: str = ""
    task: asyncio.Task | None = None
    _samples: deque[tuple[float, int]] = field(default_factory=deque)

    def apply(self, step: PullStep, now: float | None = None) -> None:
        """Take one progress line into account."""
        self.status = step.status or self.status
        if step.digest and step.total:
            self.layers[step.digest] = (step.completed, step.total)
            moment = now if now is not None else time.monotonic()
            self._samples.append((moment, self.completed))
            while self._samples and moment - self._samples[0][0] > SPEED_WINDOW_S:
                self._samples.popleft()

    @property
    def completed(self) -> int:
        return sum(done for done, _ in self.layers.values())

    @property
    def total(self) -> int:
        return sum(total for _, total in self.layers.values())

    def speed(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def progress(self) -> PullProgress:
        speed = self.speed() if self.state == PullState.RUNNING else 0.0
        remaining = self.total - self.completed
        eta = remaining / speed if speed > 0 else None
        return PullProgress(
            self.model,
            self.host,
            self.state,
            self.status,
            self.completed,
            self.total,
            speed,
            eta,
            self.started_at,
            self.error,
            self.hint,
        )

    def finish(self, state: PullState, error: WorkshopError | None = None) -> None:
        self.state, self.finished_at = state, time.time()
        if state != PullState.RUNNING:
            self.status = str(state)  # not the last step it was at ("pulling manifest"), which no longer runs
        if error is not None:
            self.error, self.hint = error.message, error.hint

    def listed_at(self, moment: float) -> bool:
        """Whether the pull is still worth a card at `moment`."""
        if self.finished_at is None:
            return True
        keep = KEEP_SUCCEEDED_S if self.state == PullState.SUCCESS else KEEP_FINISHED_S
        return moment - self.finished_at < keep


class PullRegistry:
    """The process's pulls, keyed by (model, host URL)."""

    def __init__(self) -> None:
        self._jobs: dict[tuple[str, str], PullJob] = {}

    def start(
        self, backend: OllamaBackend, model: str, on_success: Callable[[], Awaitable[object]] | None = None
    ) -> PullJob:
        """Start pulling `model` on `backend`, or join the pull already running there."""
        key = (model, backend.url)
        job = self._jobs.get(key)
        if job is not None and job.state == PullState.RUNNING:
            return job
        job = self._jobs[key] = PullJob(model, backend.url)
        job.task = asyncio.get_running_loop().create_task(self._run(job, backend, on_success), name=f"pull:{model}")
        return job

    def get(self, model: str, host: str) -> PullJob | None:
        return self._jobs.get((model, host))

    def listed(self, now: float | None = None) -> list[PullProgress]:
        """Running pulls, those that succeeded a moment ago and those that failed in the last minutes, oldest first."""
        moment = now if now is not None else time.time()
        self._jobs = {key: job for key, job in self._jobs.items() if job.listed_at(moment)}
        return [job.progress() for job in sorted(self._jobs.values(), key=lambda job: job.started_at)]

    def dismiss(self, model: str, host: str) -> bool:
        """Take a finished pull off the list; a running one stays (cancel it instead). True if one went."""
        job = self._jobs.get((model, host))
        if job is None or job.state == PullState.RUNNING:
            return False
        del self._jobs[(model, host)]
        return True

    async def cancel(self, model: str, host: str) -> PullProgress | None:
        """Stop a running pull (closing its request to Ollama); None if there is none."""
        job = self._jobs.get((model, host))
        if job is None or job.task is None:
            return None
        if not job.task.done():
            job.task.cancel()
            await asyncio.wait([job.task])
        return job.progress()

    @staticmethod
    async def _run(job: PullJob, backend: OllamaBackend, on_success: Callable[[], Awaitable[object]] | None) -> None:
        try:
            async for step in backend.pull(job.model):
                job.apply(step)
        except asyncio.CancelledError:
            job.finish(PullState.CANCELLED)
            raise
        except WorkshopError as error:
            job.finish(PullState.ERROR, _explained(job.model, error))
            return
        if on_success is not None:
            await on_success()  # before reporting success, so whoever sees "success" finds the model listed
        job.finish(PullState.SUCCESS)


def _explained(model: str, error: WorkshopError) -> WorkshopError:
    """Ollama's "file does not exist" for a pull means the library has no such model or tag."""
    if "does not exist" in error.message:
        return WorkshopError(
            f"The Ollama library has no model '{model}'.",
            hint="Check the name and tag on ollama.com/library (for example llama3.2:1b).",
        )
    return error


pulls = PullRegistry()
"""The process-wide registry every page and API request shares."""
