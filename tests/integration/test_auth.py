"""Signing up, signing in, sessions that end, throttled guessing, secrets kept out of sight."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from tests.support.accounts import actor_of, make_user, unique_name
from workshop_app.db.engine import get_engine, session_scope
from workshop_app.db.users import AuthSession, Role
from workshop_app.services.accounts import auth, users
from workshop_app.services.accounts import sign_in_throttle as throttle
from workshop_app.services.accounts.api_keys import actor_for_api_key, create_api_key
from workshop_app.services.core.errors import Forbidden, InvalidInput, RateLimited, Unauthorized
from workshop_app.services.workshops import lifecycle as workshops

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_throttle(migrated_database: str) -> None:
    throttle.set_login_throttle(throttle.MemoryThrottle())


def test_the_first_account_is_admin_and_later_ones_are_attendees() -> None:
    with session_scope() as session:
        session.exec(text("DELETE FROM user_account"))
    admin, _ = auth.register(unique_name("first"), "First", PASSWORD)
    second, _ = auth.register(unique_name("second"), "Second", PASSWORD)
    assert (admin.role, second.role) == (Role.ADMIN, Role.ATTENDEE)


def test_sign_in_gives_a_session_that_identifies_the_person() -> None:
    name = unique_name("ada")
    registered, _ = auth.register(name.upper(), "Ada", PASSWORD)
    actor, token = auth.sign_in(f"  {name} ", PASSWORD)
    assert actor.id == registered.id
    assert auth.actor_for_session(token).username == name


@pytest.mark.parametrize(
    ("username", "password", "error"), [("x", PASSWORD, "3 to 32"), ("valid-name", "short", "too short")]
)
def test_bad_usernames_and_passwords_are_refused(username: str, password: str, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        auth.register(username, "Someone", password)


def test_a_taken_username_is_refused() -> None:
    name = unique_name("taken")
    auth.register(name, "One", PASSWORD)
    with pytest.raises(InvalidInput, match="taken"):
        auth.register(name, "Two", PASSWORD)


def test_wrong_password_and_unknown_user_get_the_same_answer() -> None:
    name = unique_name("bob")
    auth.register(name, "Bob", PASSWORD)
    with pytest.raises(Unauthorized, match="Wrong username or password") as wrong:
        auth.sign_in(name, "not the password")
    with pytest.raises(Unauthorized, match="Wrong username or password") as unknown:
        auth.sign_in(unique_name("nobody"), PASSWORD)
    assert wrong.value.message == unknown.value.message


def _fail(name: str, client_ip: str, password: str = "guess") -> str:
    """One wrong attempt; which refusal it got."""
    try:
        auth.sign_in(name, password, client_ip=client_ip)
    except Unauthorized:
        return "wrong"
    except RateLimited:
        return "slowed"
    raise AssertionError("a wrong password was accepted")


def test_guessing_at_an_account_never_locks_its_owner_out_from_another_address() -> None:
    name = unique_name("admin")
    auth.register(name, "Admin", PASSWORD)
    refusals = [_fail(name, "10.0.0.66") for _ in range(30)]
    assert refusals.count("wrong") == throttle.FREE_FAILURES_PER_PAIR + 1 and refusals[-1] == "slowed"
    assert auth.sign_in(name, PASSWORD, client_ip="10.0.0.2")[0].username == name


def test_failures_from_one_address_grow_the_wait_for_that_account() -> None:
    clock = [1000.0]
    throttle.set_login_throttle(throttle.MemoryThrottle(clock=lambda: clock[0]))
    name = unique_name("carol")
    auth.register(name, "Carol", PASSWORD)
    for _ in range(throttle.FREE_FAILURES_PER_PAIR):
        assert _fail(name, "10.0.0.1") == "wrong"
    waits = []
    for _ in range(4):
        assert _fail(name, "10.0.0.1") == "wrong"
        with pytest.raises(RateLimited, match=r"Try again in \d+ s") as slowed:
            auth.sign_in(name, PASSWORD, client_ip="10.0.0.1")
        waits.append(slowed.value.retry_after_s)
        clock[0] += slowed.value.retry_after_s
    assert waits == [1, 2, 4, 8]
    assert auth.sign_in(name, PASSWORD, client_ip="10.0.0.1")[0].username == name


def test_twenty_failures_from_one_address_do_not_lock_the_room_behind_it() -> None:
    for _ in range(20):
        assert _fail(unique_name("typo"), "10.9.9.9") == "wrong"
    name = unique_name("dave")
    auth.register(name, "Dave", PASSWORD)
    assert auth.sign_in(name, PASSWORD, client_ip="10.9.9.9")[0].username == name


def test_one_address_spraying_many_accounts_is_throttled() -> None:
    for _ in range(throttle.MAX_FAILURES_PER_ADDRESS):
        assert _fail(unique_name("spray"), "10.8.8.8") == "wrong"
    name = unique_name("eve")
    auth.register(name, "Eve", PASSWORD)
    with pytest.raises(RateLimited):
        auth.sign_in(name, PASSWORD, client_ip="10.8.8.8")
    assert auth.sign_in(name, PASSWORD, client_ip="10.1.1.1")[0].username == name


def test_the_wait_lifts_after_the_window() -> None:
    clock = [1000.0]
    throttle.set_login_throttle(throttle.MemoryThrottle(clock=lambda: clock[0]))
    name = unique_name("erin")
    auth.register(name, "Erin", PASSWORD)
    for _ in range(throttle.FREE_FAILURES_PER_PAIR + 8):
        _fail(name, "10.0.0.3")
        clock[0] += 1
    with pytest.raises(RateLimited):
        auth.sign_in(name, PASSWORD, client_ip="10.0.0.3")
    clock[0] += throttle.WINDOW_S + 1
    assert auth.sign_in(name, PASSWORD, client_ip="10.0.0.3")[0].username == name


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "most common"),
        ("12345678", "most common"),
        ("        ", "one character repeated"),
        ("iloveyou2", "most common"),
        ("{username}", "username"),
        ("{username}2026", "username"),
        ("Workshop2026!", "workshop"),
        ("ada lovelace 1815", "your name"),
    ],
)
def test_common_and_guessable_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    name = unique_name("weak")
    with pytest.raises(InvalidInput, match=reason):
        auth.register(name, "Ada Lovelace", password.format(username=name))


def test_a_password_made_of_the_workshop_title_is_refused_when_changed() -> None:
    instructor = actor_of(make_user(Role.INSTRUCTOR, password=PASSWORD))
    workshops.create_workshop(instructor, workshops.WorkshopDraft(title="Transformers Bootcamp"))
    with pytest.raises(InvalidInput, match="workshop"):
        users.set_password(instructor, instructor.id, "transformers bootcamp!", current_password=PASSWORD)
    users.set_password(instructor, instructor.id, "seven quiet lanterns drift", current_password=PASSWORD)


def test_signing_out_ends_only_that_session() -> None:
    name = unique_name("fay")
    auth.register(name, "Fay", PASSWORD)
    _, laptop = auth.sign_in(name, PASSWORD)
    _, phone = auth.sign_in(name, PASSWORD)
    assert auth.actor_for_session(laptop).username == name  # checked a moment ago: remembered for a few seconds
    auth.sign_out(laptop)
    with pytest.raises(Unauthorized, match="session has ended"):
        auth.actor_for_session(laptop)
    assert auth.actor_for_session(phone).username == name


async def test_a_page_handler_checks_the_session_like_everyone_else() -> None:
    name = unique_name("ida")
    auth.register(name, "Ida", PASSWORD)
    _, token = auth.sign_in(name, PASSWORD)
    assert (await auth.recent_actor_for_session(token)).username == name  # read in a database thread
    assert (await auth.recent_actor_for_session(token)).username == name  # remembered
    auth.sign_out(token)
    with pytest.raises(Unauthorized, match="session has ended"):
        await auth.recent_actor_for_session(token)
    with pytest.raises(Unauthorized, match="not signed in"):
        await auth.recent_actor_for_session("")


def test_signing_out_everywhere_ends_every_session() -> None:
    name = unique_name("gus")
    actor, first = auth.register(name, "Gus", PASSWORD)
    _, second = auth.sign_in(name, PASSWORD)
    assert all(auth.optional_actor(token) for token in (first, second))
    auth.sign_out_everywhere(actor)
    for token in (first, second):
        assert auth.optional_actor(token) is None


def test_an_expired_session_is_refused() -> None:
    _, token = auth.register(unique_name("hal"), "Hal", PASSWORD)
    with session_scope() as session:
        row = session.exec(select(AuthSession).order_by(AuthSession.id.desc())).first()
        row.expires_at = auth.now() - timedelta(seconds=1)
        session.add(row)
    with pytest.raises(Unauthorized):
        auth.actor_for_session(token)


def test_a_disabled_account_loses_its_sessions_and_keys_at_once() -> None:
    admin = actor_of(make_user(Role.ADMIN, "root"))
    name = unique_name("ivy")
    actor, token = auth.register(name, "Ivy", PASSWORD)
    _, key = create_api_key(actor, "script")
    assert auth.actor_for_session(token).id == actor_for_api_key(key).id == actor.id
    users.set_disabled(admin, actor.id, True)
    with pytest.raises(Unauthorized):
        auth.actor_for_session(token)
    with pytest.raises(Forbidden, match="disabled"):
        actor_for_api_key(key)
    with pytest.raises(Forbidden, match="disabled"):
        auth.sign_in(name, PASSWORD)


def test_an_attendee_without_a_password_cannot_sign_in_until_they_set_one() -> None:
    attendee = make_user(Role.ATTENDEE, "joiner")
    with pytest.raises(Unauthorized):
        auth.sign_in(attendee.username, "")
    users.set_password(actor_of(attendee), attendee.id, PASSWORD)
    assert auth.sign_in(attendee.username, PASSWORD)[0].id == attendee.id


def test_changing_a_password_needs_the_current_one() -> None:
    actor, _ = auth.register(unique_name("jo"), "Jo", PASSWORD)
    with pytest.raises(Unauthorized, match="current password"):
        users.set_password(actor, actor.id, "a brand new password", current_password="wrong")
    users.set_password(actor, actor.id, "a brand new password", current_password=PASSWORD)
    assert auth.sign_in(actor.username, "a brand new password")[0].id == actor.id


def test_an_admin_reset_gives_a_working_temporary_password_and_ends_sessions() -> None:
    admin = actor_of(make_user(Role.ADMIN, "root"))
    actor, token = auth.register(unique_name("kim"), "Kim", PASSWORD)
    temporary = users.reset_password(admin, actor.id)
    assert auth.optional_actor(token) is None
    assert auth.sign_in(actor.username, temporary)[0].id == actor.id


def test_a_new_role_or_name_applies_to_open_sessions_at_once() -> None:
    admin = actor_of(make_user(Role.ADMIN, "root"))
    actor, token = auth.register(unique_name("kim"), "Kim", PASSWORD)
    assert auth.actor_for_session(token).role == Role.ATTENDEE
    users.change_role(admin, actor.id, Role.INSTRUCTOR)
    users.update_display_name(actor, actor.id, "Kim the instructor")
    now_signed_in = auth.actor_for_session(token)
    assert (now_signed_in.role, now_signed_in.display_name) == (Role.INSTRUCTOR, "Kim the instructor")


def test_the_last_admin_cannot_be_demoted() -> None:
    with session_scope() as session:
        session.exec(text("UPDATE user_account SET role = 'attendee' WHERE role = 'admin'"))
    only = make_user(Role.ADMIN, "solo")
    with pytest.raises(InvalidInput, match="last admin"):
        users.change_role(actor_of(only), only.id, Role.INSTRUCTOR)


def test_passwords_and_keys_never_reach_the_database_or_the_logs_in_clear(
    caplog: pytest.LogCaptureFixture, capsys
) -> None:
    caplog.set_level(logging.DEBUG)
    name = unique_name("secretive")
    actor, session_token = auth.register(name, "Secretive", PASSWORD)
    with pytest.raises(Unauthorized):
        auth.sign_in(name, "a wrong guess at the password")
    _, second_token = auth.sign_in(name, PASSWORD)
    _, api_key = create_api_key(actor, "laptop")
    actor_for_api_key(api_key)
    secrets = [PASSWORD, "a wrong guess at the password", session_token, second_token, api_key]

    dumped = _every_stored_value()
    captured = caplog.text + "".join(capsys.readouterr())
    assert "signed in" in caplog.text, "sign-ins are logged (without secrets)"
    for secret in secrets:
        assert secret not in dumped
        assert secret not in captured
    with session_scope() as session:
        stored = session.exec(
            text("SELECT password_hash FROM user_account WHERE username = :n").bindparams(n=name)
        ).one()[0]
    assert stored.startswith("$argon2")


def _every_stored_value() -> str:
    engine = get_engine()
    parts = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)
