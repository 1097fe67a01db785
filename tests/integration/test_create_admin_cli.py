"""`workshop create-admin`: an admin account from the command line, password never echoed."""

from __future__ import annotations

from click.testing import CliRunner

from tests.support.accounts import unique_name
from workshop_app.cli import main
from workshop_app.db.users import Role
from workshop_app.services.accounts import auth


def test_create_admin_reads_the_password_from_stdin_and_the_account_signs_in(migrated_database: str) -> None:
    name = unique_name("root")
    result = CliRunner().invoke(
        main, ["create-admin", "--username", name, "--password-stdin"], input="s3cret enough pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "created" in result.output and "s3cret" not in result.output
    actor, _ = auth.sign_in(name, "s3cret enough pass")
    assert actor.role == Role.ADMIN


def test_create_admin_prompts_twice_and_refuses_a_weak_password(migrated_database: str) -> None:
    name = unique_name("root")
    result = CliRunner().invoke(main, ["create-admin", "--username", name], input="short\nshort\n")
    assert result.exit_code == 1
    assert "too short" in result.output
    assert "short\nshort" not in result.output
