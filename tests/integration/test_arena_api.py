"""The arena over REST: open, play a round, vote (names only after it), the leaderboard as JSON and CSV."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.api import build_api
from workshop_app.db.users import Role, User
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

MODELS = ["llama3.2:1b", "qwen2.5:0.5b"]


def _headers(user: User) -> dict[str, str]:
    _, key = create_api_key(actor_of(user), "tests")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api())


@pytest.fixture
def room(client: TestClient):
    teacher = make_user(Role.INSTRUCTOR, "arena-teacher")
    workshop = create_workshop(actor_of(teacher), WorkshopDraft("Arena"))
    judge = make_user(Role.ATTENDEE, "judge", workshop_id=workshop.id)
    neighbour = make_user(Role.ATTENDEE, "neighbour", workshop_id=workshop.id)
    return f"/api/v1/workshops/{workshop.id}/arena", _headers(teacher), _headers(judge), _headers(neighbour)


def test_a_round_over_rest_from_prompt_to_leaderboard(client: TestClient, room, fake_ollama: FakeOllama) -> None:
    base, teacher, judge, neighbour = room
    assert client.put(base, json={"models": MODELS}, headers=teacher).json()["models"] == MODELS
    played = client.post(f"{base}/rounds", json={"prompt": "Name a fruit"}, headers=judge)
    assert played.status_code == 201, played.text
    body = played.json()
    assert body["models"] == [] and all(r.startswith("Echo: Name a fruit") for r in body["replies"])
    assert not any(name in played.text for name in MODELS)
    assert client.get(f"{base}/rounds", headers=neighbour).json() == []
    assert client.post(f"{base}/rounds/{body['id']}/vote", json={"vote": "a"}, headers=neighbour).status_code == 404
    elsewhere = f"/api/v1/workshops/{int(base.split('/')[-2]) + 1000}/arena"  # a path naming another workshop
    assert client.post(f"{elsewhere}/rounds/{body['id']}/vote", json={"vote": "a"}, headers=judge).status_code == 404
    voted = client.post(f"{base}/rounds/{body['id']}/vote", json={"vote": "a"}, headers=judge).json()
    assert sorted(voted["models"]) == MODELS
    again = client.post(f"{base}/rounds/{body['id']}/vote", json={"vote": "b"}, headers=judge)
    assert again.status_code == 422 and "already voted" in again.text
    board = client.get(f"{base}/leaderboard", headers=teacher).json()
    assert [(row["model"], row["votes"], row["wins"]) for row in board][0] == (voted["models"][0], 1, 1)
    csv = client.get(f"{base}/leaderboard.csv", headers=teacher)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith(f"1,{voted['models'][0]},")
    assert client.get(f"{base}/leaderboard", headers=judge).status_code == 403


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"models": ["llama3.2:1b"]}, "at least 2"), ({"models": []}, "at least 2"), ({"models": "x"}, "")],
)
def test_an_arena_with_fewer_than_two_models_is_refused(client: TestClient, room, body: dict, expected: str) -> None:
    base, teacher, _, _ = room
    response = client.put(base, json=body, headers=teacher)
    assert response.status_code == 422 and expected in response.text


def test_bad_votes_and_missing_arenas_are_4xx(client: TestClient, room) -> None:
    base, teacher, judge, _ = room
    assert client.get(f"{base}/leaderboard", headers=teacher).json() == []
    assert client.get(base, headers=judge).status_code == 404
    assert client.post(f"{base}/rounds", json={"prompt": "hi"}, headers=judge).status_code == 404
    assert client.post(f"{base}/rounds/1/vote", json={"vote": "maybe"}, headers=judge).status_code == 422
    assert client.put(base, json={"models": MODELS}, headers=judge).status_code == 403
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"/api/v1/workshops/{{workshop_id}}/arena{tail}" for tail in ("", "/rounds", "/leaderboard.csv")} <= set(
        paths
    )
