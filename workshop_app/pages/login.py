"""Sign-in page (and the first-run hint to create the admin account)."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import entry_card, entry_form, field
from workshop_app.state.account_forms_state import AccountFormsState


def login_page() -> rx.Component:
    return entry_card(
        "Sign in",
        "Instructors and attendees with a password sign in here.",
        rx.cond(
            AccountFormsState.no_accounts_yet,
            rx.callout(
                rx.text(
                    "No accounts yet. ",
                    rx.link("Create the first account", href="/register"),
                    " — it becomes the admin.",
                ),
                icon="info",
            ),
        ),
        entry_form(
            AccountFormsState.sign_in,
            AccountFormsState.error,
            "Sign in",
            "sign-in-button",
            field("Username", "username", auto_complete="username", required=True, auto_focus=True),
            field("Password", "password", type_="password", auto_complete="current-password", required=True),
        ),
        rx.divider(),
        rx.text("In a workshop? ", rx.link("Join with the code", href="/join"), " — no password needed.", size="2"),
        rx.text("New here? ", rx.link("Create an account", href="/register"), size="2"),
    )
