"""Tools over REST: define, read, change, delete, export and import, with the same checks and policy as the page."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.accounts import bearer, unique_name
from workshop_app.api import build_api


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api())


def weather(name: str | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "name": name or unique_name("weather").replace("-", "_"),
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "implementation": {"kind": "mock", "response": "It is sunny in {city}."},
        **changes,
    }


def test_a_tool_goes_through_its_whole_life(client: TestClient) -> None:
    me = bearer()
    assert client.get("/api/v1/tools").status_code == 401
    created = client.post("/api/v1/tools", json=weather(), headers=me)
    assert created.status_code == 201
    tool = created.json()
    assert (
        tool["implementation"] == {"kind": "mock", "response": "It is sunny in {city}."}
        and tool["visibility"] == "private"
    )
    assert [t["id"] for t in client.get("/api/v1/tools", headers=me).json()] == [tool["id"]]

    changed = client.put(
        f"/api/v1/tools/{tool['id']}", json=weather(tool["name"], description="Tomorrow's weather."), headers=me
    )
    assert changed.json()["description"] == "Tomorrow's weather."
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=me).json()["description"] == "Tomorrow's weather."

    assert client.delete(f"/api/v1/tools/{tool['id']}", headers=me).status_code == 204
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=me).status_code == 404


def test_a_broken_definition_is_refused_with_every_problem(client: TestClient) -> None:
    response = client.post(
        "/api/v1/tools",
        json=weather("2fast", parameters={"type": "array"}, implementation={"kind": "mock", "response": "Hi"}),
        headers=bearer(),
    )
    assert response.status_code == 422
    assert "The name must be an identifier" in response.json()["message"]
    assert '"type": "object" at the top level' in response.json()["message"]


def test_other_people_cannot_read_or_change_a_private_tool(client: TestClient) -> None:
    owner, stranger = bearer(), bearer()
    tool = client.post("/api/v1/tools", json=weather(), headers=owner).json()
    assert client.get(f"/api/v1/tools/{tool['id']}", headers=stranger).status_code == 403
    assert client.put(f"/api/v1/tools/{tool['id']}", json=weather(), headers=stranger).status_code == 403
    assert client.delete(f"/api/v1/tools/{tool['id']}", headers=stranger).status_code == 403
    assert client.get("/api/v1/tools", headers=stranger).json() == []


def test_an_export_imports_as_another_persons_tools_all_or_nothing(client: TestClient) -> None:
    instructor, attendee = bearer(), bearer()
    names = sorted(unique_name("tool").replace("-", "_") for _ in range(2))
    for name in names:
        client.post("/api/v1/tools", json=weather(name), headers=instructor)
    document = client.get("/api/v1/tools/export", headers=instructor).json()
    assert document["format"] == "workshop-tools" and [t["name"] for t in document["tools"]] == names

    broken = {
        **document,
        "tools": [*document["tools"], {"name": "oops", "description": "x", "implementation": {"kind": "shell"}}],
    }
    refused = client.post("/api/v1/tools/import", json=broken, headers=attendee)
    assert refused.status_code == 422 and "oops: The implementation kind must be one of" in refused.json()["message"]
    assert client.get("/api/v1/tools", headers=attendee).json() == []

    imported = client.post("/api/v1/tools/import", json=document, headers=attendee)
    assert imported.status_code == 201
    assert sorted(t["name"] for t in client.get("/api/v1/tools", headers=attendee).json()) == names
    first = imported.json()[0]["id"]
    assert [
        t["name"] for t in client.get("/api/v1/tools/export", params={"ids": [first]}, headers=attendee).json()["tools"]
    ] == [names[0]]


def test_parameters_nested_200_levels_deep_are_refused_with_a_reason(client: TestClient) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(200):
        schema = {"type": "object", "properties": {"inner": schema}}
    response = client.post("/api/v1/tools", json=weather(parameters=schema), headers=bearer())
    assert response.status_code == 422
    assert "nested deeper than 32 levels" in response.json()["message"]
