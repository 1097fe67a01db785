"""Through the UI's websocket event protocol vs straight to Ollama, in one run: time to first
token and full-stream time of a Playground chat at 1 and at N concurrent simulated attendees.

A simulated attendee is what the browser does on the Playground page, without the browser:
it opens the socket.io connection at /_event with its tab token, hydrates with the session
cookie of a signed-in account (so the page's on_load runs as that person), then sends the
Playground's `set_model`, `set_draft` and `send` events. The clock starts when `send` is
emitted; the first token is the first state delta whose last message is an assistant reply
with text, the end is the delta that turns `streaming` off (the reply saved and shown).

The backend is the Ollama-speaking fake with fixed delays, so every difference between the
direct and the platform columns is the platform's own cost, Reflex's state handling included.

    .venv/bin/python -m benchmarks.ui_latency [--users 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.figures import compare_streams
from benchmarks.platform import (
    CHAT_MODEL,
    cpu_seconds,
    prepare,
    served,
    server_processes,
    server_setup,
    shared_services,
    stream_arguments,
    use_data_dir,
)
from benchmarks.platform_latency import streams
from tests.support.playground_tab import PlaygroundTab

ROUND_TIMEOUT_S = 120.0


def session_tokens(count: int) -> list[str]:
    """Signed-in browser sessions of `count` new attendees, as the login page would start them."""
    from tests.support.accounts import make_user
    from workshop_app.db.engine import session_scope
    from workshop_app.db.users import Role
    from workshop_app.services.accounts.auth import start_session

    tokens = []
    for _ in range(count):
        user = make_user(Role.ATTENDEE, "ui-bench")
        with session_scope() as session:
            tokens.append(start_session(session, user, "127.0.0.1"))
    return tokens


async def ui_streams(
    url: str, tokens: list[str], rounds: int, concurrent: bool, cpu: Callable[[], float]
) -> tuple[list[float], list[float], float]:
    """TTFT and totals of `rounds` rounds over the tabs of `tokens` (all at once, or one after another),
    after one warm-up chat per tab; and the server's CPU seconds per measured chat (`cpu` reads its total)."""
    attendees = [PlaygroundTab(url, token, ROUND_TIMEOUT_S) for token in tokens]
    try:
        await asyncio.gather(*(attendee.open(CHAT_MODEL) for attendee in attendees))
        await asyncio.gather(*(attendee.chat(CHAT_MODEL, "warm up") for attendee in attendees))
        results: list[tuple[float, float]] = []
        cpu_before = cpu()
        for round_ in range(rounds):
            jobs = [attendee.chat(CHAT_MODEL, f"round {round_} user {n}") for n, attendee in enumerate(attendees)]
            if concurrent:
                results += await asyncio.gather(*jobs)
            else:
                results += [await job for job in jobs]
        cpu_per_chat = (cpu() - cpu_before) / len(results)
    finally:
        await asyncio.gather(*(attendee.close() for attendee in attendees))
    return [r[0] for r in results], [r[1] for r in results], cpu_per_chat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stream_arguments(parser)
    args = parser.parse_args()

    from tests.fakes.ollama_server import FakeOllama

    with FakeOllama(port=0) as backend, shared_services(args.workers) as shared:
        use_data_dir(
            backend.url,
            {
                **shared,
                "WORKSHOP_OLLAMA_PARALLELISM": str(args.users + 8),  # the fake serves every stream at once
                "WORKSHOP_RATE_LIMIT": "100000/minute",
            },
        )
        prepared = prepare(0)
        tokens = session_tokens(args.users)
        log = Path(tempfile.mkdtemp(prefix="workshop-bench-log-")) / "server.log"
        print(f"Building and starting the app (log: {log}) ...", flush=True)
        with served(prepared, log) as (url, _start_s):
            processes = server_processes(url)
            config = backend.config
            config.first_token_delay, config.token_delay, config.reply_tokens = (
                args.first_token_delay,
                args.token_delay,
                args.tokens,
            )
            direct_url = f"{backend.url}/api/chat"
            single_direct = asyncio.run(streams(direct_url, [None], args.single_samples, concurrent=False))[:2]
            *single_ui, single_cpu = asyncio.run(
                ui_streams(url, tokens[:1], args.single_samples, False, lambda: cpu_seconds(processes))
            )
            loaded_direct = asyncio.run(streams(direct_url, [None] * args.users, args.rounds, concurrent=True))[:2]
            *loaded_ui, loaded_cpu = asyncio.run(
                ui_streams(url, tokens, args.rounds, True, lambda: cpu_seconds(processes))
            )
            single, loaded = {"direct": single_direct, "UI": single_ui}, {"direct": loaded_direct, "UI": loaded_ui}

    print(
        f"\nServer: `workshop run`, {server_setup()}; backend: fake with first token "
        f"{args.first_token_delay * 1000:.0f} ms, {args.tokens} tokens {args.token_delay * 1000:.0f} ms apart"
    )
    print("UI: simulated attendees on the Playground over Reflex's websocket event protocol\n")
    compare_streams(
        "UI", {"1 user": (single["direct"], single["UI"]), f"{args.users} users": (loaded["direct"], loaded["UI"])}
    )
    print(
        f"\nServer CPU per chat (all its processes): {single_cpu * 1000:.1f} ms at 1 user,"
        f" {loaded_cpu * 1000:.1f} ms at {args.users} users"
    )


if __name__ == "__main__":
    main()
