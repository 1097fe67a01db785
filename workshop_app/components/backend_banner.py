"""What serves the room, said plainly: a note for the built-in engine, and a clear banner when an
Ollama host cannot be reached (the URL tried and how to fix it). The words come from the services."""

from __future__ import annotations

import reflex as rx


def engine_notice(hosts: rx.Var) -> rx.Component:
    """One line per reachable host whose meaning people should know (the built-in CPU engine)."""
    return rx.foreach(
        hosts,
        lambda host: rx.cond(
            host["note"] != "",
            rx.callout(
                host["note"], icon="cpu", color_scheme="blue", size="1", width="100%", class_name="engine-notice"
            ),
        ),
    )


def backend_banner(unreachable: rx.Var, on_retry: rx.EventHandler, hosts: rx.Var) -> rx.Component:
    return rx.fragment(
        engine_notice(hosts),
        rx.cond(
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
        ),
    )
