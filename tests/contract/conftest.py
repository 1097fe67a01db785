"""Two servers that speak Ollama's API: the fake the fast tests use and the built-in engine.

Every contract test runs against both, so the fake cannot drift from a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.engine import shared_engine


@dataclass(frozen=True)
class Target:
    """A server under contract and the models it has for each job."""

    kind: str
    url: str
    chat_model: str
    embed_model: str


@pytest.fixture(params=["fake", pytest.param("engine", marks=pytest.mark.real_model)])
def target(request: pytest.FixtureRequest, session_dir: Path) -> Iterator[Target]:
    if request.param == "fake":
        fake: FakeOllama = request.getfixturevalue("fake_server")
        fake.reset()
        yield Target("fake", fake.url, "qwen2.5:0.5b", "nomic-embed-text")
        fake.reset()
    else:
        yield Target("engine", shared_engine(session_dir).url, "smollm2:135m", "all-minilm")


@pytest.fixture
def api(target: Target) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=target.url, timeout=120) as client:
        yield client
