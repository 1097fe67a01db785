"""Join a workshop with its code and a display name: no e-mail, no password."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import entry_card, entry_form, field
from workshop_app.state.account_forms_state import AccountFormsState


def join_page() -> rx.Component:
    return entry_card(
        "Join a workshop",
        "Type the code on the instructor's screen and the name others should see. You land in the playground.",
        entry_form(
            AccountFormsState.join,
            AccountFormsState.error,
            "Join",
            "join-button",
            field(
                "Workshop code",
                "code",
                placeholder="blue-otter-42",
                value=AccountFormsState.join_code,
                on_change=AccountFormsState.set_join_code,
                required=True,
                auto_complete="off",
            ),
            field("Your name", "display_name", placeholder="Ada", required=True, auto_focus=True, max_length=40),
        ),
        rx.callout(
            "Private means private: your chats, prompts, documents, collections and RAG systems are visible to you "
            "alone — not to the instructor. Share an item with the workshop when you want others to see it.",
            icon="lock",
            size="1",
            id="privacy-note",
        ),
        rx.text("Have a password? ", rx.link("Sign in", href="/login"), size="2"),
    )
