"""The fairness scenario, shared by its test and its benchmark.

One eager attendee submits a burst of requests at once; others submit one each right
after. Every request goes through the platform's chat service (rate limit, scheduler,
real sockets to the Ollama-speaking fake), and each one's timings are measured.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from workshop_app.services.chat.replies import stream_reply, stream_reply_queued
from workshop_app.services.ollama.scheduler import scheduler_for
from workshop_app.services.ollama.types import ChatChunk

GREEDY = "greedy"


@dataclass(frozen=True)
class Timing:
    person: str
    submitted: float
    first_token: float
    done: float

    @property
    def wait(self) -> float:
        return self.first_token - self.submitted


@dataclass(frozen=True)
class FairnessRun:
    job_s: float
    timings: list[Timing]

    @property
    def others(self) -> list[Timing]:
        return [t for t in self.timings if t.person != GREEDY]

    def waits(self) -> list[float]:
        """How long each of the others waited for their first token."""
        return sorted(t.wait for t in self.others)

    def waits_behind_greedy(self) -> list[float]:
        """How much of each other's wait was spent while the eager attendee's requests ran."""
        greedy = [run for t, run in self._runs() if t.person == GREEDY]
        return sorted(sum(_overlap((t.submitted, t.first_token), run) for run in greedy) for t in self.others)

    def _runs(self) -> list[tuple[Timing, tuple[float, float]]]:
        """When each request held the host: with parallelism 1, from the previous one's end to its own."""
        runs, free_at = [], 0.0
        for t in sorted(self.timings, key=lambda t: t.done):
            runs.append((t, (max(t.submitted, free_at), t.done)))
            free_at = t.done
        return runs

    def summary(self) -> dict[str, float]:
        waits, behind = self.waits(), self.waits_behind_greedy()
        return {
            "job_s": self.job_s,
            "median_wait_s": statistics.median(waits),
            "p95_wait_s": p95(waits),
            "median_wait_behind_greedy_s": statistics.median(behind),
            "p95_wait_behind_greedy_s": p95(behind),
        }


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def one_job_duration(model: str, samples: int = 3) -> float:
    """Seconds one request takes alone, end to end (median of a few, after one to warm up)."""
    durations = []
    for _ in range(samples + 1):
        started = time.perf_counter()
        async for _ in stream_reply(model, [{"role": "user", "content": "alone"}], client_ip="192.0.2.250"):
            pass
        durations.append(time.perf_counter() - started)
    return statistics.median(durations[1:])


async def run_fairness(
    model: str, host_url: str, *, burst: int = 20, others: int = 9, address_of: Callable[[str], str] | None = None
) -> FairnessRun:
    """Run the scenario; `address_of` maps a person to the address the platform sees (default: one each).

    People are told apart by address (signed-out callers), which the platform treats like user ids.
    """
    people = [f"attendee-{n}" for n in range(1, others + 1)]
    addresses = {name: f"192.0.2.{n}" for n, name in enumerate([GREEDY, *people], start=1)}
    address_of = address_of or addresses.__getitem__
    job_s = await one_job_duration(model)
    scheduler = scheduler_for(host_url)

    async def request(person: str, n: int) -> Timing:
        submitted, first_token = time.perf_counter(), None
        messages = [{"role": "user", "content": f"{person} question {n}"}]
        async for event in stream_reply_queued(model, messages, client_ip=address_of(person)):
            if isinstance(event, ChatChunk) and first_token is None:
                first_token = time.perf_counter()
        assert first_token is not None, "the reply had no chunk"
        return Timing(person, submitted, first_token, time.perf_counter())

    greedy = [asyncio.create_task(request(GREEDY, n)) for n in range(burst)]
    while (load := scheduler.load()).in_flight + load.waiting < burst:  # the whole burst is queued
        await asyncio.sleep(0.005)
    rest = [asyncio.create_task(request(person, 1)) for person in people]
    return FairnessRun(job_s, list(await asyncio.gather(*greedy, *rest)))
