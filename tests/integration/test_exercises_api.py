"""Exercises over REST: authoring with refusals as 4xx, submissions with per-check reasons, the board."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.api import build_api
from workshop_app.db.users import Role, User
from workshop_app.services.accounts.api_keys import create_api_key
from workshop_app.services.chat import history as chats
from workshop_app.services.chat.history import ChatSettings
from workshop_app.services.workshops.lifecycle import WorkshopDraft, create_workshop

EXERCISE = {
    "title": "Name a fruit",
    "instructions": "Ask for a **fruit**.",
    "checks": [{"kind": "contains", "words": ["fruit"]}, {"kind": "regex", "pattern": "^\\{"}],
    "model_answer": "{}",
}


def _headers(user: User) -> dict[str, str]:
    _, key = create_api_key(actor_of(user), "tests")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(migrated_database: str) -> TestClient:
    return TestClient(build_api())


async def _reply_of(user: User, text: str) -> str:
    actor = actor_of(user)
    chat_id = chats.send_message(actor, None, ChatSettings("qwen2.5:0.5b"), text)
    [_ async for _ in chats.stream_chat_reply(actor, chat_id)]
    return f"chat_message:{chats.get_chat(actor, chat_id).messages[-1].id}"


async def test_write_submit_and_watch_over_rest(client: TestClient, fake_ollama: FakeOllama) -> None:
    teacher = make_user(Role.INSTRUCTOR, "rest-teacher")
    workshop = create_workshop(actor_of(teacher), WorkshopDraft("REST exercises"))
    ada = make_user(Role.ATTENDEE, "ada", workshop_id=workshop.id)
    bob = make_user(Role.ATTENDEE, "bob", workshop_id=workshop.id)
    base, teach, as_ada, as_bob = (
        f"/api/v1/workshops/{workshop.id}/exercises",
        _headers(teacher),
        _headers(ada),
        _headers(bob),
    )

    bad = client.post(base, json={**EXERCISE, "checks": [{"kind": "regex", "pattern": "(("}]}, headers=teach)
    assert bad.status_code == 422 and "Check 1 (regex)" in bad.json()["message"]
    assert client.post(base, json=EXERCISE, headers=as_ada).status_code == 403
    created = client.post(base, json=EXERCISE, headers=teach)
    assert created.status_code == 201, created.text
    exercise = created.json()
    assert exercise["check_labels"] == ["Reply contains “fruit”", "Reply matches /^\\{/"]
    listed = client.get(base, headers=as_ada).json()
    assert [(e["title"], e["model_answer"]) for e in listed] == [("Name a fruit", "")]

    source = await _reply_of(ada, "Name a fruit")
    submitted = client.post(f"{base}/{exercise['id']}/submissions", json={"source": source}, headers=as_ada)
    assert submitted.status_code == 201, submitted.text
    assert [(r["passed"], r["reason"]) for r in submitted.json()["results"]] == [
        (True, ""),
        (False, "the reply does not match /^\\{/"),
    ]
    assert (
        client.post(f"{base}/{exercise['id']}/submissions", json={"source": source}, headers=as_bob).status_code == 404
    )
    assert client.get(f"{base}/{exercise['id']}/submissions", headers=as_bob).json() == []
    garbage = client.post(f"{base}/{exercise['id']}/submissions", json={"source": "chat_message:x"}, headers=as_ada)
    assert garbage.status_code == 422

    assert client.get(f"{base}/board", headers=as_ada).status_code == 403
    board = client.get(f"{base}/board", headers=teach).json()
    assert board["exercises"] == ["Name a fruit"]
    assert [(row["cells"][0]["progress"], row["cells"][0]["attempts"]) for row in board["rows"]] == [
        ("trying", 1),
        ("not started", 0),
    ]
    revealed = client.post(f"{base}/{exercise['id']}/reveal", json={"revealed": True}, headers=teach)
    assert revealed.status_code == 200 and client.get(base, headers=as_ada).json()[0]["model_answer"] == "{}"
    elsewhere = f"/api/v1/workshops/{workshop.id + 1000}/exercises/{exercise['id']}"
    assert client.put(elsewhere, json=EXERCISE, headers=teach).status_code == 404
    assert client.delete(f"{base}/{exercise['id']}", headers=teach).status_code == 204
    assert client.get(base, headers=teach).json() == []
