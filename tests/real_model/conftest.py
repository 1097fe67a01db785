"""The real-model tier: the platform's main flows on the built-in engine with real models.

One engine per test session (starting it and loading a model costs seconds), with its own
model store in the session's data directory; tests point the app's settings at it the way
`fake_ollama` points them at the fake. The models are tiny: tests assert on structure and
flow (streams, stops, retrieval order, tool calls), never on facts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import reset_settings_caches
from workshop_app import engine_launch
from workshop_app.db.migrations import PROJECT_ROOT
from workshop_app.services.ollama.scheduler import set_host_slots

CHAT_MODEL = "smollm2:135m"
EMBED_MODEL = "all-minilm:latest"
PULL_TIMEOUT_S = 300


def install(url: str, model: str) -> None:
    """Pull `model` into the engine's store unless it is there (a copy from setup's cache)."""
    names = {entry["name"] for entry in httpx.get(f"{url}/api/tags", timeout=10).json()["models"]}
    if model not in names:
        answer = httpx.post(f"{url}/api/pull", json={"model": model, "stream": False}, timeout=PULL_TIMEOUT_S)
        assert answer.status_code == 200 and answer.json().get("status") == "success", answer.text


@pytest.fixture(scope="session")
def engine_url(session_dir: Path, artifacts: Path) -> Iterator[str]:
    """The built-in engine, started as `workshop run` starts it, with both default models installed."""
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "WORKSHOP_ENGINE_MODELS_DIR": str(session_dir / "engine-models"),
    }
    with open(artifacts / "engine.log", "w") as log:
        engine = engine_launch.start_engine(env, output=log)
    try:
        for model in (CHAT_MODEL, EMBED_MODEL):
            install(engine.url, model)
        yield engine.url
    finally:
        engine.stop()


@pytest.fixture
def real_engine(engine_url: str, migrated_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's settings pointed at the session's engine (the only host)."""
    monkeypatch.setenv("WORKSHOP_OLLAMA_URLS", engine_url)
    reset_settings_caches()
    yield engine_url
    set_host_slots(engine_url, None)
    reset_settings_caches()
