"""Who may do what: the one place that decides, for the UI and the REST API alike.

Every resource that belongs to someone exposes `creator_id`, `workshop_id` and
`visibility` (see `db/ownership.py`); `allowed` judges an action on any of them.
Later features call `require(actor, Action.X, resource)` and inherit the same rules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from workshop_app.db.ownership import PrivateToCreator, Visibility
from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden, InvalidInput, Unauthorized

audit = logging.getLogger("workshop_app.audit")


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    DELETE = "delete"


class OwnedResource(Protocol):
    @property
    def creator_id(self) -> int | None: ...

    @property
    def workshop_id(self) -> int | None: ...

    @property
    def visibility(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """The signed-in person as the policy sees them, resolved freshly for each request."""

    id: int
    role: Role
    username: str = ""
    display_name: str = ""
    workshop_id: int | None = None  # the workshop an attendee is in
    teaching: frozenset[int] = field(default_factory=frozenset)  # workshops this person runs
    allowed_models: tuple[str, ...] = ()  # the attendee's workshop's model list; empty = any
    may_build_models: bool = False  # an attendee whose workshop lets attendees build models
    moderating: str = ""  # an admin's stated reason for opening others' private items (see `for_moderation`)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def allowed(actor: Actor | None, action: Action, resource: OwnedResource) -> bool:
    """Private content (chats, prompts, documents, collections, RAG systems, tools) is its creator's alone;
    admins open it only while moderating. Shared content: creator and admins everything; instructors of
    its workshop read; members of that workshop read what is shared with it; anyone signed in reads public.
    Records that are not content (accounts, API keys, workshops) stay under admins' care."""
    if actor is None:
        return False
    if resource.creator_id == actor.id:
        return True
    private = resource.visibility == Visibility.PRIVATE
    if private and not isinstance(resource, PrivateToCreator):
        return actor.is_admin and bool(actor.moderating)
    if actor.is_admin:
        return True
    if action is not Action.READ:
        return False
    if resource.workshop_id is not None and resource.workshop_id in actor.teaching and not private:
        return True
    if resource.visibility == Visibility.PUBLIC:
        return True
    return (
        resource.visibility == Visibility.WORKSHOP
        and resource.workshop_id is not None
        and resource.workshop_id == actor.workshop_id
    )


def for_moderation(actor: Actor | None, reason: str) -> Actor:
    """The admin, allowed into others' private items for this one action, with the reason on the audit log."""
    admin = require_role(actor, Role.ADMIN)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why you open someone's private items.", hint="The reason is kept in the audit log.")
    audit.warning("moderation by %s (user %s): %s", admin.username, admin.id, reason[:500])
    return replace(admin, moderating=reason[:500])


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise Unauthorized("You are not signed in.")
    return actor


def require(actor: Actor | None, action: Action, resource: OwnedResource) -> Actor:
    """`allowed` or a typed error: Unauthorized for nobody, Forbidden for the wrong person."""
    actor = require_actor(actor)
    if not allowed(actor, action, resource):
        raise Forbidden(f"You may not {action} this {_kind(resource)}.")
    return actor


def require_role(actor: Actor | None, *roles: Role) -> Actor:
    """For actions on no particular resource (create a workshop, manage accounts)."""
    actor = require_actor(actor)
    if actor.role not in roles and not actor.is_admin:
        raise Forbidden(f"Only {' or '.join(roles)}s may do this.", hint="Ask an admin to change your role.")
    return actor


def usable_models(actor: Actor, names: Iterable[str]) -> list[str]:
    """The models this person may use: an attendee is held to their workshop's list."""
    if actor.role != Role.ATTENDEE or not actor.allowed_models:
        return list(names)
    return [name for name in names if name in actor.allowed_models]


def require_model(actor: Actor | None, model: str) -> Actor:
    actor = require_actor(actor)
    if not usable_models(actor, [model]):
        raise Forbidden(f"Your workshop does not use {model}.", hint="Pick one of the models in the list.")
    return actor


def _kind(resource: OwnedResource) -> str:
    return getattr(resource, "__tablename__", type(resource).__name__).replace("_", " ")
