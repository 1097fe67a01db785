"""The REST face: health, the models listing, typed errors as status codes, OpenAPI docs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import bearer
from workshop_app.api import build_api


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api())


def test_health_reports_database_and_each_backend(client: TestClient, fake_ollama: FakeOllama) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert [b["name"] for b in body["ollama"]] == [fake_ollama.url]
    assert body["ollama"][0]["ok"] is True


def test_health_is_degraded_not_failing_when_ollama_is_down(client: TestClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["ollama"][0]["ok"] is False


def test_health_answers_quickly_when_ollama_hangs(client: TestClient, fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "hang"
    response = client.get("/health")
    assert response.json()["ollama"][0]["detail"] == "no answer within 1 s"


def test_models_lists_every_backend_model_with_its_host(client: TestClient, fake_ollama: FakeOllama) -> None:
    assert client.get("/api/v1/models").status_code == 401
    body = client.get("/api/v1/models", headers=bearer()).json()
    assert body["hosts"][0]["reachable"] is True
    names = {m["name"] for m in body["models"]}
    assert "llama3.2:1b" in names
    assert all(m["backend_url"] == fake_ollama.url for m in body["models"])


def test_openapi_docs_list_the_routes(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/api/v1/models"} <= set(paths)
