"""Health of the platform's dependencies.

`health_report` is the cheap liveness answer (database and each Ollama host);
`detailed_report` adds Chroma, Redis, models loaded per host and free disk, with
the reason for a degraded or down status. Every probe is bounded by
PROBE_TIMEOUT_S, so an unreachable dependency makes the answer slower by at most
that, never hangs it.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import inspect, text

from workshop_app.db.engine import get_engine
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.core.redis_clients import command_client
from workshop_app.services.ollama.backends import get_backends
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.operations.logs import redact_text
from workshop_app.settings import Settings, get_settings

PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Check:
    """One dependency's answer; `info` holds what an operator looks at next (versions, models, bytes)."""

    name: str
    ok: bool
    latency_ms: float | None = None
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthReport:
    status: str  # ok | degraded | down
    database: Check
    ollama: list[Check]

    def as_dict(self) -> dict:
        return asdict(self)


def _check_database() -> Check:
    started = time.perf_counter()
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "down", reported not raised
        return Check("database", False, detail=type(error).__name__)
    return Check("database", True, (time.perf_counter() - started) * 1000, get_engine().dialect.name)


async def _check_backend(backend: OllamaBackend) -> Check:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            version = await backend.version()
    except TimeoutError:
        return Check(backend.url, False, detail=f"no answer within {PROBE_TIMEOUT_S:.0f} s")
    except WorkshopError as error:
        return Check(backend.url, False, detail=error.message)
    return Check(backend.url, True, (time.perf_counter() - started) * 1000, f"Ollama {version}")


async def health_report() -> HealthReport:
    """ok: all up; degraded: DB up but some backend down; down: the DB is unreachable."""
    database = await asyncio.to_thread(_check_database)
    backends = list(await asyncio.gather(*(_check_backend(b) for b in get_backends())))
    if not database.ok:
        status = "down"
    elif all(check.ok for check in backends):
        status = "ok"
    else:
        status = "degraded"
    return HealthReport(status, database, backends)


# -- details ----------------------------------------------------------------------------

LOW_DISK_BYTES = 1024**3  # below this, uploads and backups start failing: report it early


@dataclass(frozen=True)
class DetailedReport:
    status: str  # ok | degraded | down
    reason: str
    dependencies: list[Check]

    def as_dict(self) -> dict:
        return asdict(self)


async def _bounded(name: str, probe: Callable[[], Awaitable[Check]]) -> Check:
    """Run a probe; a probe that does not finish in time reports its dependency as down."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return await probe()
    except TimeoutError:
        return Check(name, False, detail=f"no answer within {PROBE_TIMEOUT_S:.0f} s")
    except Exception as error:  # a failing probe is a finding, not a crash
        return Check(name, False, detail=redact_text(str(error)) or type(error).__name__)


def _database_details() -> Check:
    started = time.perf_counter()
    engine = get_engine()
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        latency = (time.perf_counter() - started) * 1000
        revision = None
        if inspect(connection).has_table("alembic_version"):
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return Check("database", True, latency, engine.dialect.name, {"revision": revision})


async def _chroma_details(settings: Settings) -> Check:
    if settings.chroma_url is None:
        path = settings.chroma_path
        assert path is not None
        state = "present" if path.exists() else "not created yet"
        return Check("chroma", True, detail=f"embedded, {state}", info={"path": str(path)})
    url = str(settings.chroma_url).rstrip("/")
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_S) as client:
        response = await client.get(f"{url}/api/v2/heartbeat")
    latency = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return Check("chroma", False, latency, f"server at {url} answered {response.status_code}")
    return Check("chroma", True, latency, f"server at {url}")


async def _redis_details(redis_url: str) -> Check:
    client = command_client(redis_url)  # its waits are longer than the probe's, which _bounded cuts short
    try:
        started = time.perf_counter()
        await client.ping()  # type: ignore[misc]  # redis-py types ping() for its sync and asyncio clients at once
        latency = (time.perf_counter() - started) * 1000
        server = await client.info("server")
    finally:
        await client.aclose()
    return Check("redis", True, latency, f"Redis {server.get('redis_version', '?')}")


async def _ollama_details(backend: OllamaBackend) -> Check:
    name = f"ollama {backend.url}"
    started = time.perf_counter()
    try:
        version = await backend.version()
        latency = (time.perf_counter() - started) * 1000
        loaded = await backend.loaded_models()
    except WorkshopError as error:
        return Check(name, False, detail=error.message)
    models = [model.name for model in loaded]
    return Check(
        name, True, latency, f"Ollama {version}", {"url": backend.url, "version": version, "models_loaded": models}
    )


def _disk_details(data_dir: Path) -> Check:
    usage = shutil.disk_usage(data_dir)
    info = {"path": str(data_dir), "free_bytes": usage.free, "total_bytes": usage.total}
    free_gib = usage.free / 1024**3
    if usage.free < LOW_DISK_BYTES:
        return Check("disk", False, detail=f"only {free_gib:.2f} GiB free in the data directory", info=info)
    return Check("disk", True, detail=f"{free_gib:.1f} GiB free", info=info)


async def detailed_report(settings: Settings | None = None) -> DetailedReport:
    """Every dependency, probed concurrently; down when the database is, degraded when anything else is."""
    settings = settings or get_settings()
    data_dir = settings.ensure_data_dir()
    probes: list[Awaitable[Check]] = [
        _bounded("database", lambda: asyncio.to_thread(_database_details)),
        _bounded("chroma", lambda: _chroma_details(settings)),
        *(_bounded(f"ollama {b.url}", partial(_ollama_details, b)) for b in get_backends()),
        _bounded("disk", lambda: asyncio.to_thread(_disk_details, data_dir)),
    ]
    if settings.redis_url:
        probes.append(_bounded("redis", lambda: _redis_details(settings.redis_url or "")))
    dependencies = list(await asyncio.gather(*probes))
    failing = [dep for dep in dependencies if not dep.ok]
    if any(dep.name == "database" for dep in failing):
        status = "down"
    elif failing:
        status = "degraded"
    else:
        return DetailedReport("ok", "every dependency answers", dependencies)
    reason = "; ".join(f"{dep.name}: {dep.detail}" for dep in failing)
    return DetailedReport(status, reason, dependencies)
