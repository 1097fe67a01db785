"""The model builder's REST face over two fake hosts: 201, 409, 404, 422, 403 and the catalog's `built`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import reset_settings_caches
from tests.support.accounts import bearer, unique_name
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.api import build_api
from workshop_app.db.users import Role


@pytest.fixture
def client(two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("WORKSHOP_OLLAMA_PROBE_TIMEOUT", "3")  # a loaded test machine still gets whole answers
    reset_settings_caches()
    with TestClient(build_api()) as client:
        client.headers.update(bearer(Role.INSTRUCTOR))
        yield client


def recipe(name: str, **changes: object) -> dict:
    return {
        "name": name,
        "base": "llama3.2:1b",
        "system": "You are a pirate.",
        "parameters": {"temperature": 0.3},
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Arr!"}],
    } | changes


def test_build_list_copy_and_delete(client: TestClient, two_hosts: Hosts) -> None:
    name, copy = f"{unique_name('pirate')}:v1", f"{unique_name('pirate')}:v2"
    built = client.post("/api/v1/built-models", json=recipe(name))
    assert built.status_code == 201, built.text
    assert set(built.json()["hosts"]) == {two_hosts.a.url, two_hosts.b.url}
    assert built.json()["author"] == "Rest"
    model = client.get(f"/api/models/{name}").json()
    assert model["built"] == {"from": "llama3.2:1b", "by": "Rest"}
    assert any(r["name"] == name for r in client.get("/api/v1/built-models").json())
    copied = client.post(f"/api/v1/built-models/{name}/copy", json={"destination": copy})
    assert copied.status_code == 201 and copied.json()["system"] == "You are a pirate."
    deleted = client.delete(f"/api/v1/built-models/{name}")
    assert set(deleted.json()["deleted_from"]) == {two_hosts.a.url, two_hosts.b.url}
    assert client.get(f"/api/models/{name}").status_code == 404
    assert client.get(f"/api/models/{copy}").json()["built"]["from"] == "llama3.2:1b"


def test_a_taken_name_is_409_and_replace_rebuilds(client: TestClient) -> None:
    name = f"{unique_name('taken')}:v1"
    assert client.post("/api/v1/built-models", json=recipe(name)).status_code == 201
    again = client.post("/api/v1/built-models", json=recipe(name, system="Other."))
    assert again.status_code == 409
    assert again.json()["message"] == f"A model named {name} already exists."
    assert "replaces it" in again.json()["hint"]
    rebuilt = client.post("/api/v1/built-models", json=recipe(name, system="Other.", replace=True))
    assert rebuilt.status_code == 201 and rebuilt.json()["system"] == "Other."
    assert client.post("/api/v1/built-models", json=recipe("llama3.2:1b", base="qwen2.5:0.5b")).status_code == 409


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"base": "gemma3:1b"}, 404, "The base model gemma3:1b is not on any Ollama host."),
        ({"name": "no spaces please"}, 422, "is not a valid model name"),
        ({"parameters": {"temperature": "hot"}}, 422, "temperature must be a number"),
        ({"messages": [{"role": "narrator", "content": "x"}]}, 422, "needs a role"),
    ],
)
def test_bad_requests_are_explained(client: TestClient, changes: dict, status: int, words: str) -> None:
    response = client.post("/api/v1/built-models", json=recipe(changes.pop("name", "fine:v1"), **changes))
    assert response.status_code == status
    assert words in response.json()["message"]


def test_attendees_without_the_workshop_setting_get_403(client: TestClient) -> None:
    response = client.post("/api/v1/built-models", json=recipe("mine:v1"), headers=bearer(Role.ATTENDEE))
    assert response.status_code == 403
    assert "does not let attendees build" in response.json()["message"]


def test_the_builder_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    post = paths["/api/v1/built-models"]["post"]
    assert {"201", "403", "404", "409", "422", "502", "503"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("RecipeIn")
    assert "delete" in paths["/api/v1/built-models/{name}"]


def test_a_workshop_lets_its_attendees_build_models(client: TestClient) -> None:
    body = {"title": unique_name("builders"), "attendees_build_models": True}
    created = client.post("/api/v1/workshops", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["attendees_build_models"] is True
    assert client.post("/api/v1/workshops", json={"title": unique_name("x")}).json()["attendees_build_models"] is False
