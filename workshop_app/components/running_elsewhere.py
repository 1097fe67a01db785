"""The notice a page shows when one of the person's streams of it runs in another tab (or for a script),
with the button that stops it there as its own Stop would."""

from __future__ import annotations

import reflex as rx

from workshop_app.state.streaming import StreamingPage


def running_elsewhere_notice(page: type[StreamingPage], text: str) -> rx.Component:
    """Shown while `page.running_elsewhere`; `text` says what runs and where its result shows."""
    return rx.cond(
        page.running_elsewhere,
        rx.callout.root(
            rx.callout.icon(rx.icon("radio")),
            rx.hstack(
                rx.callout.text(text),
                rx.spacer(),
                rx.button(
                    rx.icon("square", size=14),
                    "Stop it",
                    on_click=page.stop_elsewhere,
                    color_scheme="red",
                    size="1",
                    id="stop-elsewhere-button",
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            color_scheme="blue",
            role="status",
            id="running-elsewhere",
            width="100%",
        ),
    )
