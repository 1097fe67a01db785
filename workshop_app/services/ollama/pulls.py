"""The work of a model pull, run as a background job so everyone watching sees the same progress.

Ollama reports a pull as NDJSON lines, one per layer update; the bar a person wants is
the sum over layers (bytes done / bytes total) with the current status text. The job
registry (services/core/jobs.py) runs it, lets a second viewer join it and cancels it;
cancelling cancels its task, which closes the HTTP request to Ollama.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.jobs import Job, Work
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import PullStep


@dataclass
class PullLayers:
    """The layers seen so far: digest -> (completed, total) bytes."""

    layers: dict[str, tuple[int, int]] = field(default_factory=dict)

    def apply(self, job: Job, step: PullStep, now: float | None = None) -> None:
        """Take one progress line into account: the job's figures are the sums over layers."""
        if step.digest and step.total:
            self.layers[step.digest] = (step.completed, step.total)
            done = sum(completed for completed, _ in self.layers.values())
            total = sum(size for _, size in self.layers.values())
            job.advance(done=done, total=total, message=step.status, now=now)
        else:
            job.advance(message=step.status)


def pull_work(backend: OllamaBackend, model: str, on_success: Callable[[], Awaitable[object]] | None = None) -> Work:
    """The job body that pulls `model` to `backend`; `on_success` runs before the job reports done,
    so whoever sees "done" finds the model listed."""

    async def pull(job: Job) -> None:
        layers = PullLayers()
        job.advance(message="starting")
        try:
            async for step in backend.pull(model):
                layers.apply(job, step)
        except WorkshopError as error:
            raise _explained(model, error) from error
        if on_success is not None:
            await on_success()

    return pull


def _explained(model: str, error: WorkshopError) -> WorkshopError:
    """Ollama's "file does not exist" for a pull means the library has no such model or tag."""
    if "does not exist" in error.message:
        return WorkshopError(
            f"The Ollama library has no model '{model}'.",
            hint="Check the name and tag on ollama.com/library (for example llama3.2:1b).",
        )
    return error
