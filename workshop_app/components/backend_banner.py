"""A clear banner when an Ollama host cannot be reached: the URL tried and how to fix it."""

from __future__ import annotations

import reflex as rx


def backend_banner(unreachable: rx.Var, on_retry: rx.EventHandler) -> rx.Component:
    return rx.cond(
        unreachable.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.foreach(
                    unreachable,
                    lambda host: rx.vstack(
                        rx.text(host["error"], weight="bold"),
                        rx.text(host["hint"], size="2"),
                        spacing="1",
                    ),
                ),
                rx.button(rx.icon("refresh-cw", size=14), "Retry", on_click=on_retry, size="1", variant="soft"),
                spacing="2",
            ),
            color_scheme="red",
            role="alert",
            width="100%",
            id="backend-banner",
        ),
    )
