"""Sign-in page (and the first-run hint to create the admin account)."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import entry_card, field, form_error
from workshop_app.state.account_forms_state import AccountFormsState


def login_page() -> rx.Component:
    return entry_card(
        "Sign in",
        "Instructors and attendees with a password sign in here.",
        rx.cond(
            AccountFormsState.no_accounts_yet,
            rx.callout(
                rx.text("No accounts yet. ", rx.link("Create the first account", href="/register"), " — it becomes the admin."),
                icon="info",
            ),
        ),
        rx.form(
            rx.vstack(
                field("Username", "username", auto_complete="username", required=True, auto_focus=True),
                field("Password", "password", type_="password", auto_complete="current-password", required=True),
                form_error(AccountFormsState.error),
                rx.button("Sign in", type="submit", width="100%", id="sign-in-button"),
                spacing="3",
                width="100%",
            ),
            on_submit=AccountFormsState.sign_in,
            reset_on_submit=False,
        ),
        rx.divider(),
        rx.text("In a workshop? ", rx.link("Join with the code", href="/join"), " — no password needed.", size="2"),
        rx.text("New here? ", rx.link("Create an account", href="/register"), size="2"),
    )
