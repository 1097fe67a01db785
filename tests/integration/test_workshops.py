"""Workshops: create, join with a code and a name, the roster, closing, removing people."""

from __future__ import annotations

import logging

import pytest

from tests.support.accounts import actor_of, make_user
from workshop_app.db.engine import session_scope
from workshop_app.db.users import Role
from workshop_app.services.accounts import auth
from workshop_app.services.accounts import sign_in_throttle as throttle
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.services.workshops.join_codes import looks_like_join_code, normalize_join_code
from workshop_app.services.workshops.lifecycle import WorkshopClosed, WorkshopDraft
from workshop_app.services.workshops.policy import require_model, usable_models


@pytest.fixture(autouse=True)
def _fresh_throttle(migrated_database: str) -> None:
    throttle.set_login_throttle(throttle.MemoryThrottle())


@pytest.fixture
def instructor():
    return actor_of(make_user(Role.INSTRUCTOR, "teacher"))


def test_an_instructor_creates_a_workshop_with_a_readable_code(instructor) -> None:
    workshop = workshops.create_workshop(
        instructor, WorkshopDraft("  Intro   to LLMs ", "Day one", ("llama3.2:1b", "llama3.2:1b"))
    )
    assert workshop.title == "Intro to LLMs"
    assert workshop.allowed_models == ["llama3.2:1b"]
    assert workshop.is_open
    assert looks_like_join_code(workshop.join_code), workshop.join_code


def test_a_new_workshop_is_run_by_its_signed_in_instructor_at_once() -> None:
    teacher = make_user(Role.INSTRUCTOR, "ada")
    with session_scope() as session:
        token = auth.start_session(session, teacher)
    assert auth.actor_for_session(token).teaching == frozenset()  # remembered for a few seconds
    workshop = workshops.create_workshop(auth.actor_for_session(token), WorkshopDraft("Fresh"))
    assert auth.actor_for_session(token).teaching == {workshop.id}
    assert [entry.display_name for entry in workshops.roster(auth.actor_for_session(token), workshop.id)] == []


def test_attendees_cannot_create_workshops() -> None:
    with pytest.raises(Forbidden, match="instructor"):
        workshops.create_workshop(actor_of(make_user(Role.ATTENDEE)), WorkshopDraft("Mine"))


@pytest.mark.parametrize(
    "draft", [WorkshopDraft("   "), WorkshopDraft("x" * 121), WorkshopDraft("Limits", requests_per_minute=0)]
)
def test_invalid_workshops_are_refused(instructor, draft: WorkshopDraft) -> None:
    with pytest.raises(InvalidInput):
        workshops.create_workshop(instructor, draft)


def test_joining_with_code_and_name_signs_the_attendee_in(instructor) -> None:
    workshop = workshops.create_workshop(instructor, WorkshopDraft("Join me"))
    typed = workshop.join_code.replace("-", " ").upper()
    attendee, token = workshops.join_workshop(f" {typed} ", "Grace Hopper")
    assert attendee.role == Role.ATTENDEE
    assert attendee.workshop_id == workshop.id
    assert attendee.username.startswith("grace-hopper-")
    assert auth.actor_for_session(token).id == attendee.id
    assert [entry.display_name for entry in workshops.roster(instructor, workshop.id)] == ["Grace Hopper"]


def test_the_attendee_can_set_a_password_and_come_back_with_the_username(instructor) -> None:
    from workshop_app.services.accounts.users import set_password

    workshop = workshops.create_workshop(instructor, WorkshopDraft("Come back"))
    attendee, _ = workshops.join_workshop(workshop.join_code, "Alan")
    set_password(attendee, attendee.id, "another device please")
    again, _ = auth.sign_in(attendee.username, "another device please")
    assert again.workshop_id == workshop.id
    assert workshops.roster(instructor, workshop.id)[0].has_password


def test_an_unknown_code_is_not_found_with_an_example(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(NotFound, match="no-such-code-11") as caught:
        workshops.join_workshop("no-such-code-11", "Lost", client_ip="10.6.0.9")
    assert "blue-otter-42" in caught.value.hint
    assert "join refused from 10.6.0.9: no workshop has the code 'no-such-code-11'" in caplog.text, (
        "an instructor whose room cannot join finds why in the log"
    )


def test_guessing_codes_is_throttled_per_address() -> None:
    for _ in range(workshops.MAX_FAILED_JOINS_PER_ADDRESS):
        with pytest.raises(NotFound):
            workshops.join_workshop("wrong-guess-12", "Mallory", client_ip="10.6.6.6")
    with pytest.raises(Exception, match="Try again in"):
        workshops.join_workshop("wrong-guess-12", "Mallory", client_ip="10.6.6.6")


def test_a_closed_workshop_takes_no_new_attendees_but_keeps_its_own(
    instructor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    workshop = workshops.create_workshop(instructor, WorkshopDraft("Closing soon"))
    inside, token = workshops.join_workshop(workshop.join_code, "Early")
    workshops.set_open(instructor, workshop.id, False)
    with pytest.raises(WorkshopClosed, match="closed to new attendees") as caught:
        workshops.join_workshop(workshop.join_code, "Late")
    assert caught.value.status_code == 403
    assert auth.actor_for_session(token).id == inside.id
    assert f"workshop {workshop.id} is closed" in caplog.text
    workshops.set_open(instructor, workshop.id, True)
    late, _ = workshops.join_workshop(workshop.join_code, "Late", client_ip="10.6.0.8")
    assert f"{late.username} joined workshop {workshop.id} from 10.6.0.8" in caplog.text


def test_a_removed_attendee_loses_access_at_once(instructor) -> None:
    from workshop_app.services.accounts.api_keys import actor_for_api_key, create_api_key
    from workshop_app.services.accounts.users import set_password

    workshop = workshops.create_workshop(instructor, WorkshopDraft("Strict"))
    attendee, token = workshops.join_workshop(workshop.join_code, "Noisy")
    set_password(attendee, attendee.id, "i will be back")
    _, key = create_api_key(attendee, "sneaky")
    assert (
        auth.actor_for_session(token).id == actor_for_api_key(key).id == attendee.id
    )  # both remembered for a few seconds
    workshops.remove_attendee(instructor, workshop.id, attendee.id)
    assert auth.optional_actor(token) is None
    with pytest.raises(Forbidden, match="removed"):
        actor_for_api_key(key)
    with pytest.raises(Forbidden, match="removed"):
        auth.sign_in(attendee.username, "i will be back")
    assert workshops.roster(instructor, workshop.id) == []


def test_each_person_lists_only_the_workshops_they_may_see(instructor) -> None:
    mine = workshops.create_workshop(instructor, WorkshopDraft("Mine"))
    other = workshops.create_workshop(actor_of(make_user(Role.INSTRUCTOR)), WorkshopDraft("Theirs"))
    attendee, _ = workshops.join_workshop(other.join_code, "Visitor")
    assert [w.id for w in workshops.list_workshops(instructor)] == [mine.id]
    assert [w.id for w in workshops.list_workshops(attendee)] == [other.id]
    admin_sees = {w.id for w in workshops.list_workshops(actor_of(make_user(Role.ADMIN)))}
    assert {mine.id, other.id} <= admin_sees


def test_attendees_only_use_the_models_their_workshop_allows(instructor) -> None:
    workshop = workshops.create_workshop(instructor, WorkshopDraft("Small models", allowed_models=("qwen2.5:0.5b",)))
    attendee, _ = workshops.join_workshop(workshop.join_code, "Frugal")
    assert usable_models(attendee, ["llama3.2:1b", "qwen2.5:0.5b"]) == ["qwen2.5:0.5b"]
    assert usable_models(instructor, ["llama3.2:1b", "qwen2.5:0.5b"]) == ["llama3.2:1b", "qwen2.5:0.5b"]
    with pytest.raises(Forbidden, match="llama3.2:1b"):
        require_model(attendee, "llama3.2:1b")


def test_deleting_a_workshop_ends_its_attendees_access(instructor) -> None:
    workshop = workshops.create_workshop(instructor, WorkshopDraft("Short-lived"))
    _, token = workshops.join_workshop(workshop.join_code, "Passing")
    assert auth.optional_actor(token) is not None
    workshops.delete_workshop(instructor, workshop.id)
    assert auth.optional_actor(token) is None
    with pytest.raises(NotFound):
        workshops.get_workshop(instructor, workshop.id)


@pytest.mark.parametrize(
    ("typed", "stored"), [("Blue Otter 42", "blue-otter-42"), (" blue_otter-42 ", "blue-otter-42")]
)
def test_codes_are_read_the_way_people_type_them(typed: str, stored: str) -> None:
    assert normalize_join_code(typed) == stored


@pytest.mark.parametrize("limits", [{"tokens_per_day": 10**30}, {"requests_per_minute": 2**31}, {"tokens_per_day": 0}])
def test_limits_beyond_what_can_be_stored_are_refused_with_the_range(instructor, limits: dict[str, int]) -> None:
    with pytest.raises(InvalidInput, match="Limits must be between 1 and 2,147,483,647"):
        workshops.create_workshop(instructor, WorkshopDraft("Huge", **limits))
