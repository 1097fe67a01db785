"""The one policy, on a resource of each visibility, for every kind of person and action.

Any future resource table (prompts, tools, documents, ...) carries the same three
ownership columns, so this table is the contract those features inherit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from workshop_app.db.ownership import Visibility
from workshop_app.db.users import Role, User
from workshop_app.services.core.errors import Forbidden, InvalidInput, Unauthorized
from workshop_app.services.workshops.policy import Action, Actor, allowed, for_moderation, require, require_role

WORKSHOP, OTHER_WORKSHOP = 10, 20

PEOPLE: dict[str, Actor | None] = {
    "owner": Actor(1, Role.ATTENDEE, workshop_id=WORKSHOP),
    "same_workshop_attendee": Actor(2, Role.ATTENDEE, workshop_id=WORKSHOP),
    "other_workshop_attendee": Actor(3, Role.ATTENDEE, workshop_id=OTHER_WORKSHOP),
    "workshop_instructor": Actor(4, Role.INSTRUCTOR, teaching=frozenset({WORKSHOP})),
    "other_instructor": Actor(5, Role.INSTRUCTOR, teaching=frozenset({OTHER_WORKSHOP})),
    "admin": Actor(6, Role.ADMIN),
    "anonymous": None,
}

R, W, D = Action.READ, Action.WRITE, Action.DELETE
ALL = {R, W, D}
EXPECTED: dict[Visibility, dict[str, set[Action]]] = {
    Visibility.PRIVATE: {"owner": ALL},  # private means private: not the instructor, not an admin browsing
    Visibility.WORKSHOP: {"owner": ALL, "same_workshop_attendee": {R}, "workshop_instructor": {R}, "admin": ALL},
    Visibility.PUBLIC: {
        "owner": ALL,
        "same_workshop_attendee": {R},
        "other_workshop_attendee": {R},
        "workshop_instructor": {R},
        "other_instructor": {R},
        "admin": ALL,
    },
}


@dataclass(frozen=True)
class Resource:
    creator_id: int
    workshop_id: int | None
    visibility: str


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("action", list(Action))
def test_the_policy_matrix(visibility: Visibility, person: str, action: Action) -> None:
    resource = Resource(creator_id=1, workshop_id=WORKSHOP, visibility=visibility)
    expected = action in EXPECTED[visibility].get(person, set())
    assert allowed(PEOPLE[person], action, resource) is expected


def test_an_admin_opens_private_items_only_through_a_logged_moderation(caplog: pytest.LogCaptureFixture) -> None:
    private = Resource(creator_id=1, workshop_id=WORKSHOP, visibility=Visibility.PRIVATE)
    with caplog.at_level("WARNING", logger="workshop_app.audit"):
        moderator = for_moderation(PEOPLE["admin"], "  reported: abusive  prompt ")
    assert all(allowed(moderator, action, private) for action in ALL)
    assert "moderation by" in caplog.text and "reported: abusive prompt" in caplog.text
    with pytest.raises(Forbidden):
        for_moderation(PEOPLE["workshop_instructor"], "curious")
    with pytest.raises(InvalidInput):
        for_moderation(PEOPLE["admin"], "   ")


def test_accounts_and_keys_stay_in_the_admins_care() -> None:
    account = User(id=1, username="someone", display_name="Someone", role=Role.ATTENDEE)
    assert all(allowed(PEOPLE["admin"], action, account) for action in ALL)
    assert not allowed(PEOPLE["workshop_instructor"], R, account)


def test_a_resource_outside_any_workshop_is_not_shared_by_workshop_visibility() -> None:
    loose = Resource(creator_id=1, workshop_id=None, visibility=Visibility.WORKSHOP)
    assert not allowed(Actor(2, Role.ATTENDEE, workshop_id=None), R, loose)


def test_require_explains_who_is_missing_and_who_is_refused() -> None:
    resource = Resource(creator_id=1, workshop_id=WORKSHOP, visibility=Visibility.PRIVATE)
    with pytest.raises(Unauthorized):
        require(None, R, resource)
    with pytest.raises(Forbidden, match="may not delete"):
        require(PEOPLE["same_workshop_attendee"], D, resource)
    assert require(PEOPLE["owner"], D, resource).id == 1


@pytest.mark.parametrize(
    ("person", "ok"), [("workshop_instructor", True), ("admin", True), ("owner", False), ("anonymous", False)]
)
def test_role_gates(person: str, ok: bool) -> None:
    if ok:
        require_role(PEOPLE[person], Role.INSTRUCTOR)
    else:
        with pytest.raises((Forbidden, Unauthorized)):
            require_role(PEOPLE[person], Role.INSTRUCTOR)
