"""Test people: accounts created straight through the services, with unique names."""

from __future__ import annotations

import itertools
import uuid

from workshop_app.db.engine import session_scope
from workshop_app.db.users import Role, User
from workshop_app.db.workshops import WorkshopMember
from workshop_app.services.accounts.auth import actor_for_user, create_account
from workshop_app.services.workshops.policy import Actor

_counter = itertools.count()


def unique_name(stem: str) -> str:
    return f"{stem}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


def make_user(role: Role, stem: str = "user", password: str | None = None, workshop_id: int | None = None) -> User:
    """An account (a member of `workshop_id` when given), committed."""
    with session_scope() as session:
        user = create_account(session, unique_name(stem), stem.title(), password, role)
        if workshop_id is not None:
            session.add(WorkshopMember(workshop_id=workshop_id, user_id=user.id))
        return user


def actor_of(user: User) -> Actor:
    """The policy's view of the account as it is in the database now."""
    with session_scope() as session:
        fresh = session.get(User, user.id)
        assert fresh is not None
        return actor_for_user(session, fresh)


def bearer(role: Role = Role.ATTENDEE) -> dict[str, str]:
    """REST headers carrying a fresh API key of a new account with `role`."""
    from workshop_app.services.accounts.api_keys import create_api_key

    _, key = create_api_key(actor_of(make_user(role, "rest")), "tests")
    return {"Authorization": f"Bearer {key}"}
