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
from workshop_app.services import auth, throttle, users
from workshop_app.services.api_keys import actor_for_api_key, create_api_key
from workshop_app.services.errors import Forbidden, InvalidInput, RateLimited, Unauthorized

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


@pytest.mark.parametrize(("username", "password", "error"), [("x", PASSWORD, "3 to 32"), ("valid-name", "short", "too short")])
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


def test_repeated_failures_lock_the_account_with_a_clear_wait() -> None:
    name = unique_name("carol")
    auth.register(name, "Carol", PASSWORD)
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(Unauthorized):
            auth.sign_in(name, "guess", client_ip="10.0.0.1")
    with pytest.raises(RateLimited, match=r"Try again in \d+ s") as locked:
        auth.sign_in(name, PASSWORD, client_ip="10.0.0.2")
    assert 0 < locked.value.retry_after_s <= throttle.WINDOW_S


def test_one_address_guessing_many_accounts_is_throttled() -> None:
    for _ in range(throttle.MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(Unauthorized):
            auth.sign_in(unique_name("spray"), "guess", client_ip="10.9.9.9")
    name = unique_name("dave")
    auth.register(name, "Dave", PASSWORD)
    with pytest.raises(RateLimited):
        auth.sign_in(name, PASSWORD, client_ip="10.9.9.9")
    assert auth.sign_in(name, PASSWORD, client_ip="10.1.1.1")[0].username == name


def test_the_lock_lifts_after_the_window() -> None:
    clock = [1000.0]
    throttle.set_login_throttle(throttle.MemoryThrottle(clock=lambda: clock[0]))
    name = unique_name("erin")
    auth.register(name, "Erin", PASSWORD)
    for _ in range(throttle.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(Unauthorized):
            auth.sign_in(name, "guess")
    with pytest.raises(RateLimited):
        auth.sign_in(name, PASSWORD)
    clock[0] += throttle.WINDOW_S + 1
    assert auth.sign_in(name, PASSWORD)[0].username == name


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


def test_passwords_and_keys_never_reach_the_database_or_the_logs_in_clear(caplog: pytest.LogCaptureFixture, capsys) -> None:
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
        stored = session.exec(text("SELECT password_hash FROM user_account WHERE username = :n").bindparams(n=name)).one()[0]
    assert stored.startswith("$argon2")


def _every_stored_value() -> str:
    engine = get_engine()
    parts = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)
