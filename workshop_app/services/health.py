"""Health of the platform's dependencies: the database and each Ollama backend."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass

from sqlalchemy import text

from workshop_app.db.engine import get_engine
from workshop_app.services.errors import WorkshopError
from workshop_app.services.ollama.backends import get_backends
from workshop_app.services.ollama.client import OllamaBackend

PROBE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    latency_ms: float | None = None
    detail: str = ""


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
    except Exception as error:  # noqa: BLE001  (any failure means "down", reported not raised)
        return Check("database", False, detail=type(error).__name__)
    return Check("database", True, (time.perf_counter() - started) * 1000, get_engine().dialect.name)


async def _check_backend(backend: OllamaBackend) -> Check:
    started = time.perf_counter()
    try:
        version = await asyncio.wait_for(backend.version(), PROBE_TIMEOUT_S)
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
