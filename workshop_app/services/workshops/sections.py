"""Which pages each role has: the sidebar shows them, and the pages themselves refuse the rest.

Attendees use models, prompts, tools, documents and RAG; running a workshop (its page
and the live dashboard) is for instructors, managing accounts for admins.
"""

from __future__ import annotations

from workshop_app.db.users import Role
from workshop_app.services.core.errors import Forbidden
from workshop_app.services.workshops.policy import Actor, require_actor

_TEACHING = (Role.INSTRUCTOR, Role.ADMIN)
SECTION_ROLES: dict[str, tuple[Role, ...]] = {
    "/workshop": _TEACHING,
    "/dashboard": _TEACHING,
    "/admin": (Role.ADMIN,),
}
"""Routes open to some roles only; every other section is open to anyone signed in."""

_WHY = {
    "/workshop": "Running a workshop is for instructors; your workshop's models are in the Playground.",
    "/dashboard": "The dashboard is for the instructors who run a workshop.",
    "/admin": "Managing accounts is for admins.",
}


def may_open(actor: Actor | None, route: str) -> bool:
    roles = SECTION_ROLES.get(route)
    return actor is not None and (roles is None or actor.role in roles)


def closed_routes(actor: Actor | None) -> list[str]:
    """The routes this person's sidebar leaves out (all restricted ones for nobody)."""
    return [route for route in SECTION_ROLES if not may_open(actor, route)]


def require_section(actor: Actor | None, route: str) -> Actor:
    """The person, or Forbidden with why this page is not theirs."""
    actor = require_actor(actor)
    if not may_open(actor, route):
        raise Forbidden(_WHY.get(route, "This page is not open to your role."), hint="Use the sections in the sidebar.")
    return actor
