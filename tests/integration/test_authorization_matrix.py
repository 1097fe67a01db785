"""Every action on every resource type, tried by every kind of person, through both faces.

People are named relative to the resource: its owner (the instructor running the
workshop; the holder of the account or API key), an attendee of the same workshop,
an attendee of another workshop, an instructor who is not the owner (another
workshop's for a workshop; the holder's own instructor for an account or key),
an admin, and nobody. Only the allowed combinations may pass, in the services
(typed errors) and in the REST API (401 / 403); a refused action changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.fakes.ollama_server import FakeOllama
from tests.support.host_checks import hosts_checked
from tests.support.personas import PERSONAS, build_cast
from workshop_app.api import build_api
from workshop_app.db.engine import session_scope
from workshop_app.db.users import ApiKey, Role, User
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.accounts import users
from workshop_app.services.accounts.api_keys import create_api_key, revoke_api_key
from workshop_app.services.core.errors import Forbidden, Unauthorized
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.lifecycle import WorkshopDraft
from workshop_app.services.workshops.policy import Actor

OWNER_ADMIN = {"owner", "admin"}
SIGNED_IN = set(PERSONAS) - {"anonymous"}


@dataclass
class World:
    """Two workshops with their instructors and attendees; `peer` is the account under test."""

    people: dict[str, Actor]
    keys: dict[str, str]
    workshop: Workshop
    peer: Actor
    peer_key: ApiKey

    def who(self, kind: str, persona: str) -> str | None:
        """The person behind a persona for this kind of resource."""
        if persona == "anonymous":
            return None
        if kind == "workshop":
            return {"owner": "i1", "instructor": "i2"}.get(persona, persona)
        return {"owner": "peer", "instructor": "i1"}.get(persona, persona)

    def snapshot(self) -> tuple:
        """Everything a refused action could have changed."""
        with session_scope() as session:
            workshop = session.get(Workshop, self.workshop.id)
            peer = session.get(User, self.peer.id)
            key = session.get(ApiKey, self.peer_key.id)
            member = session.exec(select(WorkshopMember).where(WorkshopMember.user_id == self.peer.id)).one()
            count = len(session.exec(select(Workshop.id)).all())
            return (
                workshop and workshop.model_dump(),
                peer and peer.model_dump(exclude={"last_active_at"}),
                key and key.revoked_at,
                member.removed_at,
                count,
            )


def build_world() -> World:
    cast = build_cast()
    peer_key, _ = create_api_key(cast.people["peer"], "target")
    return World(cast.people, cast.keys, cast.workshop, cast.people["peer"], peer_key)


@dataclass(frozen=True)
class Case:
    kind: str
    service: Callable[[Actor | None, World], Any]
    method: str
    path: Callable[[World], str]
    allowed: set[str]
    body: dict | None = None


def _w(world: World) -> str:
    return f"/api/v1/workshops/{world.workshop.id}"


def _u(world: World) -> str:
    return f"/api/v1/users/{world.peer.id}"


CASES: dict[str, Case] = {
    "read workshop": Case(
        "workshop",
        lambda a, w: workshops.get_workshop(a, w.workshop.id),
        "GET",
        _w,
        {"owner", "same_workshop_attendee", "admin"},
    ),
    "edit workshop": Case(
        "workshop",
        lambda a, w: workshops.update_workshop(a, w.workshop.id, WorkshopDraft("Renamed")),
        "PUT",
        _w,
        OWNER_ADMIN,
        {"title": "Renamed"},
    ),
    "close workshop": Case(
        "workshop",
        lambda a, w: workshops.set_open(a, w.workshop.id, False),
        "POST",
        lambda w: _w(w) + "/close",
        OWNER_ADMIN,
    ),
    "read roster": Case(
        "workshop", lambda a, w: workshops.roster(a, w.workshop.id), "GET", lambda w: _w(w) + "/attendees", OWNER_ADMIN
    ),
    "remove attendee": Case(
        "workshop",
        lambda a, w: workshops.remove_attendee(a, w.workshop.id, w.peer.id),
        "DELETE",
        lambda w: f"{_w(w)}/attendees/{w.peer.id}",
        OWNER_ADMIN,
    ),
    "delete workshop": Case(
        "workshop", lambda a, w: workshops.delete_workshop(a, w.workshop.id), "DELETE", _w, OWNER_ADMIN
    ),
    "create workshop": Case(
        "workshop",
        lambda a, w: workshops.create_workshop(a, WorkshopDraft("New")),
        "POST",
        lambda w: "/api/v1/workshops",
        {"owner", "instructor", "admin"},
        {"title": "New"},
    ),
    "read account": Case("account", lambda a, w: users.get_account(a, w.peer.id), "GET", _u, OWNER_ADMIN),
    "rename account": Case(
        "account",
        lambda a, w: users.update_display_name(a, w.peer.id, "Renamed"),
        "PATCH",
        _u,
        OWNER_ADMIN,
        {"display_name": "Renamed"},
    ),
    "change role": Case(
        "account",
        lambda a, w: users.change_role(a, w.peer.id, Role.INSTRUCTOR),
        "PATCH",
        _u,
        {"admin"},
        {"role": "instructor"},
    ),
    "disable account": Case(
        "account", lambda a, w: users.set_disabled(a, w.peer.id, True), "PATCH", _u, {"admin"}, {"disabled": True}
    ),
    "reset password": Case(
        "account",
        lambda a, w: users.reset_password(a, w.peer.id),
        "POST",
        lambda w: _u(w) + "/reset-password",
        {"admin"},
    ),
    "list accounts": Case("account", lambda a, w: users.list_accounts(a), "GET", lambda w: "/api/v1/users", {"admin"}),
    "revoke api key": Case(
        "api key",
        lambda a, w: revoke_api_key(a, w.peer_key.id),
        "DELETE",
        lambda w: f"/api/v1/api-keys/{w.peer_key.id}",
        OWNER_ADMIN,
    ),
}
MATRIX = [(action, persona) for action in CASES for persona in PERSONAS]


@pytest.fixture
def world(migrated_database: str) -> World:
    return build_world()


@pytest.mark.parametrize(("action", "persona"), MATRIX)
def test_services_allow_only_the_allowed(world: World, action: str, persona: str) -> None:
    case = CASES[action]
    name = world.who(case.kind, persona)
    actor = world.people[name] if name else None
    if persona in case.allowed:
        case.service(actor, world)
        return
    before = world.snapshot()
    with pytest.raises(Unauthorized if actor is None else Forbidden):
        case.service(actor, world)
    assert world.snapshot() == before


@pytest.mark.parametrize(("action", "persona"), MATRIX)
def test_rest_allows_only_the_allowed(world: World, action: str, persona: str) -> None:
    case = CASES[action]
    name = world.who(case.kind, persona)
    headers = {"Authorization": f"Bearer {world.keys[name]}"} if name else {}
    before = world.snapshot()
    response = TestClient(build_api()).request(case.method, case.path(world), json=case.body, headers=headers)
    if persona in case.allowed:
        assert response.status_code < 300, response.text
        return
    assert response.status_code == (401 if name is None else 403), response.text
    assert response.json()["hint"], "a refusal says what to do next"
    assert world.snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_models_need_a_key_and_attendees_see_their_workshops_models(
    world: World, fake_ollama: FakeOllama, persona: str
) -> None:
    workshops.update_workshop(
        world.people["i1"], world.workshop.id, WorkshopDraft("Owned workshop", allowed_models=("qwen2.5:0.5b",))
    )
    asyncio.run(hosts_checked())  # about who sees which models, not how long a first check may take
    name = world.who("models", persona)
    headers = {"Authorization": f"Bearer {world.keys[name]}"} if name else {}
    response = TestClient(build_api()).get("/api/v1/models", headers=headers)
    if name is None:
        assert response.status_code == 401
        return
    names = {model["name"] for model in response.json()["models"]}
    if name in {"peer", "same_workshop_attendee"}:
        assert names == {"qwen2.5:0.5b"}
    else:
        assert {"qwen2.5:0.5b", "llama3.2:1b"} <= names


def test_every_v1_route_refuses_a_request_without_a_key(migrated_database: str) -> None:
    api = build_api()
    client = TestClient(api)
    paths = api.openapi()["paths"]
    checked = 0
    for path, operations in paths.items():
        if not path.startswith("/api/v1"):
            continue
        concrete = path.replace("{", "").replace("}", "").replace("_id", "1")
        for method in operations:
            for headers in ({}, {"Authorization": "Bearer owk_not-a-real-key"}, {"Authorization": "Basic abc"}):
                response = client.request(method.upper(), concrete, headers=headers)
                assert response.status_code == 401, (method, path, headers, response.text)
            checked += 1
    assert checked >= 15
    assert client.get("/health").status_code == 200


def test_a_key_is_listed_without_its_secret_and_records_its_last_use(world: World) -> None:
    client = TestClient(build_api())
    headers = {"Authorization": f"Bearer {world.keys['peer']}"}
    created = client.post("/api/v1/api-keys", json={"name": "notebook"}, headers=headers).json()
    assert created["key"].startswith(created["prefix"])
    listed = client.get("/api/v1/api-keys", headers={"Authorization": f"Bearer {created['key']}"}).json()
    assert "key" not in listed[0] and all(world.keys["peer"] not in str(item) for item in listed)
    assert {item["name"] for item in listed} == {"notebook", "target", "matrix"}
    assert next(item for item in listed if item["name"] == "notebook")["last_used_at"] is not None
    assert client.delete(f"/api/v1/api-keys/{created['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['key']}"}).status_code == 401
