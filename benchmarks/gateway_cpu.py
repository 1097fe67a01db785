"""The gateway's own cost per token: CPU seconds per 200-token reply and TTFT at 1 and N streams.

The REST face (build_api, the gateway's routes and their middleware) runs alone in a
uvicorn process, so its CPU time (psutil, user + system) is the platform's part only:
the fake Ollama and the load generator run in this process. Replies come from the fake
with a fixed number of tokens; the TTFT cases are compared with the same streams sent
straight to the fake, side by side in one run.

    .venv/bin/python -m benchmarks.gateway_cpu [--replies 40] [--reply-tokens 200] [--users 50]
    .venv/bin/python -m benchmarks.gateway_cpu --profile /tmp/gateway.prof   # cProfile of the server
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from benchmarks.figures import line, ms, percentile
from benchmarks.platform import CHAT_MODEL, prepare, use_data_dir
from benchmarks.platform_latency import streams
from tests.support.ports import free_port


def serve(port: int) -> None:
    """The server process: build_api on uvicorn, as the integration tests serve it."""
    import uvicorn

    from workshop_app.api import build_api

    uvicorn.run(build_api(), host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=False)


def start_server(port: int, profile: str | None) -> subprocess.Popen[bytes]:
    """The REST face in its own process (under cProfile with `profile`); returns once it answers."""
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    command = [sys.executable, *profiler, "-m", "benchmarks.gateway_cpu", "--serve", str(port)]
    server = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the API did not start")


def cpu_of(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def replies(url: str, keys: list[str], count: int, users: int) -> None:
    """`count` streamed chats read to the end, `users` at a time, each with its own key (one person queues)."""
    limits = httpx.Limits(max_connections=users + 5)
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "count"}], "stream": True}
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def one(key: str) -> None:
            headers = {"Authorization": f"Bearer {key}"}
            async with client.stream("POST", url, json=body, headers=headers) as response:
                response.raise_for_status()
                async for _ in response.aiter_bytes():
                    pass

        for start in range(0, count, users):
            await asyncio.gather(*(one(key) for key in keys[: min(users, count - start)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=40, help="replies for the CPU figure")
    parser.add_argument("--reply-tokens", type=int, default=200)
    parser.add_argument(
        "--token-delay", type=float, default=0.01, help="seconds between tokens: each arrives alone, as from a model"
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent streams in the loaded TTFT case")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single-samples", type=int, default=30)
    parser.add_argument("--profile", help="write the server's cProfile stats here (CPU figures then inflated)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    from tests.fakes.ollama_server import FakeOllama

    load_before = os.getloadavg()
    with FakeOllama(port=0) as backend:
        use_data_dir(
            backend.url,
            {"WORKSHOP_OLLAMA_PARALLELISM": str(args.users + 8), "WORKSHOP_RATE_LIMIT": "100000/minute"},
        )
        os.environ["WORKSHOP_MAX_REPLY_TOKENS"] = str(max(args.reply_tokens * 2, 1000))
        prepared = prepare(args.users)
        port = free_port()
        server = start_server(port, args.profile)
        try:
            process = psutil.Process(server.pid)
            base = f"http://127.0.0.1:{port}"
            platform_url, direct_url = f"{base}/ollama/api/chat", f"{backend.url}/api/chat"
            config = backend.config
            config.first_token_delay, config.token_delay, config.reply_tokens = 0.0, args.token_delay, args.reply_tokens
            asyncio.run(replies(platform_url, prepared.keys, 10, 10))  # warm up
            before, started = cpu_of(process), time.perf_counter()
            asyncio.run(replies(platform_url, prepared.keys, args.replies, 10))
            cpu_per_reply, wall = (cpu_of(process) - before) / args.replies, time.perf_counter() - started
            config.first_token_delay, config.token_delay, config.reply_tokens = 0.2, 0.02, 20
            single = {
                name: asyncio.run(streams(target, [key], args.single_samples, concurrent=False))
                for name, target, key in (("direct", direct_url, None), ("platform", platform_url, prepared.keys[0]))
            }
            loaded = {
                name: asyncio.run(streams(target, keys, args.rounds, concurrent=True))
                for name, target, keys in (
                    ("direct", direct_url, [None] * args.users),
                    ("platform", platform_url, prepared.keys[: args.users]),
                )
            }
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)

    print(f"\nLoad average before / after: {load_before} / {os.getloadavg()}")
    print(
        f"Platform CPU per {args.reply_tokens}-token gateway reply: {cpu_per_reply * 1000:.1f} ms "
        f"({args.replies} replies, 10 at a time, {wall:.1f} s)"
    )
    line("", "direct", "platform", "difference", "ratio")
    for label, cases in (("1 user", single), (f"{args.users} users", loaded)):
        for q in (50, 95):
            d, p = percentile(cases["direct"][0], q), percentile(cases["platform"][0], q)
            line(f"{label} TTFT p{q}", ms(d), ms(p), ms(p - d), f"{p / d:.3f}x")
    if args.profile:
        print(f"Profile: {Path(args.profile).resolve()}")


if __name__ == "__main__":
    main()
