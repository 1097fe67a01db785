"""The models REST face over two hosts: shapes, 404/503/422/403 mapping, streamed pull progress."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import reset_settings_caches
from tests.support.accounts import actor_of, make_user
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.api import build_api
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key


def bearer(role: Role) -> dict[str, str]:
    _, key = create_api_key(actor_of(make_user(role, "models")), "tests")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """One event loop for the whole test, as in the running app (background checks and pulls live in it)."""
    monkeypatch.setenv("WORKSHOP_OLLAMA_HEALTH_INTERVAL", "0.2")
    reset_settings_caches()
    with TestClient(build_api()) as client:
        client.headers.update(bearer(Role.INSTRUCTOR))
        yield client


def eventually_status(client: TestClient, path: str, expected: int, timeout: float = 3.0):
    """The answer once the background check (every 0.2 s here) has noticed a change."""
    deadline = time.monotonic() + timeout
    while (response := client.get(path)).status_code != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return response


def test_the_catalog_has_the_reports_shape(client: TestClient, two_hosts: Hosts) -> None:
    body = client.get("/api/models").json()
    assert [h["url"] for h in body["hosts"]] == [two_hosts.a.url, two_hosts.b.url]
    llama = next(m for m in body["models"] if m["name"] == "llama3.2:1b")
    assert llama["provider"] == "ollama"
    assert llama["health"]["status"] == "healthy"
    assert [h["url"] for h in llama["health"]["hosts"]] == [two_hosts.a.url, two_hosts.b.url]
    assert llama["capabilities"] == ["completion", "tools"]
    assert llama["config"]["context_length"] == 131_072
    assert body["checked_age_s"] is not None
    assert client.get("/api/models/llama3.2:1b").json()["name"] == "llama3.2:1b"
    assert client.get("/api/v1/models/list").json()["models"] == body["models"]


def test_the_model_list_does_not_wait_for_a_host_that_hangs(
    client: TestClient, two_hosts: Hosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_PROBE_TIMEOUT", "10")  # the hung host's check would take 10 s
    reset_settings_caches()
    two_hosts.b.config.fault = "hang"
    started = time.monotonic()
    response = client.get("/api/models")
    assert time.monotonic() - started < 5, "answered after about a second, not after the hung host's check"
    hosts = response.json()["hosts"]
    assert hosts[0]["reachable"] and not hosts[1]["reachable"]


def test_unknown_model_is_404_unreachable_host_is_503_bad_name_is_422(client: TestClient, two_hosts: Hosts) -> None:
    assert client.get("/api/v1/models/mistral:7b/status").status_code == 404
    assert client.get("/api/models/mistral:7b").status_code == 404
    assert client.delete("/api/v1/models/llava:7b", params={"host": two_hosts.a.url}).status_code == 200
    two_hosts.b.refuse_connections()
    response = eventually_status(client, "/api/v1/models/llava:7b/status", 503)
    assert two_hosts.b.url in response.json()["message"], "llava was last seen on the host that is down"
    bad = client.post("/api/v1/models/validate-version", json={"name": "llama3; rm -rf /"})
    assert bad.status_code == 422
    assert "not a valid model name" in bad.json()["message"]
    assert client.post("/api/v1/models/pull", json={"name": "../etc/passwd"}).status_code == 422
    assert client.post("/api/v1/models/validate-version", json={"name": "hf.co/org/repo:Q4_K_M"}).json()["valid"]


def test_attendees_may_look_but_not_manage(client: TestClient) -> None:
    attendee = bearer(Role.ATTENDEE)
    assert client.get("/api/v1/models/list", headers=attendee).status_code == 200
    for response in (
        client.post("/api/v1/models/pull", json={"name": "gemma3:1b"}, headers=attendee),
        client.post("/api/v1/models/load", json={"name": "llama3.2:1b"}, headers=attendee),
        client.delete("/api/v1/models/llama3.2:1b/unload", headers=attendee),
        client.delete("/api/v1/models/llama3.2:1b", headers=attendee),
    ):
        assert response.status_code == 403
    assert client.get("/api/v1/models/list", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_pull_streams_summed_progress_to_success(client: TestClient, two_hosts: Hosts) -> None:
    two_hosts.b.config.pull_line_delay = 0.1
    lines = []
    with client.stream("POST", "/api/v1/models/pull", json={"name": "gemma3:1b", "host": two_hosts.b.url}) as response:
        assert response.status_code == 200
        lines = [json.loads(line) for line in response.iter_lines() if line]
    done = [line["completed"] for line in lines]
    assert done == sorted(done), "bytes done never go backwards"
    assert lines[-1]["state"] == "done" and lines[-1]["percent"] == 100
    assert lines[-1]["total"] == 815_319_791, "the sum of every layer's size"
    assert any(0 < line["percent"] < 100 for line in lines), "progress shows in between"
    status = client.get("/api/v1/models/gemma3:1b/status").json()
    assert [h["url"] for h in status["health"]["hosts"]] == [two_hosts.b.url]


def test_load_and_unload_change_the_state(client: TestClient, two_hosts: Hosts) -> None:
    loaded = client.post("/api/v1/models/load", json={"name": "qwen2.5:0.5b", "host": two_hosts.b.url}).json()
    placements = {h["url"]: h for h in loaded["model"]["health"]["hosts"]}
    assert placements[two_hosts.b.url]["loaded"] and placements[two_hosts.b.url]["expires_at"]
    assert not placements.get(two_hosts.a.url, {}).get("loaded"), "only the chosen host loads it"
    unloaded = client.delete("/api/v1/models/qwen2.5:0.5b/unload").json()
    assert unloaded["hosts"] == [two_hosts.b.url]
    assert not any(h["loaded"] for h in unloaded["model"]["health"]["hosts"])


def test_resources_report_the_machine_and_each_host(client: TestClient, two_hosts: Hosts) -> None:
    body = client.get("/api/v1/models/resources").json()
    assert 0 < body["ram_used_bytes"] < body["ram_total_bytes"]
    assert 0 <= body["cpu_percent"] <= 100
    assert [h["url"] for h in body["hosts"]] == [two_hosts.a.url, two_hosts.b.url]


def test_openapi_documents_the_model_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/api/models",
        "/api/models/{name}",
        "/api/v1/models/list",
        "/api/v1/models/load",
        "/api/v1/models/{name}/unload",
        "/api/v1/models/{name}/status",
        "/api/v1/models/resources",
        "/api/v1/models/validate-version",
        "/api/v1/models/pull",
        "/api/v1/models/{name}",
    }
    assert expected <= set(paths)
    assert all(operation.get("summary") for path in expected for operation in paths[path].values())
