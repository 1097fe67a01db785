"""The REST API at its edges: numbers too large to be ids or limits, and workshop model lists checked
against the hosts, each refused with a sentence instead of a server error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import bearer
from workshop_app.api import build_api
from workshop_app.db.users import Role

HUGE = 99189525922286534656


@pytest.fixture
def client(migrated_database: str, fake_ollama: FakeOllama) -> TestClient:
    return TestClient(build_api())


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/tools/{HUGE}"),
        ("DELETE", f"/api/v1/tools/{HUGE}"),
        ("GET", f"/api/v1/users/{HUGE}"),
        ("GET", f"/api/v1/workshops/{HUGE}"),
        ("DELETE", f"/api/v1/workshops/1/attendees/{HUGE}"),
        ("DELETE", f"/api/v1/api-keys/{2**31}"),
        ("GET", f"/api/v1/tools/export?ids={HUGE}"),
    ],
)
def test_an_id_too_large_to_exist_is_refused_with_a_sentence(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, headers=bearer(Role.ADMIN))
    assert response.status_code in (404, 405, 422), response.text
    if response.status_code == 422:
        assert response.json()["message"].startswith("Invalid request — ")


@pytest.mark.parametrize("limits", [{"tokens_per_day": 1e30}, {"requests_per_minute": HUGE}, {"tokens_per_day": 2**31}])
def test_workshop_limits_too_large_to_store_are_refused(client: TestClient, limits: dict[str, float]) -> None:
    response = client.post("/api/v1/workshops", json={"title": "Huge", **limits}, headers=bearer(Role.INSTRUCTOR))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InvalidInput" and next(iter(limits)) in body["message"]


def test_a_workshop_cannot_list_a_model_that_no_host_has(client: TestClient) -> None:
    teacher = bearer(Role.INSTRUCTOR)
    refused = client.post(
        "/api/v1/workshops", json={"title": "Typo", "allowed_models": ["llama3.2:1b", "lama3:8b"]}, headers=teacher
    )
    assert refused.status_code == 422
    assert refused.json()["message"] == "No Ollama host has lama3:8b, so attendees could not use it."

    created = client.post(
        "/api/v1/workshops", json={"title": "Fine", "allowed_models": ["llama3.2:1b", "qwen2.5:0.5b"]}, headers=teacher
    )
    assert created.status_code == 201
    changed = client.put(
        f"/api/v1/workshops/{created.json()['id']}",
        json={"title": "Fine", "allowed_models": ["nope:1b"]},
        headers=teacher,
    )
    assert changed.status_code == 422 and "nope:1b" in changed.json()["message"]


def test_the_openapi_document_declares_every_refusal_and_the_gateways_bodies() -> None:
    paths = build_api().openapi()["paths"]
    for path, operations in paths.items():
        if not path.startswith(("/api/", "/ollama/", "/v1/")):
            continue
        for method, operation in operations.items():
            declared = set(operation["responses"])
            expected = {"400", "401", "403", "404", "429", "503"}
            if path.startswith("/api/"):
                expected |= {"409", "422"}
            assert expected <= declared, f"{method.upper()} {path} lacks {sorted(expected - declared)}"
    for path in (
        "/ollama/api/chat",
        "/ollama/api/generate",
        "/ollama/api/embed",
        "/ollama/api/show",
        "/v1/chat/completions",
        "/v1/embeddings",
    ):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" in body, f"{path} has a real request schema"
