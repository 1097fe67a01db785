"""The built-in engine against bare xllamacpp on the same model, in one run.

Measures how fast a fresh engine answers (ready time), its memory before any model loads, and
for 1, 4 and 8 concurrent chats: median time to first token and aggregate tokens/s, through the
engine's Ollama API and through xllamacpp directly with the same llama.cpp settings. Engine and
bare runs alternate per round so a busy machine slows both alike.

    .venv/bin/python -m benchmarks.engine_speed [--slots 4] [--tokens 128] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.support.engine import EngineProcess, cached_model
from workshop_app.engine.runtime import default_threads
from workshop_app.settings import get_settings

MODEL = "smollm2:135m"
PROMPTS = [
    "Write a long story about a lighthouse keeper.",
    "Explain how bread is made, step by step, in detail.",
    "Describe a journey across a desert.",
    "Write a long letter to a friend about your garden.",
]


@dataclass
class Sample:
    ttft: float
    tokens: int


@dataclass
class Result:
    path: str
    users: int
    median_ttft: float
    tokens_per_second: float


def _summary(path: str, users: int, samples: list[Sample], wall: float) -> Result:
    return Result(path, users, statistics.median(s.ttft for s in samples), sum(s.tokens for s in samples) / wall)


async def _engine_chat(client: httpx.AsyncClient, prompt: str, tokens: int) -> Sample:
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "options": {"num_predict": tokens, "temperature": 0.7, "seed": 7},
    }
    started, first, count = time.perf_counter(), None, 0
    async with client.stream("POST", "/api/chat", json=body) as response:
        async for line in response.aiter_lines():
            data = json.loads(line)
            if not data["done"] and data["message"]["content"] and first is None:
                first = time.perf_counter()
            if data["done"]:
                count = data["eval_count"]
    return Sample((first or time.perf_counter()) - started, count)


async def _engine_round(url: str, users: int, tokens: int) -> Result:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        started = time.perf_counter()
        samples = await asyncio.gather(*(_engine_chat(client, PROMPTS[i % len(PROMPTS)], tokens) for i in range(users)))
        return _summary("engine (Ollama API)", users, list(samples), time.perf_counter() - started)


def _bare_server(slots: int, context: int, threads: int):  # xllamacpp has no type hints
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(cached_model(MODEL))
    params.verbosity = -1
    params.warmup = False
    params.n_parallel = slots
    params.n_ctx = context * slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.cache_ram_mib = 256
    return xllamacpp.Server(params)


def _bare_round(server, users: int, tokens: int) -> Result:
    samples: list[Sample] = []
    lock = threading.Lock()

    def one(prompt: str) -> None:
        started, first, count = time.perf_counter(), [None], [0]

        def on_chunk(chunk: dict) -> bool:
            choices = chunk.get("choices") or []
            if choices and (choices[0].get("delta") or {}).get("content") and first[0] is None:
                first[0] = time.perf_counter()
            if chunk.get("usage"):
                count[0] = chunk["usage"]["completion_tokens"]
            return False

        server.handle_chat_completions(
            {
                "messages": [{"role": "user", "content": prompt}],
                "max_tokens": tokens,
                "temperature": 0.7,
                "seed": 7,
                "stream": True,
                "stream_options": {"include_usage": True},
            },
            on_chunk,
        )
        with lock:
            samples.append(Sample((first[0] or time.perf_counter()) - started, count[0]))

    workers = [threading.Thread(target=one, args=(PROMPTS[i % len(PROMPTS)],)) for i in range(users)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return _summary("bare xllamacpp", users, samples, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per concurrency; the best round is kept")
    parser.add_argument("--users", default="1,4,8")
    args = parser.parse_args(argv)
    settings = get_settings()
    threads = default_threads(settings.engine_threads)
    print(
        f"Machine: {psutil.cpu_count()} CPUs, load average {psutil.getloadavg()[0]:.1f}; "
        f"{args.slots} slots, {threads} threads, {args.tokens} tokens per chat"
    )

    with (
        tempfile.TemporaryDirectory(prefix="engine-bench-") as work,
        EngineProcess(Path(work) / "data", slots=str(args.slots)) as engine,
    ):
        process = psutil.Process(engine.process.pid)  # type: ignore[union-attr]
        idle_mb = process.memory_info().rss / 2**20
        print(f"Engine ready after {engine.ready_seconds:.2f} s; idle RSS {idle_mb:.0f} MB (no model loaded)")
        load_started = time.perf_counter()
        httpx.post(f"{engine.url}/api/chat", json={"model": MODEL, "messages": []}, timeout=120)
        print(
            f"First model load {time.perf_counter() - load_started:.2f} s; "
            f"RSS with it {process.memory_info().rss / 2**20:.0f} MB"
        )
        bare = _bare_server(args.slots, settings.engine_context, threads)
        asyncio.run(_engine_round(engine.url, 1, 8))
        _bare_round(bare, 1, 8)

        rows: list[tuple[Result, Result]] = []
        for users in (int(part) for part in args.users.split(",")):
            best_engine: Result | None = None
            best_bare: Result | None = None
            for _ in range(args.rounds):
                engine_result = asyncio.run(_engine_round(engine.url, users, args.tokens))
                bare_result = _bare_round(bare, users, args.tokens)
                if best_engine is None or engine_result.tokens_per_second > best_engine.tokens_per_second:
                    best_engine = engine_result
                if best_bare is None or bare_result.tokens_per_second > best_bare.tokens_per_second:
                    best_bare = bare_result
            assert best_engine is not None and best_bare is not None
            rows.append((best_engine, best_bare))

    print(
        f"\n{'users':>5} | {'engine tok/s':>12} | {'bare tok/s':>10} | {'ratio':>6} | "
        f"{'engine TTFT':>11} | {'bare TTFT':>9}"
    )
    for engine_result, bare_result in rows:
        ratio = engine_result.tokens_per_second / bare_result.tokens_per_second
        print(
            f"{engine_result.users:>5} | {engine_result.tokens_per_second:>12.1f} | "
            f"{bare_result.tokens_per_second:>10.1f} | {ratio:>6.1%} | {engine_result.median_ttft:>10.2f}s | "
            f"{bare_result.median_ttft:>8.2f}s"
        )


if __name__ == "__main__":
    main()
