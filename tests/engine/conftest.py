"""The engine under test: one real process for the session, on real models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.engine import EngineProcess, shared_engine


@pytest.fixture(scope="session")
def engine(session_dir: Path) -> EngineProcess:
    return shared_engine(session_dir)


@pytest.fixture
def api(engine: EngineProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=engine.url, timeout=120) as client:
        yield client
