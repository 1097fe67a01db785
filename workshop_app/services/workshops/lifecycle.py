"""Workshops: instructors create and run them, attendees join with a code and a name.

Joining needs no e-mail and no password: the attendee gets an account with a
generated username and a session, and may set a password later from their profile.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, or_, select

from workshop_app.db.engine import session_scope
from workshop_app.db.row_ids import saved_id
from workshop_app.db.users import Role, User
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.accounts import actor_cache
from workshop_app.services.accounts import sign_in_throttle as throttle
from workshop_app.services.accounts.auth import (
    actor_for_user,
    check_display_name,
    create_account,
    now,
    revoke_sessions,
    start_session,
)
from workshop_app.services.core.errors import Forbidden, InvalidInput, NotFound
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.router import canonical_name
from workshop_app.services.sharing.rate_limits import forget_workshop_limits
from workshop_app.services.workshops.join_codes import looks_like_join_code, new_join_code, normalize_join_code
from workshop_app.services.workshops.policy import Action, Actor, allowed, require, require_actor, require_role

log = logging.getLogger(__name__)

MAX_FAILED_JOINS_PER_ADDRESS = 20


class WorkshopClosed(Forbidden):
    hint = "Ask your instructor to reopen it, or check that you have this week's code."


MAX_LIMIT = 2**31 - 1
"""The largest limit a database column holds (a 32-bit integer on PostgreSQL)."""


@dataclass(frozen=True)
class WorkshopDraft:
    """What an instructor fills in; limits are enforced by the rate limiter."""

    title: str
    description: str = ""
    allowed_models: tuple[str, ...] = ()
    requests_per_minute: int | None = None
    tokens_per_day: int | None = None
    attendees_build_models: bool = False

    def checked(self) -> WorkshopDraft:
        title = " ".join(self.title.split())
        if not title:
            raise InvalidInput("Give the workshop a title.", hint="Attendees see it when they join.")
        if len(title) > 120 or len(self.description) > 2000:
            raise InvalidInput("The title (120) or description (2000 characters) is too long.")
        for limit in (self.requests_per_minute, self.tokens_per_day):
            if limit is not None and not 1 <= limit <= MAX_LIMIT:
                raise InvalidInput(f"Limits must be between 1 and {MAX_LIMIT:,}, or empty for no limit.")
        models = tuple(dict.fromkeys(m.strip() for m in self.allowed_models if m.strip()))
        return replace(self, title=title, description=self.description.strip(), allowed_models=models)


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    username: str
    display_name: str
    joined_at: datetime
    last_active_at: datetime | None
    has_password: bool


def create_workshop(actor: Actor | None, draft: WorkshopDraft) -> Workshop:
    actor = require_role(actor, Role.INSTRUCTOR)
    _require_on_a_host(draft.checked().allowed_models)
    with session_scope() as session:
        workshop = add_workshop(session, actor, draft)
    actor_cache.forget_user(actor.id)  # they teach one more workshop
    return workshop


def add_workshop(session: Session, actor: Actor, draft: WorkshopDraft) -> Workshop:
    """A new workshop run by `actor`, with a fresh join code, in the caller's transaction."""
    workshop = Workshop(creator_id=actor.id, join_code=_unused_code(session), **_columns(draft.checked()))
    session.add(workshop)
    session.flush()
    return workshop


def update_workshop(actor: Actor | None, workshop_id: int, draft: WorkshopDraft) -> Workshop:
    values = draft.checked()
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.WRITE)
        _require_on_a_host(tuple(m for m in values.allowed_models if m not in workshop.allowed_models))
        for name, value in _columns(values).items():
            setattr(workshop, name, value)
        session.add(workshop)
    forget_workshop_limits()  # its limits and model list apply from the next request
    actor_cache.forget_everyone()
    return workshop


def _require_on_a_host(models: tuple[str, ...]) -> None:
    """Attendees could not use a model no host has: refuse it while the hosts' models are known.

    Checked against the last known state of every host (a host that is down keeps its
    last known models); before the first check of any host, nothing is refused.
    """
    states = get_monitor().states()
    if not models or all(state.checked_at is None for state in states):
        return
    known = {canonical_name(info.name) for state in states for info in state.models}
    missing = [model for model in models if canonical_name(model) not in known]
    if missing:
        raise InvalidInput(
            f"No Ollama host has {', '.join(missing)}, so attendees could not use it.",
            hint="Pull it on the Models page first, or choose from the models listed there.",
        )


def set_open(actor: Actor | None, workshop_id: int, is_open: bool) -> Workshop:
    """Closed: no new joins. People already in keep working."""
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.WRITE)
        workshop.is_open = is_open
        session.add(workshop)
        return workshop


def delete_workshop(actor: Actor | None, workshop_id: int) -> None:
    """Remove the workshop; its attendees lose access with it."""
    with session_scope() as session:
        workshop = load_workshop(session, actor, workshop_id, Action.DELETE)
        for member in session.exec(select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id)).all():
            _remove(session, member)
        session.delete(workshop)
    actor_cache.forget_everyone()  # whoever taught it


def get_workshop(actor: Actor | None, workshop_id: int) -> Workshop:
    with session_scope() as session:
        return load_workshop(session, actor, workshop_id, Action.READ)


def list_workshops(actor: Actor | None) -> list[Workshop]:
    """Admins see all, instructors the ones they run, attendees the one they are in."""
    actor = require_actor(actor)
    query = select(Workshop).order_by(col(Workshop.created_at).desc())
    if not actor.is_admin:
        query = query.where(or_(Workshop.creator_id == actor.id, Workshop.id == actor.workshop_id))
    with session_scope() as session:
        return list(session.exec(query).all())


def may_run(actor: Actor, workshop: Workshop) -> bool:
    """Whether this person manages the workshop (roster, edit, close), for showing the controls."""
    return allowed(actor, Action.WRITE, workshop)


def roster(actor: Actor | None, workshop_id: int) -> list[RosterEntry]:
    """The attendees, for the people who run the workshop (who may change it)."""
    with session_scope() as session:
        load_workshop(session, actor, workshop_id, Action.WRITE)
        rows = session.exec(
            select(WorkshopMember, User)
            .join(User, col(User.id) == WorkshopMember.user_id)
            .where(WorkshopMember.workshop_id == workshop_id, col(WorkshopMember.removed_at).is_(None))
            .order_by(col(WorkshopMember.joined_at))
        ).all()
        return [
            RosterEntry(
                saved_id(user),
                user.username,
                user.display_name,
                member.joined_at,
                user.last_active_at,
                user.password_hash is not None,
            )
            for member, user in rows
        ]


def remove_attendee(actor: Actor | None, workshop_id: int, user_id: int) -> None:
    """The attendee loses access at once: their sessions end and no new one starts."""
    with session_scope() as session:
        load_workshop(session, actor, workshop_id, Action.WRITE)
        member = session.exec(
            select(WorkshopMember).where(WorkshopMember.workshop_id == workshop_id, WorkshopMember.user_id == user_id)
        ).first()
        if member is None or member.removed_at is not None:
            raise NotFound("This person is not in the workshop.", hint="Refresh the roster.")
        _remove(session, member)


def join_workshop(code: str, display_name: str, client_ip: str = "") -> tuple[Actor, str]:
    """A new attendee account in the workshop, signed in; returns the actor and session token."""
    address = f"join-address:{client_ip}"
    throttle.check_allowed({address: MAX_FAILED_JOINS_PER_ADDRESS}, "join codes")
    normalized = normalize_join_code(code)
    name = check_display_name(display_name)
    with session_scope() as session:
        workshop = (
            session.exec(select(Workshop).where(Workshop.join_code == normalized)).first()
            if looks_like_join_code(normalized)
            else None
        )
        where = client_ip or "unknown address"
        if workshop is None:
            throttle.record_failure(address)
            log.warning("join refused from %s: no workshop has the code %r", where, normalized[:40])
            raise NotFound(
                f"No workshop has the code {code.strip()!r}.",
                hint="Check the code on the instructor's screen, e.g. blue-otter-42.",
            )
        if not workshop.is_open:
            log.info("join refused from %s: workshop %s is closed", where, workshop.id)
            raise WorkshopClosed(f"“{workshop.title}” is closed to new attendees.")
        user = create_account(session, _unused_username(session, name), name, None, Role.ATTENDEE)
        session.add(WorkshopMember(workshop_id=saved_id(workshop), user_id=saved_id(user)))
        session.flush()
        log.info("%s joined workshop %s from %s", user.username, workshop.id, where)
        return actor_for_user(session, user), start_session(session, user, client_ip)


def _remove(session: Session, member: WorkshopMember) -> None:
    member.removed_at = now()
    session.add(member)
    revoke_sessions(session, member.user_id)


def load_workshop(session: Session, actor: Actor | None, workshop_id: int, action: Action) -> Workshop:
    """The workshop, once the policy allows `actor` to `action` it (NotFound when it is gone)."""
    actor = require_actor(actor)
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound("This workshop does not exist (any more).", hint="Pick one from the list.")
    require(actor, action, workshop)
    return workshop


def _columns(draft: WorkshopDraft) -> dict:
    return {
        "title": draft.title,
        "description": draft.description,
        "allowed_models": list(draft.allowed_models),
        "requests_per_minute": draft.requests_per_minute,
        "tokens_per_day": draft.tokens_per_day,
        "attendees_build_models": draft.attendees_build_models,
    }


def _unused_code(session: Session) -> str:
    while True:
        code = new_join_code()
        if session.exec(select(Workshop.id).where(Workshop.join_code == code)).first() is None:
            return code


def _unused_username(session: Session, display_name: str) -> str:
    """`ada-4821` from "Ada": readable, so the attendee can sign in with it later."""
    stem = re.sub(r"[^a-z0-9]+", "-", display_name.lower()).strip("-")[:20] or "attendee"
    if len(stem) < 2:
        stem = f"attendee-{stem}"
    while True:
        candidate = f"{stem}-{secrets.randbelow(9000) + 1000}"
        if session.exec(select(User.id).where(User.username == candidate)).first() is None:
            return candidate
