"""The instructor's workshop picker of the Arena and Exercises pages, and what they show before any workshop exists."""

from __future__ import annotations

from typing import Any

import reflex as rx


def workshop_picker(state: Any) -> rx.Component:
    """A select over `state.workshop_options` (id, title) bound to `state.workshop_id`."""
    return rx.select.root(
        rx.select.trigger(placeholder="Workshop", aria_label="Workshop"),
        rx.select.content(rx.foreach(state.workshop_options, lambda w: rx.select.item(w["title"], value=w["id"]))),
        value=state.workshop_id,
        on_change=state.choose_workshop,
    )


def with_a_workshop(state: Any, content: rx.Component, what: str) -> rx.Component:
    """`content` once the instructor runs a workshop; before that, the next step instead of empty tables."""
    return rx.cond(
        state.workshop_options.length() > 0,
        content,
        rx.callout(
            rx.text(
                f"{what} belong to a workshop, and you run none yet. ",
                rx.link("Create one on the Workshop page", href="/workshop"),
                ", then come back here.",
            ),
            icon="info",
            width="100%",
            id="no-workshop-yet",
        ),
    )
