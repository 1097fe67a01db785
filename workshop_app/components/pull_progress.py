"""One progress bar per pull, summed over the layers: bytes, speed, ETA, status text, cancel."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from workshop_app.components.job_status import job_status_badge


def pull_card(
    pull: rx.Var,
    on_cancel: Callable[[rx.Var, rx.Var], rx.EventSpec],
    on_dismiss: Callable[[rx.Var, rx.Var], rx.EventSpec],
    can_manage: rx.Var,
) -> rx.Component:
    """A running pull can be cancelled, a finished one dismissed (by those who manage models)."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("download", size=16),
                rx.text(pull.model, weight="bold"),
                rx.text("on", color=rx.color("gray", 11), size="2"),
                rx.code(pull.host, size="1"),
                rx.spacer(),
                job_status_badge(pull.state, class_name="pull-state"),
                rx.cond(
                    pull.running & can_manage,
                    rx.button(
                        rx.icon("x", size=14),
                        "Cancel",
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=on_cancel(pull.model, pull.host),
                        class_name="pull-cancel",
                    ),
                ),
                rx.cond(
                    ~pull.running & can_manage,
                    rx.icon_button(
                        rx.icon("x", size=14),
                        size="1",
                        variant="ghost",
                        color_scheme="gray",
                        on_click=on_dismiss(pull.model, pull.host),
                        class_name="pull-dismiss",
                        aria_label="Dismiss this card",
                    ),
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                pull.state != "failed",
                rx.progress(value=pull.percent.to(int), max=100, width="100%", aria_label="Pull progress"),
            ),
            rx.cond(
                pull.state != "failed",
                rx.hstack(
                    rx.text(pull.percent.to_string() + " %", weight="medium", class_name="pull-percent"),
                    rx.text(pull.amount, size="2"),
                    rx.text(pull.speed, size="2", color=rx.color("gray", 11)),
                    rx.text(pull.eta, size="2", color=rx.color("gray", 11)),
                    rx.spacer(),
                    rx.text(pull.status, size="2", color=rx.color("gray", 11), class_name="pull-status"),
                    width="100%",
                    wrap="wrap",
                ),
            ),
            rx.cond(
                pull.error != "",
                rx.callout(pull.error + " " + pull.hint, icon="triangle-alert", color_scheme="red", size="1"),
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        class_name="pull-card",
    )
