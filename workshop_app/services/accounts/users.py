"""Accounts after sign-up: a person's own profile, and an admin's view of everyone."""

from __future__ import annotations

import logging
import secrets

from sqlmodel import Session, col, func, select

from workshop_app.db.engine import session_scope
from workshop_app.db.row_ids import saved_id
from workshop_app.db.users import Role, User
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.accounts import actor_cache
from workshop_app.services.accounts.auth import (
    actor_for_user,
    check_display_name,
    create_account,
    normalize_username,
    revoke_sessions,
)
from workshop_app.services.accounts.passwords import hash_password, verify_password
from workshop_app.services.core.errors import InvalidInput, NotFound, Unauthorized
from workshop_app.services.workshops.policy import Action, Actor, require, require_role

log = logging.getLogger(__name__)


def get_account(actor: Actor | None, user_id: int) -> User:
    with session_scope() as session:
        return _load(session, actor, user_id, Action.READ)


def actor_for_username(username: str) -> Actor:
    """The person with this username, for commands an operator runs on their behalf."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == normalize_username(username))).first()
        if user is None:
            raise NotFound(f"There is no account named {username!r}.", hint="Use the username shown on the Admin page.")
        return actor_for_user(session, user)


def update_display_name(actor: Actor | None, user_id: int, display_name: str) -> User:
    with session_scope() as session:
        user = _load(session, actor, user_id, Action.WRITE)
        user.display_name = check_display_name(display_name)
        session.add(user)
    actor_cache.forget_user(user_id)
    return user


def set_password(actor: Actor | None, user_id: int, new_password: str, current_password: str = "") -> None:
    """Set or change a password; the current one is required when there is one.

    Attendees who joined with a code set their first password here, to come back
    from another device with their username.
    """
    with session_scope() as session:
        user = _load(session, actor, user_id, Action.WRITE)
        if user.password_hash is not None and not verify_password(current_password, user.password_hash):
            raise Unauthorized(
                "The current password is wrong.", hint="Type your current password, or ask an admin to reset it."
            )
        context = (user.username, user.display_name, *_workshop_titles(session, saved_id(user)))
        user.password_hash = hash_password(new_password, context)
        session.add(user)


def list_accounts(actor: Actor | None) -> list[User]:
    require_role(actor, Role.ADMIN)
    with session_scope() as session:
        return list(session.exec(select(User).order_by(col(User.created_at))).all())


def change_role(actor: Actor | None, user_id: int, role: Role) -> User:
    admin = require_role(actor, Role.ADMIN)
    with session_scope() as session:
        user = _load(session, admin, user_id, Action.WRITE)
        if user.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(session)
        user.role = Role(role)
        session.add(user)
    actor_cache.forget_user(user_id)
    return user


def set_disabled(actor: Actor | None, user_id: int, disabled: bool) -> User:
    """A disabled account is signed out everywhere and cannot sign in."""
    admin = require_role(actor, Role.ADMIN)
    if disabled and user_id == admin.id:
        raise InvalidInput("You cannot disable your own account.", hint="Ask another admin.")
    with session_scope() as session:
        user = _load(session, admin, user_id, Action.WRITE)
        user.disabled = disabled
        session.add(user)
        if disabled:
            revoke_sessions(session, user_id)
        return user


def _temporary_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(3))


def create_instructor(actor: Actor | None, username: str, display_name: str) -> tuple[User, str]:
    """An instructor account made by an admin, with a random temporary password returned once to show them."""
    admin = require_role(actor, Role.ADMIN)
    temporary = _temporary_password()
    with session_scope() as session:
        user = create_account(session, username, display_name, temporary, Role.INSTRUCTOR)
    log.info("instructor account %s created by %s", user.username, admin.username)
    return user, temporary


def reset_password(actor: Actor | None, user_id: int) -> str:
    """A new random password, returned once to show the admin; old sessions end."""
    admin = require_role(actor, Role.ADMIN)
    temporary = _temporary_password()
    with session_scope() as session:
        user = _load(session, admin, user_id, Action.WRITE)
        user.password_hash = hash_password(temporary)
        session.add(user)
        revoke_sessions(session, user_id)
    return temporary


def _workshop_titles(session: Session, user_id: int) -> list[str]:
    """Titles of the workshops the person attends or runs: words others in the room could guess."""
    attended = select(Workshop.title).join(WorkshopMember, col(WorkshopMember.workshop_id) == Workshop.id)
    return [
        *session.exec(attended.where(WorkshopMember.user_id == user_id)).all(),
        *session.exec(select(Workshop.title).where(Workshop.creator_id == user_id)).all(),
    ]


def _keep_an_admin(session: Session) -> None:
    admins = session.exec(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, col(User.disabled).is_(False))
    ).one()
    if admins <= 1:
        raise InvalidInput("This is the last admin account.", hint="Make someone else an admin first.")


def _load(session: Session, actor: Actor | None, user_id: int, action: Action) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("This account does not exist.", hint="Refresh the list.")
    require(actor, action, user)
    return user
