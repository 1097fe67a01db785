"""Through the platform vs straight to Ollama, in one run: time to first token and full-stream
time at 1 and at N concurrent attendees (gateway API), idle memory of the whole server,
start-to-ready (cold: the frontend is built; prebuilt: a second start of the same copy),
and the model list while one host hangs.

The backend is the Ollama-speaking fake with fixed delays, so every difference between the
direct and the platform columns is the platform's own cost.

    .venv/bin/python -m benchmarks.platform_latency [--users 50] [--rounds 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx

from benchmarks.figures import compare_streams, line, ms, percentile
from benchmarks.platform import (
    CHAT_MODEL,
    cpu_seconds,
    fresh_project,
    memory_mb,
    prepare,
    served,
    server_processes,
    server_setup,
    shared_services,
    stream_arguments,
    use_data_dir,
)
from tests.support.ports import free_port

IDLE_SETTLE_S = 5.0


async def one_stream(client: httpx.AsyncClient, url: str, headers: dict[str, str], text: str) -> tuple[float, float]:
    """Seconds to the first token and to the end of one streamed chat."""
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": text}], "stream": True}
    started, first = time.perf_counter(), None
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for raw in response.aiter_lines():
            if not raw.strip():
                continue
            part = json.loads(raw)
            if first is None and part.get("message", {}).get("content"):
                first = time.perf_counter()
            if part.get("done"):
                break
    end = time.perf_counter()
    return (first or end) - started, end - started


async def streams(
    url: str, keys: list[str | None], rounds: int, concurrent: bool, cpu: Callable[[], float] = lambda: 0.0
) -> tuple[list[float], list[float], list[float], float]:
    """TTFT and totals of `rounds` rounds: all keys at once (concurrent) or one after another,
    after a warm-up round in which every key is used once (its TTFTs are returned third);
    fourth, the CPU seconds per measured stream of the server whose total `cpu` reads."""
    limits = httpx.Limits(max_connections=len(keys) + 5, max_keepalive_connections=len(keys) + 5)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        warm_up = await asyncio.gather(*(one_stream(client, url, _headers(key), "warm up") for key in keys))
        results: list[tuple[float, float]] = []
        cpu_before = cpu()
        for round_ in range(rounds):
            jobs = [one_stream(client, url, _headers(key), f"round {round_} user {n}") for n, key in enumerate(keys)]
            if concurrent:
                results += await asyncio.gather(*jobs)
            else:
                results += [await job for job in jobs]
        cpu_per_stream = (cpu() - cpu_before) / len(results)
    return [r[0] for r in results], [r[1] for r in results], [r[0] for r in warm_up], cpu_per_stream


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def model_list_times(url: str, key: str, samples: int = 10) -> list[float]:
    times = []
    with httpx.Client(timeout=30) as client:
        for _ in range(samples):
            started = time.perf_counter()
            client.get(f"{url}/api/v1/models", headers=_headers(key)).raise_for_status()
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stream_arguments(parser)
    args = parser.parse_args()

    from tests.fakes.ollama_server import FakeOllama

    with FakeOllama(port=0) as backend, FakeOllama(port=0) as hanging, shared_services(args.workers) as shared:
        hanging.config.fault = "hang"
        use_data_dir(
            f"{backend.url},{hanging.url}",
            {
                **shared,
                "WORKSHOP_OLLAMA_PARALLELISM": str(args.users + 8),  # the fake serves every stream at once
                "WORKSHOP_RATE_LIMIT": "100000/minute",
                "WORKSHOP_OLLAMA_PROBE_TIMEOUT": "1",
            },
        )
        prepared = prepare(args.users)
        log = Path(tempfile.mkdtemp(prefix="workshop-bench-log-")) / "server.log"
        project, port = fresh_project(), free_port()
        print(f"Building and starting the app (log: {log}) ...", flush=True)
        with served(prepared, log, project=project, port=port) as (_url, cold_start_s):
            pass
        print("Starting it again with the frontend already built ...", flush=True)
        with served(prepared, log, project=project, port=port) as (url, start_s):
            time.sleep(IDLE_SETTLE_S)
            processes = server_processes(url)
            rss, pss = memory_mb(processes)
            listing = model_list_times(url, prepared.keys[0])
            config = backend.config
            config.first_token_delay, config.token_delay, config.reply_tokens = (
                args.first_token_delay,
                args.token_delay,
                args.tokens,
            )
            direct_url, platform_url = f"{backend.url}/api/chat", f"{url}/ollama/api/chat"
            server_cpu = partial(cpu_seconds, processes)
            single = {
                name: asyncio.run(streams(target, [key], args.single_samples, concurrent=False, cpu=server_cpu))
                for name, target, key in (("direct", direct_url, None), ("platform", platform_url, prepared.keys[0]))
            }
            loaded = {
                name: asyncio.run(streams(target, keys, args.rounds, concurrent=True, cpu=server_cpu))
                for name, target, keys in (
                    ("direct", direct_url, [None] * args.users),
                    ("platform", platform_url, prepared.keys[: args.users]),
                )
            }
            hung_chats = hanging.stats.requests.get("/api/chat", 0)

    print(
        f"\nServer: `workshop run`, {server_setup()}; backend: fake with "
        f"first token {args.first_token_delay * 1000:.0f} ms,"
        f" {args.tokens} tokens {args.token_delay * 1000:.0f} ms apart"
    )
    print(f"\nStart to ready: cold (frontend built) {cold_start_s:.1f} s; prebuilt frontend {start_s:.1f} s")
    print(f"Idle memory, {len(processes)} server processes: RSS sum {rss:.0f} MB, PSS sum {pss:.0f} MB")
    line("Model list, one of two hosts hanging", f"p50 {ms(percentile(listing, 50))}", f"max {ms(max(listing))}")
    print()
    compare_streams(
        "platform",
        {
            "1 user": (single["direct"], single["platform"]),
            f"{args.users} users": (loaded["direct"], loaded["platform"]),
        },
    )
    for q in (50, 95):  # every key's first request, all at once: the platform looks each key up in the database
        d, p = percentile(loaded["direct"][2], q), percentile(loaded["platform"][2], q)
        line(f"{args.users} users TTFT p{q}, first use of each key", ms(d), ms(p), ms(p - d), f"{p / d:.3f}x")
    print(
        f"\nServer CPU per chat (all its processes): {single['platform'][3] * 1000:.1f} ms at 1 user, "
        f"{loaded['platform'][3] * 1000:.1f} ms at {args.users} users"
    )
    print(f"(chats sent to the hanging host: {hung_chats})")


if __name__ == "__main__":
    main()
