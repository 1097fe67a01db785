"""The built-in engine through the platform vs directly, in one run: time to first token and
tokens per second of real SmolLM2-135M replies at 1, 4 and 8 concurrent attendees, through the
gateway (Ollama's API) and through the Playground's websocket (the UI), against the engine's
own port; then the engine's parallel slots against one slot, and start-to-first-answer.

The app is started as a bare machine starts it: `workshop run` from a fresh copy of the
project (the frontend is built), no Ollama answering, WORKSHOP_ENGINE=auto, so the run
command starts the engine itself. Every reply is the same request at temperature 0 with
`num_predict` tokens, so the paths generate the same work; each prompt ends in its own tag
(path, round, attendee), so no path finds another's prompt in the engine's cache.

    .venv/bin/python -m benchmarks.engine_platform [--attendees 1,4,8] [--rounds 2] [--tokens 128]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.figures import line, ms
from benchmarks.platform import Prepared, served, server_processes, use_data_dir
from benchmarks.ui_latency import session_tokens
from tests.support.playground_tab import PlaygroundTab
from tests.support.ports import free_port

CHAT_MODEL = "smollm2:135m"
PROMPT = "Write a long story about a llama who travels around the world."
UI_TIMEOUT_S = 600.0


@dataclass
class Case:
    """Streams of one path at one concurrency: per stream TTFT and tokens/s, and the aggregate rate."""

    ttft: list[float] = field(default_factory=list)
    rate: list[float] = field(default_factory=list)
    aggregate: list[float] = field(default_factory=list)

    def add(self, timings: list[tuple[float, float, float, int]]) -> None:
        """`timings`: per stream (start, first token, end, tokens), all started together."""
        for start, first, end, tokens in timings:
            self.ttft.append(first - start)
            self.rate.append(tokens / (end - first) if end > first else 0.0)
        wall = max(t[2] for t in timings) - min(t[0] for t in timings)
        self.aggregate.append(sum(t[3] for t in timings) / wall)


def options(tokens: int) -> dict[str, float | int]:
    return {"num_predict": tokens, "temperature": 0, "seed": 7}


def prompt(tag: str) -> str:
    return f"{PROMPT} ({tag})"


async def api_stream(
    client: httpx.AsyncClient, url: str, key: str | None, tokens: int, tag: str
) -> tuple[float, float, float, int]:
    """One streamed /api/chat (the engine's or the gateway's): start, first token, end, tokens received."""
    messages = [{"role": "user", "content": prompt(tag)}]
    body = {"model": CHAT_MODEL, "messages": messages, "stream": True, "options": options(tokens)}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    start, first, count = time.perf_counter(), None, 0
    async with client.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for raw in response.aiter_lines():
            if not raw.strip():
                continue
            part = json.loads(raw)
            if part.get("error"):
                raise RuntimeError(part["error"])
            if part.get("message", {}).get("content"):
                count += 1
                first = first or time.perf_counter()
            if part.get("done"):
                count = part.get("eval_count") or count
                break
    end = time.perf_counter()
    return start, first or end, end, count


async def api_round(url: str, keys: list[str | None], tokens: int, tag: str) -> list[tuple[float, float, float, int]]:
    async with httpx.AsyncClient(timeout=UI_TIMEOUT_S, limits=httpx.Limits(max_connections=len(keys) + 2)) as client:
        streams = (api_stream(client, url, key, tokens, f"{tag} {n}") for n, key in enumerate(keys))
        return list(await asyncio.gather(*streams))


async def ui_round(
    tabs: list[PlaygroundTab], tokens: int, reply_tokens: int, tag: str
) -> list[tuple[float, float, float, int]]:
    """Every tab sends at once; the UI's deltas batch tokens, so the count is the direct reply's (temperature 0)."""
    params = {name: str(value) for name, value in options(tokens).items()}

    async def one(n: int, tab: PlaygroundTab) -> tuple[float, float, float, int]:
        start = time.perf_counter()
        ttft, total = await tab.chat(CHAT_MODEL, prompt(f"{tag} {n}"), params)
        return start, start + ttft, start + total, reply_tokens

    return list(await asyncio.gather(*(one(n, tab) for n, tab in enumerate(tabs))))


def prepare_people(count: int) -> Prepared:
    """Migrate, then `count` attendees with an API key each (no collections: nothing to embed)."""
    from tests.support.accounts import actor_of, make_user
    from workshop_app.db.migrations import upgrade_database
    from workshop_app.db.users import Role
    from workshop_app.services.accounts.api_keys import create_api_key
    from workshop_app.settings import get_settings

    settings = get_settings()
    upgrade_database(settings)
    keys = [create_api_key(actor_of(make_user(Role.ATTENDEE, "bench")), "bench")[1] for _ in range(count)]
    return Prepared(settings.data_dir, keys, 0)


def engine_url_of(app_url: str) -> str:
    """The engine `workshop run` started: the child process running workshop_app.engine, and its port."""
    for process in server_processes(app_url):
        command = process.cmdline()
        if "workshop_app.engine" in command:
            return f"http://127.0.0.1:{command[command.index('--port') + 1]}"
    raise RuntimeError("workshop run did not start the built-in engine")


def one_slot_aggregate(attendees: int, tokens: int, rounds: int) -> Case:
    """The same streams against a second engine with a single slot (no parallel decoding)."""
    from workshop_app import engine_launch

    env = {**os.environ, "WORKSHOP_ENGINE_SLOTS": "1"}
    with open(Path(tempfile.mkdtemp(prefix="workshop-bench-engine-")) / "engine.log", "w") as log:
        engine = engine_launch.start_engine(env, output=log)
    try:
        case = Case()
        asyncio.run(api_round(f"{engine.url}/api/chat", [None], 8, "load"))
        for round_ in range(rounds):
            case.add(asyncio.run(api_round(f"{engine.url}/api/chat", [None] * attendees, tokens, f"one slot {round_}")))
        return case
    finally:
        engine.stop()


def measure(
    app_url: str, engine_url: str, keys: list[str], sessions: list[str], counts: list[int], rounds: int, tokens: int
) -> dict:
    direct_url, gateway_url = f"{engine_url}/api/chat", f"{app_url}/ollama/api/chat"
    results: dict[tuple[str, int], Case] = {}
    warm_up = asyncio.run(api_round(direct_url, [None] * max(counts), tokens, "warm up"))
    reply_tokens = statistics.median(t[3] for t in warm_up)

    async def with_tabs(count: int, work: Callable[[list[PlaygroundTab]], Awaitable[None]]) -> None:
        tabs = [PlaygroundTab(app_url, token, UI_TIMEOUT_S) for token in sessions[:count]]
        try:
            await asyncio.gather(*(tab.open(CHAT_MODEL) for tab in tabs))
            await work(tabs)
        finally:
            await asyncio.gather(*(tab.close() for tab in tabs))

    for count in counts:
        cases = {path: results.setdefault((path, count), Case()) for path in ("direct", "gateway", "UI")}

        async def rounds_of(tabs: list[PlaygroundTab], count: int = count, cases: dict[str, Case] = cases) -> None:
            for round_ in range(rounds):  # interleaved, so load from elsewhere on the machine hits every path alike
                tag = f"{count} attendees, round {round_}"
                cases["direct"].add(await api_round(direct_url, [None] * count, tokens, f"direct {tag}"))
                cases["gateway"].add(await api_round(gateway_url, list(keys[:count]), tokens, f"gateway {tag}"))
                cases["UI"].add(await ui_round(tabs, tokens, int(reply_tokens), f"UI {tag}"))

        asyncio.run(with_tabs(count, rounds_of))
    return {"cases": results, "reply_tokens": reply_tokens}


def report(measured: dict, counts: list[int], single_slot: Case, cold: tuple[float, float], slots: int) -> None:
    cases: dict[tuple[str, int], Case] = measured["cases"]
    med = statistics.median
    print(
        f"\nModel {CHAT_MODEL}, {measured['reply_tokens']:.0f}-token replies at temperature 0; "
        f"engine with {slots} slots"
    )
    print(
        f"Start to first answer, cold (`workshop run` from a fresh copy: frontend build, engine start, model load): "
        f"{cold[0]:.1f} s to a healthy app, {cold[1]:.1f} s to the first token through the gateway"
    )
    line("", "direct", "gateway", "UI", "gateway/direct", "UI/direct")
    for count in counts:
        direct, gateway, ui = (cases[(path, count)] for path in ("direct", "gateway", "UI"))
        for label, pick in (
            ("TTFT p50", lambda c: med(c.ttft)),
            ("tokens/s per stream p50", lambda c: med(c.rate)),
            ("aggregate tokens/s", lambda c: med(c.aggregate)),
        ):
            d, g, u = pick(direct), pick(gateway), pick(ui)
            cells = (ms(d), ms(g), ms(u)) if label.startswith("TTFT") else (f"{d:.1f}", f"{g:.1f}", f"{u:.1f}")
            line(f"{count} attendee(s) {label}", *cells, f"{g / d:.3f}x", f"{u / d:.3f}x")
    if 4 in counts:
        one = med(single_slot.aggregate)
        four = {path: med(cases[(path, 4)].aggregate) for path in ("direct", "gateway", "UI")}
        print(
            f"\n4 attendees on one slot (direct): {one:.1f} tokens/s aggregate, "
            f"TTFT p50 {med(single_slot.ttft) * 1000:.0f} ms"
        )
        ratios = ", ".join(f"{path} {value / one:.2f}x" for path, value in four.items())
        print(f"4 attendees on the engine's slots vs one slot: {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", default="1,4,8", help="concurrent attendees per case, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per case and path")
    parser.add_argument("--tokens", type=int, default=128, help="num_predict of every reply")
    args = parser.parse_args()
    counts = [int(part) for part in args.attendees.split(",")]

    nobody = f"http://127.0.0.1:{free_port()}"  # no Ollama: `workshop run` starts the engine (auto)
    use_data_dir(nobody, {"WORKSHOP_ENGINE": "auto", "WORKSHOP_RATE_LIMIT": "100000/minute"})
    prepared = prepare_people(max(counts))
    sessions = session_tokens(max(counts))
    log = Path(tempfile.mkdtemp(prefix="workshop-bench-log-")) / "server.log"
    print(f"Building and starting the app with `workshop run` (log: {log}) ...", flush=True)
    started = time.perf_counter()
    with served(prepared, log) as (url, ready_s):
        engine_url = engine_url_of(url)
        first = asyncio.run(api_round(f"{url}/ollama/api/chat", [prepared.keys[0]], 8, "first"))[0][1]
        cold = (ready_s, first - started)
        slots = httpx.get(f"{engine_url}/api/version", timeout=10).json().get("slots", 1)
        print(f"Ready; the engine answers at {engine_url}. Measuring ...", flush=True)
        measured = measure(url, engine_url, prepared.keys, sessions, counts, args.rounds, args.tokens)
    single_slot = one_slot_aggregate(4, args.tokens, args.rounds) if 4 in counts else Case()
    report(measured, counts, single_slot, cold, slots)


if __name__ == "__main__":
    main()
