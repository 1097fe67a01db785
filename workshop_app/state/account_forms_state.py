"""Sign in, sign up, and join a workshop with its code: the ways into the platform."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.accounts import auth
from workshop_app.services.core.errors import WorkshopError
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors

HOME = "/playground"


def _safe_next(target: str) -> str:
    """Only same-site paths, so a crafted link cannot send people elsewhere after signing in."""
    return target if target.startswith("/") and not target.startswith("//") else HOME


class AccountFormsState(AuthState):
    """One form at a time; `error` repeats the last refusal next to the form."""

    error: str = ""
    no_accounts_yet: bool = False
    join_code: str = ""
    _refused_on: str = ""  # the page (connection and address) whose attempt `error` answers

    @rx.event
    def open_login(self):
        """A visitor who is signed in already goes on to where the page was asked to lead (`next`).

        The server runs a page's on_load after the events the page sent before it was hydrated: a
        quick sign-in (a password manager's) is handled first, and has led the tab on already. Its
        load then finds the person signed in on this tab, and leaves the page where it went."""
        self._forget_refusal_from_elsewhere()
        self.no_accounts_yet = not auth.has_accounts()
        if self.signed_in() is not None and not self._began_here():
            return rx.redirect(_safe_next(self.router.url.query_parameters.get("next", HOME)))
        return None

    @rx.event
    def open_join(self):
        """The code from the link (/join/<code>, the QR code's, or ?code=); without one the field is left
        as it is, since re-sending a remembered code would overwrite what the person is typing there."""
        self._forget_refusal_from_elsewhere()
        code = self.router.url.path.rstrip("/").removeprefix("/join").strip("/")
        code = code or self.router.url.query_parameters.get("code", "").strip()
        if code and code != self.join_code:
            self.join_code = code

    def _page(self) -> str:
        return f"{self.router.session.session_id} {self.router.url}"

    def _refuse(self, message: str) -> None:
        self.error, self._refused_on = message, self._page()

    def _forget_refusal_from_elsewhere(self) -> None:
        """A form opens without an earlier page's refusal; a load that arrives after a quick attempt on
        its own page (see `open_login`) keeps the refusal that attempt was just shown."""
        if self._refused_on != self._page():
            self.error = ""

    @rx.event
    def set_join_code(self, value: str):
        self.join_code = value

    @rx.event
    def sign_in(self, form: dict):
        return self._enter(lambda ip: auth.sign_in(form.get("username", ""), form.get("password", ""), ip))

    @rx.event
    def register(self, form: dict):
        if form.get("password") != form.get("confirm"):
            self._refuse("The two passwords differ.")
            return rx.toast.error(self.error, description="Type the same password twice.")
        return self._enter(
            lambda ip: auth.register(
                form.get("username", ""), form.get("display_name", ""), form.get("password", ""), ip
            )
        )

    @rx.event
    def join(self, form: dict):
        return self._enter(
            lambda ip: workshops.join_workshop(form.get("code", ""), form.get("display_name", ""), ip), HOME
        )

    @toasts_errors
    def _enter(self, attempt, target: str | None = None):
        try:
            actor, token = attempt(self.router.session.client_ip)
        except WorkshopError as error:  # repeated next to the form; the decorator shows the toast
            self._refuse(f"{error.message} {error.hint}".strip())
            raise
        self.error = ""
        next_path = target or _safe_next(self.router.url.query_parameters.get("next", HOME))
        return self.begin_session(actor, token, next_path)
