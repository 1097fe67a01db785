"""The scale-out deployment on one machine: real Postgres, Redis and Chroma server processes,
two Ollama-speaking fakes, and the app with several workers, all on loopback.

Shared by the scale-out test and the benchmarks. The settings `scale_out_services` yields
are what a process needs to work on the same database, vectors and hosts as the app (the
test prepares its data with them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.fakes.ollama_server import FakeOllama
from tests.support.app_server import app_server, project_copy
from tests.support.chroma import chroma_server
from tests.support.postgres import postgres_server
from tests.support.redis import redis_server


@contextmanager
def scale_out_services() -> Iterator[tuple[dict[str, str], tuple[FakeOllama, FakeOllama]]]:
    """Postgres, Redis, Chroma server and two fakes; yield the settings that point at them."""
    with ExitStack() as stack:
        database = stack.enter_context(postgres_server())
        redis = stack.enter_context(redis_server())
        chroma = stack.enter_context(chroma_server())
        hosts = (stack.enter_context(FakeOllama(port=0)), stack.enter_context(FakeOllama(port=0)))
        yield (
            {
                "WORKSHOP_DATABASE_URL": database,
                "WORKSHOP_REDIS_URL": redis,
                "WORKSHOP_CHROMA_URL": chroma,
                "WORKSHOP_OLLAMA_URLS": ",".join(host.url for host in hosts),
            },
            hosts,
        )


@contextmanager
def scale_out_app(
    settings_env: Mapping[str, str], workers: int, log_path: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """The app from a copy of the project (its own frontend build) with `workers` workers; yield its URL."""
    workdir = Path(tempfile.mkdtemp(prefix="workshop-scale-out-"))
    project = project_copy(workdir / "project")
    env = {**settings_env, "WORKSHOP_WORKERS": str(workers), **(extra_env or {})}
    with app_server(workdir / "data", env["WORKSHOP_OLLAMA_URLS"], log_path, env, project_dir=project) as url:
        yield url
