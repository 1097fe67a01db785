"""Setting up accounts without self-registration: admins create instructors; a command issues API keys."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.support.accounts import actor_of, make_user, unique_name
from workshop_app.api import build_api
from workshop_app.cli import main
from workshop_app.db.users import Role
from workshop_app.services.accounts import auth, users
from workshop_app.services.accounts import sign_in_throttle as throttle
from workshop_app.services.accounts.api_keys import list_api_keys
from workshop_app.services.core.errors import Forbidden, InvalidInput


@pytest.fixture(autouse=True)
def _fresh_throttle(migrated_database: str) -> None:
    throttle.set_login_throttle(throttle.MemoryThrottle())


def test_an_admin_creates_an_instructor_who_signs_in_with_the_temporary_password() -> None:
    admin = actor_of(make_user(Role.ADMIN, "admin"))
    name = unique_name("teacher")
    user, temporary = users.create_instructor(admin, name, "Grace Hopper")
    assert user.role == Role.INSTRUCTOR
    actor, _ = auth.sign_in(name, temporary)
    assert (actor.username, actor.role, actor.display_name) == (name, Role.INSTRUCTOR, "Grace Hopper")


def test_only_admins_create_instructors_and_names_are_checked() -> None:
    instructor = actor_of(make_user(Role.INSTRUCTOR, "teacher"))
    with pytest.raises(Forbidden):
        users.create_instructor(instructor, unique_name("sneaky"), "Sneaky")
    admin = actor_of(make_user(Role.ADMIN, "admin"))
    with pytest.raises(InvalidInput, match="3 to 32"):
        users.create_instructor(admin, "x", "Too Short")


def test_the_api_key_command_prints_a_working_key_once() -> None:
    person = make_user(Role.INSTRUCTOR, "scripted")
    result = CliRunner().invoke(main, ["api-key", "--user", person.username, "--name", "setup script"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("owk_")
    response = TestClient(build_api()).get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.json()["username"] == person.username
    assert [k.name for k in list_api_keys(actor_of(person))] == ["setup script"]


def test_the_api_key_command_refuses_an_unknown_account() -> None:
    result = CliRunner().invoke(main, ["api-key", "--user", "nobody-at-all"])
    assert result.exit_code == 1 and "no account named" in result.output
