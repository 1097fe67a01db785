"""The page for an address that leads nowhere, usually one typed from the projector with a slip."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.entry_card import entry_card


def not_found_page() -> rx.Component:
    return entry_card(
        "Page not found",
        "Nothing is at this address. Check it against the instructor's screen, or go on from here.",
        rx.vstack(
            rx.link(rx.button("Join a workshop with its code", width="100%"), href="/join", width="100%"),
            rx.link(rx.button("Open the playground", variant="soft", width="100%"), href="/playground", width="100%"),
            spacing="2",
            width="100%",
        ),
        rx.text("Have a password? ", rx.link("Sign in", href="/login"), size="2"),
    )
