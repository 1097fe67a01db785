"""The signed-in person, for every page that needs one.

The browser keeps only the opaque session token (a cookie); every handler that
acts resolves it through the services again, so a redirect is never the only guard.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import reflex as rx

from workshop_app.services import auth, sections
from workshop_app.services.errors import WorkshopError
from workshop_app.services.policy import Actor
from workshop_app.settings import get_settings
from workshop_app.state.feedback import error_toast

SESSION_COOKIE = "workshop_session"
LOGIN_ROUTE = "/login"


class AuthState(rx.State):
    """Base of every page state that needs someone signed in."""

    session_token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict", max_age=get_settings().session_days * 86400)
    display_name: str = ""
    username: str = ""
    role: str = ""
    closed_routes: list[str] = sections.closed_routes(None)  # sections the sidebar leaves out for this role

    @rx.var
    def is_instructor(self) -> bool:
        return self.role in ("instructor", "admin")

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    def signed_in(self) -> Actor | None:
        """The person behind this browser now, or None (expired, revoked, disabled, removed)."""
        try:
            return self.acting()
        except WorkshopError:
            return None

    def acting(self) -> Actor:
        """Like `signed_in`, but the service's typed error says why nobody is signed in."""
        return self._shown_as(auth.actor_for_session(self.session_token))

    async def acting_off_loop(self) -> Actor:
        """`acting` without database reads on the event loop, for handlers that must not hold up other tabs."""
        return self._shown_as(await auth.recent_actor_for_session(self.session_token))

    def _shown_as(self, actor: Actor) -> Actor:
        self.display_name, self.username, self.role = actor.display_name, actor.username, actor.role
        self.closed_routes = sections.closed_routes(actor)
        return actor

    def attempt(self, action: Callable[[Actor], object]) -> rx.event.EventSpec | None:
        """Run one service call as the signed-in person; a refusal becomes a toast."""
        try:
            action(self.acting())
        except WorkshopError as error:
            return error_toast(error)
        return None

    def to_login(self) -> rx.event.EventSpec:
        self.display_name = self.username = self.role = ""
        self.closed_routes = sections.closed_routes(None)
        return rx.redirect(f"{LOGIN_ROUTE}?next={quote(self.router.url.path or '/')}")

    def begin_session(self, actor: Actor, token: str) -> None:
        self.session_token = token
        self._shown_as(actor)

    def refuse_section(self, route: str) -> list[rx.event.EventSpec] | rx.event.EventSpec | None:
        """Page guard for a role's own pages: nobody goes to the login page, the wrong role to the
        Playground with a toast that says whose page it is; None lets the page load."""
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        try:
            sections.require_section(actor, route)
        except WorkshopError as error:
            return [rx.redirect("/playground"), error_toast(error)]
        return None

    @rx.event
    def require_sign_in(self):
        """Page guard (first on_load event): signed-in visitors stay, others go to the login page."""
        if self.signed_in() is None:
            return self.to_login()

    @rx.event
    def sign_out(self):
        auth.sign_out(self.session_token)
        self.session_token = ""
        return self.to_login()

    @rx.event
    def sign_out_everywhere(self):
        actor = self.signed_in()
        if actor is not None:
            auth.sign_out_everywhere(actor)
        self.session_token = ""
        return [self.to_login(), rx.toast.success("Signed out on every device.")]
