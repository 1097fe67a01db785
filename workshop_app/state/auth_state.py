"""The signed-in person, for every page that needs one.

The browser keeps only the opaque session token, in an HttpOnly cookie the page's scripts
cannot read (see services/accounts/session_handover). The websocket's handshake carries it, so
handlers read it from the connection's headers; every handler that acts resolves it
through the services again, so a redirect is never the only guard.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import reflex as rx

from workshop_app.services.accounts import auth, session_handover
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.workshops import sections
from workshop_app.services.workshops.policy import Actor
from workshop_app.state.feedback import toasts_errors

LOGIN_ROUTE = "/login"


class AuthState(rx.State):
    """Base of every page state that needs someone signed in."""

    _fresh_token: str = ""  # server-side only, like every `_` var: a session begun or ended on this connection
    _fresh_for_cookie: str | None = None  # the connection's cookie header then; a newer connection reads its cookie
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

    def _session_token(self) -> str:
        """The session this tab signed in (or out) to on this connection, else the cookie its handshake carried."""
        if self._began_here():
            return self._fresh_token
        return session_handover.token_from_cookie_header(self.router.headers.cookie)

    def _began_here(self) -> bool:
        """Whether this tab signed in (or out) on its current connection, so its cookie header is out of date."""
        return self._fresh_for_cookie is not None and self._fresh_for_cookie == self.router.headers.cookie

    def signed_in(self) -> Actor | None:
        """The person behind this browser now, or None (expired, revoked, disabled, removed)."""
        try:
            return self.acting()
        except WorkshopError:
            return None

    def acting(self) -> Actor:
        """Like `signed_in`, but the service's typed error says why nobody is signed in."""
        return self._shown_as(auth.actor_for_session(self._session_token()))

    async def acting_off_loop(self) -> Actor:
        """`acting` without database reads on the event loop, for handlers that must not hold up other tabs."""
        return self._shown_as(await auth.recent_actor_for_session(self._session_token()))

    def _shown_as(self, actor: Actor) -> Actor:
        # Assigned even when equal: a page's own copy of `is_instructor` (computed from `role`) is only
        # recomputed and sent when `role` is assigned; skipping an equal role could leave a page opened
        # right after sign-in showing its attendee view (an instructor's "New workshop" missing).
        self.display_name, self.username, self.role = actor.display_name, actor.username, actor.role
        self.closed_routes = sections.closed_routes(actor)
        return actor

    def _set_changed(self, **values: object) -> None:
        """Assign only the values that differ: Reflex sends every assigned var (and what is computed from it)
        in the next state delta, equal or not. For a page's own vars; not for ones other pages compute from."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    @toasts_errors
    def attempt(self, action: Callable[[Actor], object]) -> rx.event.EventSpec | None:
        """Run one service call as the signed-in person; a refusal becomes a toast."""
        action(self.acting())
        return None

    def to_login(self) -> rx.event.EventSpec:
        self.display_name = self.username = self.role = ""
        self.closed_routes = sections.closed_routes(None)
        return rx.redirect(f"{LOGIN_ROUTE}?next={quote(self.router.url.path or '/')}")

    def begin_session(self, actor: Actor, token: str, next_path: str) -> list[rx.event.EventSpec]:
        """Store the new session as an HttpOnly cookie (through the server) and go on to `next_path`."""
        self._shown_as(actor)
        return [self._hand_over(token), rx.redirect(next_path)]

    def _hand_over(self, token: str) -> rx.event.EventSpec:
        """Remember `token` for this connection and have the page POST its sealed ticket to the server."""
        headers = self.router.headers
        self._fresh_token, self._fresh_for_cookie = token, headers.cookie
        origin = headers.origin or f"http://{headers.host}"
        endpoint = session_handover.ENDPOINT
        if headers.host:  # the backend's own address: in development the page is served from another port
            endpoint = f"{urlsplit(origin).scheme}://{headers.host}{endpoint}"
        body = "ticket=" + quote(session_handover.seal(token, origin), safe="")
        return rx.call_script(
            f"fetch({json.dumps(endpoint)}, {{method: 'POST', credentials: 'include', mode: 'no-cors',"
            f" headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: {json.dumps(body)}}})"
        )

    def _end_session(self) -> list[rx.event.EventSpec]:
        self.display_name = self.username = self.role = ""
        self.closed_routes = sections.closed_routes(None)
        return [self._hand_over(""), rx.redirect(LOGIN_ROUTE)]

    def refuse_section(self, route: str) -> list[rx.event.EventSpec] | rx.event.EventSpec | None:
        """Page guard for a role's own pages: nobody goes to the login page, the wrong role to the
        Playground with a toast that says whose page it is; None lets the page load."""
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        refused = self._require_section(actor, route)
        return None if refused is None else [rx.redirect("/playground"), refused]

    @toasts_errors
    def _require_section(self, actor: Actor, route: str) -> rx.event.EventSpec | None:
        sections.require_section(actor, route)
        return None

    @rx.event
    def require_sign_in(self):
        """Page guard (first on_load event): signed-in visitors stay, others go to the login page."""
        if self.signed_in() is None:
            return self.to_login()

    @rx.event
    def sign_out(self):
        auth.sign_out(self._session_token())
        return self._end_session()

    @rx.event
    def sign_out_everywhere(self):
        actor = self.signed_in()
        if actor is not None:
            auth.sign_out_everywhere(actor)
        return [*self._end_session(), rx.toast.success("Signed out on every device.")]
