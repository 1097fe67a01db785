"""Shared fixtures: an isolated data directory, the Ollama-speaking fake, real servers.

The environment is set before any workshop_app module reads settings, so every test
process works in its own temporary data directory against the fake, never a real Ollama
or the developer's data.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="workshop-tests-"))
os.environ["WORKSHOP_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ["WORKSHOP_DATABASE_URL"] = ""
os.environ.pop("WORKSHOP_REDIS_URL", None)
os.environ.pop("WORKSHOP_CHROMA_URL", None)

from playwright.sync_api import Browser, sync_playwright  # noqa: E402 - after the test environment is set

from tests.fakes.ollama_server import FakeOllama  # noqa: E402 - after the test environment is set
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402 - after the test environment is set
from workshop_app.db.engine import get_engine  # noqa: E402 - after the test environment is set
from workshop_app.db.migrations import upgrade_database  # noqa: E402 - after the test environment is set
from workshop_app.services.ollama.backends import get_backends  # noqa: E402 - after the test environment is set
from workshop_app.settings import get_settings  # noqa: E402 - after the test environment is set

pytest_plugins = ["tests.support.gc_freeze", "tests.support.hang_report"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def reset_settings_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_backends.cache_clear()


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOllama]:
    with FakeOllama(host="127.0.0.1", port=0) as fake:
        yield fake


@pytest.fixture
def fake_ollama(fake_server: FakeOllama, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOllama]:
    """The fake, reset to defaults, and the app's settings pointed at it."""
    fake_server.reset()
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", fake_server.url)
    monkeypatch.setenv("WORKSHOP_OLLAMA_RETRIES", "2")
    reset_settings_caches()
    yield fake_server
    fake_server.accept_connections()
    fake_server.reset()
    reset_settings_caches()


@pytest.fixture(scope="session")
def migrated_database() -> str:
    """The session database, migrated to the newest revision."""
    reset_settings_caches()
    settings = get_settings()
    upgrade_database(settings)
    return settings.database_url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session: Playwright's sync API allows one instance per thread,
    so the end-to-end and real-model tiers share it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return _SESSION_DIR


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: sync Playwright keeps its event loop alive in the main thread."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
