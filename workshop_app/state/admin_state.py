"""The Admin page: every account, with role changes, disabling and password resets; new instructor accounts."""

from __future__ import annotations

import reflex as rx

from workshop_app.db.users import Role
from workshop_app.services.accounts import users
from workshop_app.services.core.errors import WorkshopError
from workshop_app.state.auth_state import AuthState
from workshop_app.state.feedback import toasts_errors
from workshop_app.state.time_format import ago


class AdminState(AuthState):
    accounts: list[dict[str, str | int | bool]] = []
    refused: str = ""  # why this page shows nothing (not an admin)
    temporary_password: str = ""  # shown once after a reset, until dismissed
    temporary_for: str = ""

    @rx.event
    def load(self):
        if (refusal := self.refuse_section("/admin")) is not None:
            return refusal
        return self._reload()

    @rx.event
    def change_role(self, user_id: int, role: str):
        return self._act(lambda actor: users.change_role(actor, user_id, Role(role)))

    @rx.event
    def set_disabled(self, user_id: int, disabled: bool):
        return self._act(lambda actor: users.set_disabled(actor, user_id, disabled))

    @rx.event
    @toasts_errors
    def reset_password(self, user_id: int, username: str):
        self.temporary_password = users.reset_password(self.acting(), user_id)
        self.temporary_for = username

    @rx.event
    @toasts_errors
    def create_instructor(self, form: dict):
        """A new instructor account; its temporary password is shown once, as after a reset."""
        user, password = users.create_instructor(self.acting(), form.get("username", ""), form.get("display_name", ""))
        self.temporary_password, self.temporary_for = password, user.username
        return self._reload()

    @rx.event
    def dismiss_password(self):
        self.temporary_password = self.temporary_for = ""

    def _act(self, action):
        return self.attempt(action) or self._reload()

    def _reload(self):
        try:
            accounts = users.list_accounts(self.acting())
        except WorkshopError as error:
            self.accounts, self.refused = [], f"{error.message} {error.hint}"
            return None
        self.refused = ""
        self.accounts = [
            {
                "id": user.id or 0,
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "disabled": user.disabled,
                "is_me": user.username == self.username,
                "created": ago(user.created_at),
                "last_active": ago(user.last_active_at),
            }
            for user in accounts
        ]
