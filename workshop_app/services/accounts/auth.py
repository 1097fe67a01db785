"""Who is asking: accounts, sign-in with throttling, server-side sessions, the acting user.

The browser keeps only an opaque session token; the database keeps its hash, an
expiry and a revocation time. Every request resolves the token afresh, so a revoked
session, a disabled account or a removed attendee loses access at once.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select, update

from workshop_app.db.engine import session_scope
from workshop_app.db.row_ids import saved_id
from workshop_app.db.users import AuthSession, Role, User
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.accounts import actor_cache
from workshop_app.services.accounts import sign_in_throttle as throttle
from workshop_app.services.accounts.passwords import hash_password, verify_password
from workshop_app.services.accounts.secret_tokens import new_token, token_hash
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import Forbidden, InvalidInput, Unauthorized
from workshop_app.services.workshops.policy import Actor
from workshop_app.settings import get_settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
log = logging.getLogger(__name__)
ACTIVITY_RESOLUTION = timedelta(seconds=60)  # how stale "last active" may be (saves a write per event)


def now() -> datetime:
    return datetime.now(UTC)


def normalize_username(username: str) -> str:
    return username.strip().lower()


def check_display_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not name:
        raise InvalidInput("Enter a display name.", hint="Other people in the workshop will see it.")
    if len(name) > 40:
        raise InvalidInput("The display name is too long (at most 40 characters).")
    return name


def _check_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME.match(name):
        raise InvalidInput(
            "Usernames are 3 to 32 characters: letters, digits, dots, dashes or underscores.",
            hint="For example ada.lovelace",
        )
    return name


def create_account(session: Session, username: str, display_name: str, password: str | None, role: Role) -> User:
    """A new account (in the caller's transaction); the password is stored only as a hash."""
    name = _check_username(username)
    display = check_display_name(display_name)
    if session.exec(select(User).where(User.username == name)).first() is not None:
        raise InvalidInput(f"The username {name!r} is taken.", hint="Choose another one.")
    user = User(
        username=name,
        display_name=display,
        password_hash=hash_password(password, (name, display)) if password is not None else None,
        role=role,
    )
    session.add(user)
    session.flush()
    log.info("account created: %s (%s)", user.username, user.role)
    return user


def has_accounts() -> bool:
    """False only on a fresh install: the sign-in page then offers to create the admin."""
    with session_scope() as session:
        return session.exec(select(User.id).limit(1)).first() is not None


def register(username: str, display_name: str, password: str, client_ip: str = "") -> tuple[Actor, str]:
    """Open registration; the very first account becomes the admin."""
    with session_scope() as session:
        first = session.exec(select(func.count()).select_from(User)).one() == 0
        user = create_account(session, username, display_name, password, Role.ADMIN if first else Role.ATTENDEE)
        return actor_for_user(session, user), start_session(session, user, client_ip)


def create_admin(username: str, display_name: str, password: str) -> User:
    """For the `workshop create-admin` command: an admin account, whatever exists already."""
    with session_scope() as session:
        return create_account(session, username, display_name, password, Role.ADMIN)


def sign_in(username: str, password: str, client_ip: str = "") -> tuple[Actor, str]:
    """A new session token, or Unauthorized; failures slow down that account from that address only
    (see throttle), so nobody can lock someone else out by guessing at their account."""
    name = normalize_username(username)
    throttle.check_sign_in(name, client_ip)
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == name)).first()
        if not verify_password(password, user.password_hash if user else None):
            throttle.record_failure(*throttle.sign_in_keys(name, client_ip))
            log.warning("sign-in failed for %r from %s", name, client_ip or "unknown address")
            raise Unauthorized(
                "Wrong username or password.",
                hint="Check both and try again; attendees without a password join with a code.",
            )
        assert user is not None
        throttle.login_throttle().clear(throttle.sign_in_keys(name, client_ip)[0])
        actor = actor_for_user(session, user)
        log.info("signed in: %s from %s", name, client_ip or "unknown address")
        return actor, start_session(session, user, client_ip)


def start_session(session: Session, user: User, client_ip: str = "") -> str:
    token = new_token()
    lifetime = timedelta(days=get_settings().session_days)
    session.add(
        AuthSession(
            user_id=saved_id(user), token_hash=token_hash(token), expires_at=now() + lifetime, client_ip=client_ip[:64]
        )
    )
    return token


def actor_for_session(token: str) -> Actor:
    """The signed-in person behind a browser's token, checked now; Unauthorized otherwise."""
    if not token:
        raise Unauthorized("You are not signed in.", hint="Sign in or join a workshop with its code.")
    hashed = token_hash(token)
    if (cached := actor_cache.cached_session_actor(hashed)) is not None:
        return cached
    return _session_owner(hashed)


def _session_owner(hashed: str) -> Actor:
    """The signed-in person of the session with this token hash, read now (and remembered)."""
    with session_scope() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == hashed)).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now():
            raise Unauthorized("Your session has ended.", hint="Sign in again.")
        user = session.get(User, row.user_id)
        assert user is not None  # sessions are deleted with their account
        actor = actor_for_user(session, user)
        if row.expires_at - now() > timedelta(seconds=actor_cache.TTL_S):  # never remembered past its end
            actor_cache.remember_session(hashed, actor)
        return actor


async def recent_actor_for_session(token: str) -> Actor:
    """`actor_for_session` for handlers on the event loop: from memory when checked in the last
    few seconds (see actor_cache), otherwise in the database threads, so other tabs stream on."""
    if token and (cached := actor_cache.cached_session_actor(hashed := token_hash(token))) is not None:
        actor_cache.check_session_again_ahead(hashed, lambda: off_loop(_session_owner, hashed))
        return cached
    return await off_loop(actor_for_session, token)


def optional_actor(token: str) -> Actor | None:
    try:
        return actor_for_session(token)
    except Unauthorized:
        return None


def actor_for_user(session: Session, user: User) -> Actor:
    """Build the policy's view of `user`, refusing disabled accounts and removed attendees."""
    if user.disabled:
        raise Forbidden("This account is disabled.", hint="Ask an admin to enable it again.")
    member = session.exec(select(WorkshopMember).where(WorkshopMember.user_id == user.id)).first()
    if member is not None and member.removed_at is not None:
        raise Forbidden("You were removed from the workshop.", hint="Ask your instructor if this is a mistake.")
    workshop = session.get(Workshop, member.workshop_id) if member is not None else None
    teaching = session.exec(select(Workshop.id).where(Workshop.creator_id == user.id)).all()
    if user.last_active_at is None or now() - user.last_active_at > ACTIVITY_RESOLUTION:
        user.last_active_at = now()
        session.add(user)
    return Actor(
        id=saved_id(user),
        role=Role(user.role),
        username=user.username,
        display_name=user.display_name,
        workshop_id=workshop.id if workshop else None,
        teaching=frozenset(id_ for id_ in teaching if id_ is not None),
        allowed_models=tuple(workshop.allowed_models) if workshop else (),
        may_build_models=bool(workshop and workshop.attendees_build_models),
    )


def sign_out(token: str) -> None:
    """End this browser's session (a no-op for an unknown token)."""
    actor_cache.forget_session(token_hash(token))
    with session_scope() as session:
        session.exec(
            update(AuthSession)
            .where(col(AuthSession.token_hash) == token_hash(token), col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=now())
        )


def revoke_sessions(session: Session, user_id: int) -> None:
    """End the person's sessions; their API keys are checked afresh on the next request too."""
    actor_cache.forget_user(user_id)
    session.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now())
    )


def sign_out_everywhere(actor: Actor) -> None:
    with session_scope() as session:
        revoke_sessions(session, actor.id)
