"""Saved tools are owned: private or shared with a workshop, changed only by their creator (or an admin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.accounts import actor_of, make_user, unique_name
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, Unauthorized
from workshop_app.services.tools import store
from workshop_app.services.tools.errors import InvalidDefinition
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.lifecycle import WorkshopDraft
from workshop_app.services.workshops.policy import Actor


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every test here reads and writes the session database."""


@dataclass
class Room:
    instructor: Actor
    alice: Actor
    bob: Actor  # same workshop as alice
    outsider: Actor  # another workshop
    admin: Actor


@pytest.fixture
def room() -> Room:
    teacher, other_teacher = make_user(Role.INSTRUCTOR, "teacher"), make_user(Role.INSTRUCTOR, "teacher")
    mine = workshops.create_workshop(actor_of(teacher), WorkshopDraft("Tools day"))
    theirs = workshops.create_workshop(actor_of(other_teacher), WorkshopDraft("Elsewhere"))
    return Room(
        instructor=actor_of(teacher),
        alice=actor_of(make_user(Role.ATTENDEE, "alice", workshop_id=mine.id)),
        bob=actor_of(make_user(Role.ATTENDEE, "bob", workshop_id=mine.id)),
        outsider=actor_of(make_user(Role.ATTENDEE, "carol", workshop_id=theirs.id)),
        admin=actor_of(make_user(Role.ADMIN, "admin")),
    )


def mock_tool(name: str | None = None, response: str = "It is sunny in {city}.") -> dict[str, Any]:
    return {
        "name": name or unique_name("weather").replace("-", "_"),
        "description": "Weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        "implementation": {"kind": "mock", "response": response},
    }


def visible_ids(actor: Actor) -> set[int]:
    return {record.id for record in store.list_tools(actor)}


def test_a_private_tool_is_seen_by_its_creator_alone(room: Room) -> None:
    tool = store.create_tool(room.alice, mock_tool())
    assert tool.workshop_id is not None
    assert {who for who, actor in vars(room).items() if tool.id in visible_ids(actor)} == {"alice"}


def test_a_workshop_tool_is_seen_by_the_whole_workshop_and_no_other(room: Room) -> None:
    tool = store.create_tool(room.instructor, mock_tool(), "workshop")
    assert {who for who, actor in vars(room).items() if tool.id in visible_ids(actor)} == {
        "instructor",
        "alice",
        "bob",
        "admin",
    }
    assert [definition.name for definition in store.definitions_for(room.bob, [tool.id])] == [tool.name]
    with pytest.raises(Forbidden):
        store.definitions_for(room.outsider, [tool.id])


@pytest.mark.parametrize("who", ["bob", "instructor"])
def test_only_the_creator_or_an_admin_changes_a_tool(room: Room, who: str) -> None:
    tool = store.create_tool(room.alice, mock_tool(), "workshop")
    with pytest.raises(Forbidden):
        store.update_tool(getattr(room, who), tool.id, mock_tool(tool.name, "Hacked."), "workshop")
    with pytest.raises(Forbidden):
        store.delete_tool(getattr(room, who), tool.id)
    assert store.get_tool(room.alice, tool.id).implementation["response"] == "It is sunny in {city}."
    store.update_tool(room.admin, tool.id, mock_tool(tool.name, "Rainy in {city}."), "private")
    assert store.get_tool(room.alice, tool.id).visibility == "private"
    store.delete_tool(room.alice, tool.id)
    assert tool.id not in visible_ids(room.alice)


def test_signed_out_people_cannot_list_or_create_tools(room: Room) -> None:
    with pytest.raises(Unauthorized):
        store.create_tool(None, mock_tool())
    with pytest.raises(Unauthorized):
        store.list_tools(None)


def test_an_invalid_definition_is_not_saved(room: Room) -> None:
    before = visible_ids(room.alice)
    with pytest.raises(InvalidDefinition, match="identifier"):
        store.create_tool(room.alice, mock_tool("no spaces allowed"))
    assert visible_ids(room.alice) == before


def test_a_name_is_used_once_per_person(room: Room) -> None:
    name = unique_name("calc").replace("-", "_")
    store.create_tool(room.alice, mock_tool(name))
    with pytest.raises(InvalidInput, match=f"You already have a tool named {name}"):
        store.create_tool(room.alice, mock_tool(name))
    store.create_tool(room.bob, mock_tool(name))  # someone else may


def test_sharing_needs_a_workshop_and_only_ones_own(room: Room) -> None:
    with pytest.raises(InvalidInput, match="no workshop to share"):
        store.create_tool(room.admin, mock_tool(), "workshop")
    with pytest.raises(Forbidden, match="workshop you are in or teach"):
        store.create_tool(room.alice, mock_tool(), "workshop", workshop_id=room.outsider.workshop_id)


def test_an_export_imports_as_copies_owned_by_the_importer(room: Room) -> None:
    first, second = (
        store.create_tool(room.instructor, mock_tool(), "workshop"),
        store.create_tool(room.instructor, mock_tool()),
    )
    exported = store.export_json(room.instructor, [first.id, second.id])
    copies = store.import_json(room.outsider, exported)
    assert [(copy.name, copy.creator_id, copy.visibility) for copy in copies] == [
        (first.name, room.outsider.id, "private"),
        (second.name, room.outsider.id, "private"),
    ]
    with pytest.raises(InvalidInput, match="You already have tools with some of these names"):
        store.import_json(room.outsider, exported)
    assert len([r for r in store.list_tools(room.outsider) if r.name in (first.name, second.name)]) == 2
