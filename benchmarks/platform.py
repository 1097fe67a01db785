"""A running platform to measure: a data directory prepared through the services (people with API
keys, a public RAG system), the app served by `workshop run` from a copy of the project, and
the processes that make up the server. Everything listens on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psutil

CHAT_MODEL = "llama3.2:1b"
EMBED_MODEL = "nomic-embed-text:latest"
QUESTION = "What can a llama carry as a pack animal over mountain trails?"


@dataclass(frozen=True)
class Prepared:
    data_dir: Path
    keys: list[str]  # one API key per simulated attendee
    rag_system_id: int


def stream_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every streaming benchmark shares: how many attendees and streams, and the fake's fixed delays."""
    parser.add_argument("--users", type=int, default=50, help="concurrent attendees in the loaded case")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of streams per case")
    parser.add_argument("--single-samples", type=int, default=20, help="sequential streams in the 1-user case")
    parser.add_argument("--first-token-delay", type=float, default=0.2)
    parser.add_argument("--token-delay", type=float, default=0.02)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="WORKSHOP_WORKERS; with more than 1, Redis and a Chroma server are started too (SQLite stays)",
    )


@contextmanager
def shared_services(workers: int) -> Iterator[dict[str, str]]:
    """Yield the settings for `workers` workers; for more than one, start the Redis and Chroma
    server processes `workshop check` asks for."""
    if workers <= 1:
        yield {"WORKSHOP_WORKERS": "1"}
        return
    from tests.support.chroma import chroma_server
    from tests.support.redis import redis_server

    with redis_server() as redis, chroma_server() as chroma:
        yield {"WORKSHOP_WORKERS": str(workers), "WORKSHOP_REDIS_URL": redis, "WORKSHOP_CHROMA_URL": chroma}


def use_data_dir(ollama_urls: str, extra: Mapping[str, str] | None = None) -> Path:
    """Point this process's settings at a fresh data directory (SQLite) and the given hosts."""
    data_dir = Path(tempfile.mkdtemp(prefix="workshop-bench-"))
    os.environ.update(
        {
            "WORKSHOP_DATA_DIR": str(data_dir / "data"),
            "WORKSHOP_DATABASE_URL": "",
            "WORKSHOP_OLLAMA_URLS": ollama_urls,
            "WORKSHOP_LOG_LEVEL": "WARNING",
            **(extra or {}),
        }
    )
    from workshop_app.settings import get_settings

    get_settings.cache_clear()
    return data_dir


def server_setup() -> str:
    """What the server runs on, from the settings this process gave it, for the report's header."""
    from workshop_app.settings import get_settings

    settings = get_settings()
    return ", ".join(
        (
            f"{settings.workers} worker(s)",
            "SQLite" if settings.is_sqlite else "Postgres",
            "Redis" if settings.redis_url else "state in memory",
            "Chroma server" if settings.chroma_url else "embedded Chroma",
        )
    )


def prepare(people: int) -> Prepared:
    """Migrate, then create `people` attendees with a key each and one public RAG system."""
    from tests.support.accounts import actor_of, make_user
    from tests.support.collections import CORPUS
    from workshop_app.db.migrations import upgrade_database
    from workshop_app.db.ownership import Visibility
    from workshop_app.db.users import Role
    from workshop_app.services.accounts.api_keys import create_api_key
    from workshop_app.services.core.jobs import get_jobs
    from workshop_app.services.rag.collections import CollectionSpec, create_collection
    from workshop_app.services.rag.documents import upload_many
    from workshop_app.services.rag.embedding_jobs import start_embedding
    from workshop_app.services.rag.systems import RagSpec, create_rag_system
    from workshop_app.settings import get_settings

    settings = get_settings()
    upgrade_database(settings)
    owner = actor_of(make_user(Role.INSTRUCTOR, "bench-owner"))

    async def build() -> int:
        documents = [r.document_id for r in upload_many(owner, list(CORPUS.items()), Visibility.PUBLIC)]
        collection = await create_collection(
            owner, CollectionSpec("Bench corpus", EMBED_MODEL, visibility=Visibility.PUBLIC)
        )
        await get_jobs().wait((await start_embedding(owner, collection.id, documents)).id)  # type: ignore[arg-type]
        spec = RagSpec("Bench helper", CHAT_MODEL, [collection.id], top_k=2, visibility=Visibility.PUBLIC)  # type: ignore[list-item]
        return create_rag_system(owner, spec).id  # type: ignore[return-value]

    system_id = asyncio.run(build())
    keys = [create_api_key(actor_of(make_user(Role.ATTENDEE, "bench")), "bench")[1] for _ in range(people)]
    return Prepared(settings.data_dir, keys, system_id)


def fresh_project() -> Path:
    """A copy of the project without a frontend build: its first `workshop run` builds one."""
    from tests.support.app_server import project_copy

    return project_copy(Path(tempfile.mkdtemp(prefix="workshop-bench-app-")) / "project")


@contextmanager
def served(
    prepared: Prepared,
    log_path: Path,
    extra_env: Mapping[str, str] | None = None,
    project: Path | None = None,
    port: int | None = None,
) -> Iterator[tuple[str, float]]:
    """Serve the prepared data with `workshop run` from `project` (default: a fresh copy, so a cold start);
    yield the URL and seconds from start to a healthy /health. A second start of the same project on
    the same port reuses the first one's frontend build."""
    from tests.support.app_server import app_server

    project = project or fresh_project()
    env = {name: value for name, value in os.environ.items() if name.startswith("WORKSHOP_")}
    env.update(extra_env or {})
    started = time.perf_counter()
    with app_server(
        prepared.data_dir, env["WORKSHOP_OLLAMA_URLS"], log_path, env, project_dir=project, port=port
    ) as url:
        yield url, time.perf_counter() - started


def server_processes(url: str) -> list[psutil.Process]:
    """The server for this port and every process below it (Granian's workers).

    The top one is `workshop run`, which becomes `python -m workshop_app.serving PORT`.
    """
    port = url.rsplit(":", 1)[1]
    roots = [
        process
        for process in psutil.process_iter(["cmdline"])
        if any(arg.startswith("workshop_app.") for arg in process.info["cmdline"] or [])
        and port in (process.info["cmdline"] or [])
    ]
    found = {process.pid: process for root in roots for process in (root, *root.children(recursive=True))}
    return list(found.values())


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU time the server's processes (all their threads) have used so far."""
    total = 0.0
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def memory_mb(processes: list[psutil.Process]) -> tuple[float, float]:
    """Summed RSS and PSS (shared pages split between the processes that share them), in MB."""
    rss = pss = 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except psutil.NoSuchProcess:
            continue
        rss, pss = rss + info.rss, pss + getattr(info, "pss", info.rss)
    return rss / 2**20, pss / 2**20
