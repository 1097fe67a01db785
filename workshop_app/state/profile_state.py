"""The profile page: your name, your password, signing out everywhere, your API keys."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.accounts import api_keys, users
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.workshops import lifecycle as workshops
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.time_format import ago


class ProfileState(AuthState):
    has_password: bool = False
    workshop_title: str = ""
    keys: list[dict[str, str | int | bool]] = []
    new_key_secret: str = ""  # shown once, right after creation, until dismissed

    @rx.event
    def load(self):
        actor = self.signed_in()
        if actor is None:
            return self.to_login()
        joined = [w for w in workshops.list_workshops(actor) if w.id == actor.workshop_id]
        self.workshop_title = joined[0].title if joined else ""
        self.new_key_secret = ""
        self._refresh(actor)

    @rx.event
    def save_name(self, form: dict):
        return self._act(
            lambda actor: users.update_display_name(actor, actor.id, form.get("display_name", "")), "Name saved."
        )

    @rx.event
    @toasts_errors
    def save_password(self, form: dict):
        if form.get("new_password") != form.get("confirm"):
            raise InvalidInput("The two new passwords differ.", hint="Type the same password twice.")
        return self._act(
            lambda actor: users.set_password(
                actor, actor.id, form.get("new_password", ""), form.get("current_password", "")
            ),
            "Password saved. You can now sign in with your username from any device.",
        )

    @rx.event
    @toasts_errors
    def create_key(self, form: dict):
        actor = self.acting()
        _, self.new_key_secret = api_keys.create_api_key(actor, form.get("name", ""))
        self._refresh(actor)

    @rx.event
    def revoke_key(self, key_id: int):
        return self._act(lambda actor: api_keys.revoke_api_key(actor, key_id), "Key revoked: it no longer works.")

    @rx.event
    def dismiss_secret(self):
        self.new_key_secret = ""

    @toasts_errors
    def _act(self, action, success: str):
        action(self.acting())
        self._refresh(self.acting())  # also refreshes the name shown in the menu
        return rx.toast.success(success)

    def _refresh(self, actor) -> None:
        self.has_password = users.get_account(actor, actor.id).password_hash is not None
        self.keys = [
            {
                "id": key.id or 0,
                "name": key.name,
                "prefix": key.prefix,
                "created": ago(key.created_at),
                "last_used": ago(key.last_used_at),
                "revoked": key.revoked_at is not None,
            }
            for key in api_keys.list_api_keys(actor)
        ]
