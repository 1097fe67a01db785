"""Two Ollama-speaking fakes configured as the app's hosts, for multi-host model tests.

Import the fixtures into a test module: `from tests.support.two_hosts import second_server, two_hosts`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakes.ollama_server import FakeOllama


@dataclass(frozen=True)
class Hosts:
    a: FakeOllama
    b: FakeOllama


@pytest.fixture(scope="module")
def second_server() -> Iterator[FakeOllama]:
    with FakeOllama(host="127.0.0.1", port=0) as fake:
        yield fake


@pytest.fixture
def two_hosts(
    fake_ollama: FakeOllama, second_server: FakeOllama, migrated_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hosts]:
    """Both fakes reset to defaults and configured as WORKSHOP_OLLAMA_URLS (a first, b second)."""
    from tests.conftest import reset_settings_caches

    second_server.reset()
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", f"{fake_ollama.url},{second_server.url}")
    monkeypatch.setenv("WORKSHOP_OLLAMA_PROBE_TIMEOUT", "0.5")
    reset_settings_caches()
    yield Hosts(fake_ollama, second_server)
    second_server.accept_connections()
    second_server.reset()
    reset_settings_caches()
