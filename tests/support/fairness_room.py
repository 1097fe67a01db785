"""The fairness scenario for a whole room, shared by its test and `benchmarks.fairness --workers N`.

A few greedy attendees each submit a burst of chats at once; once every one of those is
queued, the light attendees submit one chat each. Every request goes through the gateway
(`/ollama/api/chat`, streamed, with the attendee's API key) of one of the app's worker
processes, handed out round-robin as a load balancer would, so with several workers each
greedy burst and the light attendees are spread over all of them. The Ollama-speaking fake
counts how many replies it streamed at once; each attendee's wait is from submitting the
request to the first piece of the reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

MODEL = "qwen2.5:0.5b"


@dataclass(frozen=True)
class RoomShape:
    greedy: int = 3
    burst: int = 10
    light: int = 27

    @property
    def people(self) -> int:
        return self.greedy + self.light


@dataclass(frozen=True)
class RoomRun:
    job_s: float
    """One chat alone, end to end through the platform (median of a few)."""
    peak: int
    """The most replies the host streamed at once."""
    room_s: float
    """From the first greedy chat sent to the last reply's end."""
    slot_s: float
    """Seconds the host spent streaming replies during the room, summed over its streams."""
    queued_s: float
    """How long the greedy bursts took to be all queued (or served): the light attendees came then."""
    light: list[float]
    """Each light attendee's wait for the first piece of the reply, shortest first."""
    greedy: list[float]

    def host_busy(self, parallelism: int) -> float:
        """The share of the room's duration the host's slots were streaming (the rest: each turn's handover)."""
        return self.slot_s / (parallelism * self.room_s)


async def chat(client: httpx.AsyncClient, worker: str, key: str, text: str) -> float:
    """Seconds from sending one streamed chat to its first piece of reply (the whole reply is read)."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True}
    headers = {"Authorization": f"Bearer {key}"}
    sent, first = time.perf_counter(), None
    async with client.stream("POST", f"{worker}/ollama/api/chat", json=body, headers=headers) as reply:
        if reply.status_code != 200:
            raise RuntimeError(f"{worker} answered {reply.status_code}: {(await reply.aread()).decode()}")
        async for line in reply.aiter_lines():
            piece = json.loads(line) if line else {}
            if "error" in piece:
                raise RuntimeError(f"{worker} streamed an error: {piece['error']}")
            if first is None and piece.get("message", {}).get("content"):
                first = time.perf_counter()
    if first is None:
        raise RuntimeError(f"{worker} sent a reply without content")
    return first - sent


async def host_stats(client: httpx.AsyncClient, host: str) -> dict:
    return (await client.get(f"{host}/_fake/stats")).json()


async def waiting_on(client: httpx.AsyncClient, worker: str, host: str) -> int:
    """Requests waiting for the host, as the worker's /metrics reports them (the whole cluster's with Redis)."""
    text = (await client.get(f"{worker}/metrics")).text
    return sum(
        int(sample.value)
        for family in text_string_to_metric_families(text)
        if family.name == "workshop_queue_length"
        for sample in family.samples
        if sample.labels.get("host", "").rstrip("/") == host.rstrip("/")
    )


async def job_alone(client: httpx.AsyncClient, workers: list[str], key: str, warm_ups: int, samples: int = 5) -> float:
    """Median seconds one chat takes alone, after `warm_ups` chats at once on each URL (not counted): on
    separate connections, so behind one port the kernel hands them to several of its workers."""
    await asyncio.gather(*(chat(client, worker, key, "warm up") for worker in workers for _ in range(warm_ups)))
    durations = []
    for n in range(samples):
        started = time.perf_counter()
        await chat(client, workers[n % len(workers)], key, "alone")
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


async def run_room(workers: list[str], host: str, keys: list[str], shape: RoomShape, warm_ups: int = 1) -> RoomRun:
    """Run the scenario on the app's `workers` (base URLs) in front of the fake at `host`; `keys` are the
    attendees' API keys, the first `shape.greedy` of them the greedy ones, plus one more for the job alone.
    `warm_ups` chats at once per URL come first (several where one URL stands for several workers)."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        job_s = await job_alone(client, workers, keys[-1], warm_ups)
        before = await host_stats(client, host)
        started = before["requests"].get("/api/chat", 0)
        spread, burst_sent = itertools.cycle(workers), time.perf_counter()
        greedy_keys, light_keys = keys[: shape.greedy], keys[shape.greedy : shape.people]
        bursts = [
            asyncio.create_task(chat(client, next(spread), key, f"greedy {n}"))
            for key in greedy_keys
            for n in range(shape.burst)
        ]
        while not await _all_queued(client, workers[0], host, started, len(bursts)):
            await asyncio.sleep(0.01)
        queued_s = time.perf_counter() - burst_sent
        light = [asyncio.create_task(chat(client, next(spread), key, "light")) for key in light_keys]
        greedy_waits, light_waits = await asyncio.gather(asyncio.gather(*bursts), asyncio.gather(*light))
        room_s = time.perf_counter() - burst_sent
        after = await host_stats(client, host)
    slot_s = after["stream_seconds"] - before["stream_seconds"]
    return RoomRun(job_s, after["peak_streams"], room_s, slot_s, queued_s, sorted(light_waits), sorted(greedy_waits))


async def _all_queued(client: httpx.AsyncClient, worker: str, host: str, started: int, burst: int) -> bool:
    """Every request of the bursts either waits in the queue or has reached the host."""
    reached = (await host_stats(client, host))["requests"].get("/api/chat", 0) - started
    return reached + await waiting_on(client, worker, host) >= burst
