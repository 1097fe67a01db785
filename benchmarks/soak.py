"""Soak: simulated attendees chat, ask RAG questions and use both gateway APIs for minutes on end.

The REST and gateway face (the FastAPI app the platform mounts in front of its UI) is
served by uvicorn in its own process over a fresh SQLite data directory, against the
Ollama-speaking fake. Every answer must be a success or a refusal that says why (in its
API's error shape, or an error line in a stream); anything else, and every 5xx, counts as a
server error. The server's memory, open files and database handles are read after a
warm-up and at the end, so a leak shows as growth.

    .venv/bin/python -m benchmarks.soak [--users 50] [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from benchmarks.figures import line
from benchmarks.platform import CHAT_MODEL, QUESTION, prepare, use_data_dir

ROOT = Path(__file__).resolve().parents[1]
WARM_UP_S = 30.0


@dataclass
class Tally:
    """What the attendees saw, per action: answered, refused with a reason, server errors."""

    answered: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    server_errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def error(self, action: str, what: str) -> None:
        self.server_errors[action] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{action}: {what}")


def explained(response: httpx.Response) -> bool:
    """A refusal that says why, in its face's shape: REST `message`, Ollama's `error` sentence, OpenAI's
    `error.message`."""
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    error = body.get("error")
    return bool(body.get("message") or (error.get("message") if isinstance(error, dict) else error))


async def judge(tally: Tally, action: str, response: httpx.Response, ok: bool, detail: str = "") -> None:
    if response.status_code >= 500:
        tally.error(action, f"{response.status_code} {response.text[:200]}")
    elif response.status_code >= 400:
        (tally.refused if explained(response) else tally.server_errors)[action] += 1
    elif ok:
        tally.answered[action] += 1
    else:
        tally.error(action, f"200 without a whole answer: {detail[:200]}")


async def chat_streamed(client: httpx.AsyncClient, tally: Tally, n: int) -> None:
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": f"Tell me about llamas, part {n}"}]}
    async with client.stream("POST", "/ollama/api/chat", json=body) as response:
        text = (await response.aread()).decode()
    if response.status_code == 200:
        lines = [json.loads(part) for part in text.splitlines() if part]
        if lines and "error" in lines[-1]:
            tally.refused["chat (streamed)"] += 1  # a mid-stream error line is a refusal with a reason
            return
        await judge(tally, "chat (streamed)", response, bool(lines) and lines[-1].get("done") is True, text)
    else:
        await judge(tally, "chat (streamed)", response, False)


async def openai_whole(client: httpx.AsyncClient, tally: Tally, n: int) -> None:
    body = {"model": CHAT_MODEL, "messages": [{"role": "user", "content": f"Summarise llamas in one line {n}"}]}
    response = await client.post("/v1/chat/completions", json=body)
    ok = response.status_code == 200 and bool(response.json()["choices"][0]["message"]["content"])
    await judge(tally, "gateway: OpenAI chat", response, ok)


async def rag_answer(client: httpx.AsyncClient, tally: Tally, system_id: int) -> None:
    response = await client.post(f"/api/v1/rag-systems/{system_id}/answer", json={"question": QUESTION})
    await judge(tally, "RAG answer", response, response.status_code == 200 and bool(response.json().get("sources")))


async def list_models(client: httpx.AsyncClient, tally: Tally) -> None:
    response = await client.get("/v1/models")
    await judge(tally, "gateway: list models", response, response.status_code == 200)


async def attendee(base: str, key: str, system_id: int, until: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        n = 0
        while time.monotonic() < until:
            n += 1
            action = random.choices(["chat", "openai", "rag", "models"], weights=[5, 2, 2, 1])[0]
            try:
                if action == "chat":
                    await chat_streamed(client, tally, n)
                elif action == "openai":
                    await openai_whole(client, tally, n)
                elif action == "rag":
                    await rag_answer(client, tally, system_id)
                else:
                    await list_models(client, tally)
            except httpx.HTTPError as error:
                tally.error(action, f"{type(error).__name__}: {error}")
            await asyncio.sleep(random.uniform(1, 4))  # reading the reply, typing the next question


@dataclass(frozen=True)
class Footprint:
    rss_mb: float
    fds: int
    database_connections: int
    threads: int


def footprint(process: psutil.Process, database: Path) -> Footprint:
    """Memory, open file descriptors, database connections (each SQLite connection opens the file once), threads."""
    connections = sum(Path(f.path) == database for f in process.open_files())
    return Footprint(process.memory_info().rss / 2**20, process.num_fds(), connections, process.num_threads())


def serve(port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "workshop_app.api:build_api",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


async def soak(
    base: str, keys: list[str], system_id: int, seconds: float, server: psutil.Process, database: Path
) -> tuple[Tally, Footprint, Footprint]:
    tally = Tally()
    until = time.monotonic() + seconds
    crowd = asyncio.gather(*(attendee(base, key, system_id, until, tally) for key in keys))
    await asyncio.sleep(min(WARM_UP_S, seconds / 3))
    before = footprint(server, database)
    await crowd
    await asyncio.sleep(2)  # replies still closing
    return tally, before, footprint(server, database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--parallelism", type=int, default=4, help="WORKSHOP_OLLAMA_PARALLELISM of the fake host")
    parser.add_argument("--first-token-delay", type=float, default=0.2)
    parser.add_argument("--token-delay", type=float, default=0.02)
    parser.add_argument("--tokens", type=int, default=20)
    args = parser.parse_args()

    from tests.fakes.ollama_server import FakeOllama
    from tests.support.ports import free_port, wait_for_port

    with FakeOllama(port=0) as backend:
        use_data_dir(backend.url, {"WORKSHOP_OLLAMA_PARALLELISM": str(args.parallelism)})
        prepared = prepare(args.users)
        from workshop_app.settings import get_settings

        database = Path(get_settings().database_url.removeprefix("sqlite:///"))
        backend.config.first_token_delay, backend.config.token_delay = args.first_token_delay, args.token_delay
        backend.config.reply_tokens = args.tokens
        port, log = free_port(), Path(tempfile.mkdtemp(prefix="workshop-soak-")) / "server.log"
        server = serve(port, log)
        try:
            wait_for_port(port, 60, server)
            tally, before, after = asyncio.run(
                soak(
                    f"http://127.0.0.1:{port}",
                    prepared.keys,
                    prepared.rag_system_id,
                    args.minutes * 60,
                    psutil.Process(server.pid),
                    database,
                )
            )
        finally:
            server.terminate()
            server.wait(30)

    print(
        f"\n{args.users} attendees for {args.minutes:g} min against the fake (parallelism {args.parallelism}, "
        f"first token {args.first_token_delay * 1000:.0f} ms, "
        f"{args.tokens} tokens {args.token_delay * 1000:.0f} ms apart)"
    )
    line("action", "answered", "refused+reason", "server errors")
    for action in sorted(set(tally.answered) | set(tally.refused) | set(tally.server_errors)):
        line(action, str(tally.answered[action]), str(tally.refused[action]), str(tally.server_errors[action]))
    totals = (tally.answered, tally.refused, tally.server_errors)
    line("all", *(str(sum(counts.values())) for counts in totals))
    print()
    line("server process", f"after {min(WARM_UP_S, args.minutes * 20):g} s", "at the end", "growth")
    growth = (after.rss_mb / before.rss_mb - 1) * 100
    line("RSS", f"{before.rss_mb:.1f} MB", f"{after.rss_mb:.1f} MB", f"{growth:+.1f} %")
    line("open file descriptors", str(before.fds), str(after.fds), f"{after.fds - before.fds:+d}")
    line(
        "database connections (SQLite)",
        str(before.database_connections),
        str(after.database_connections),
        f"{after.database_connections - before.database_connections:+d}",
    )
    line("threads", str(before.threads), str(after.threads), f"{after.threads - before.threads:+d}")
    for example in tally.examples:
        print(f"  server error: {example}")
    print(f"\nServer log: {log}")
    sys.exit(1 if sum(tally.server_errors.values()) else 0)


if __name__ == "__main__":
    main()
