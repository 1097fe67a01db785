"""Sign-up page: the first account becomes the admin; later ones are attendees until promoted."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import entry_card, entry_form, field
from workshop_app.state.account_forms_state import AccountFormsState


def register_page() -> rx.Component:
    return entry_card(
        "Create an account",
        "Instructors create an account here; an admin then makes it an instructor account. "
        "Attendees do not need one: they join with the workshop's code.",
        entry_form(
            AccountFormsState.register,
            AccountFormsState.error,
            "Create account",
            "register-button",
            field(
                "Username",
                "username",
                placeholder="ada.lovelace",
                auto_complete="username",
                required=True,
                auto_focus=True,
            ),
            field("Display name", "display_name", placeholder="Ada Lovelace", required=True),
            field("Password", "password", type_="password", auto_complete="new-password", required=True),
            field("Repeat the password", "confirm", type_="password", auto_complete="new-password", required=True),
        ),
        rx.text("Have an account? ", rx.link("Sign in", href="/login"), size="2"),
    )
