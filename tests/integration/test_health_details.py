"""GET /health/details: every dependency, the reason for a bad status, and bounded waits."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.redis import redis_server
from workshop_app.api import build_api


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api())


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: the worst kind of dependency."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _by_name(body: dict) -> dict[str, dict]:
    return {dep["name"]: dep for dep in body["dependencies"]}


def test_details_report_each_dependency_when_all_is_well(client: TestClient, fake_ollama: FakeOllama) -> None:
    # The fake starts with nothing in memory; load one model so "models loaded" has content.
    httpx.post(f"{fake_ollama.url}/api/generate", json={"model": "llama3.2:1b", "keep_alive": "5m"}, timeout=5)
    response = client.get("/health/details")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok", body["reason"]
    deps = _by_name(body)
    assert deps["database"]["ok"] and deps["database"]["info"]["revision"]
    ollama = deps[f"ollama {fake_ollama.url}"]
    assert ollama["ok"] and ollama["latency_ms"] > 0
    assert ollama["info"]["version"]
    assert ollama["info"]["models_loaded"] == ["llama3.2:1b"]
    assert deps["disk"]["info"]["free_bytes"] > 0
    assert deps["chroma"]["detail"].startswith("embedded")
    assert "redis" not in deps  # not configured, not reported


def test_ollama_down_degrades_with_the_reason(client: TestClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    body = client.get("/health/details").json()
    assert body["status"] == "degraded"
    assert f"ollama {fake_ollama.url}" in body["reason"]
    assert _by_name(body)[f"ollama {fake_ollama.url}"]["ok"] is False


def test_unreachable_dependencies_answer_within_a_second(
    client: TestClient, fake_ollama: FakeOllama, silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ollama.config.fault = "hang"
    monkeypatch.setenv("WORKSHOP_REDIS_URL", f"redis://127.0.0.1:{silent_port}/0")
    monkeypatch.setenv("WORKSHOP_CHROMA_URL", f"http://127.0.0.1:{silent_port}")
    reset_settings_caches()
    started = time.perf_counter()
    body = client.get("/health/details").json()
    elapsed = time.perf_counter() - started
    deps = _by_name(body)
    assert body["status"] == "degraded"
    for name in ("redis", "chroma", f"ollama {fake_ollama.url}"):
        assert deps[name] == {**deps[name], "ok": False, "detail": "no answer within 1 s"}
    assert elapsed < 2.0  # every probe is bounded at 1 s and they run side by side


def test_database_down_is_down_with_503(
    client: TestClient, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{_closed_port()}/nothing")
    reset_settings_caches()
    response = client.get("/health/details")
    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["reason"].startswith("database:")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.redis
def test_a_configured_redis_is_reported_with_its_version(
    client: TestClient, fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    with redis_server() as url:
        monkeypatch.setenv("WORKSHOP_REDIS_URL", url)
        reset_settings_caches()
        body = client.get("/health/details").json()
    redis = _by_name(body)["redis"]
    assert redis["ok"] is True and redis["detail"].startswith("Redis ")
    assert body["status"] == "ok"
