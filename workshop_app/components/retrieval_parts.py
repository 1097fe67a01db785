"""Pieces shared by the Collections and RAG pages: a retrieved chunk, an empty state, a labelled field."""

from __future__ import annotations

import reflex as rx


def empty_state(icon: str, message: str, *action: rx.Component) -> rx.Component:
    return rx.callout(
        rx.hstack(rx.text(message), *action, align="center", spacing="3", wrap="wrap"), icon=icon, width="100%"
    )


def field(label: str, control: rx.Component, hint: str = "", width: str = "100%") -> rx.Component:
    """A control inside its <label>, so screen readers (and tests) find it by the label's text."""
    return rx.el.label(
        rx.vstack(
            rx.text(label, size="2", weight="medium"),
            control,
            rx.text(hint, size="1", color=rx.color("gray", 11)) if hint else rx.fragment(),
            spacing="1",
            width="100%",
        ),
        width=width,
    )


def visibility_field() -> rx.Component:
    """Who else may read what is being created (the policy's three levels)."""
    return field(
        "Who can see it",
        rx.select.root(
            rx.select.trigger(),
            rx.select.content(
                rx.select.item("Only me", value="private"),
                rx.select.item("My workshop", value="workshop"),
                rx.select.item("Everyone signed in", value="public"),
            ),
            name="visibility",
            default_value="private",
        ),
    )


def chunk_card(hit: rx.Var, *extra: rx.Component) -> rx.Component:
    """One retrieved chunk: number, score, where it comes from, and its text."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.cond(hit.number > 0, rx.badge("[", hit.number, "]", variant="solid", size="2")),
                rx.badge("score ", hit.score, variant="soft", color_scheme="green"),
                rx.text(hit.title, weight="medium"),
                rx.text(hit.where, size="1", color=rx.color("gray", 11)),
                rx.cond(
                    hit.fate != "",
                    rx.badge(hit.fate, color_scheme=rx.cond(hit.used, "green", "orange"), variant="outline"),
                ),
                *extra,
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            rx.text(hit.text, size="2", white_space="pre-wrap"),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="chunk-card",
    )


def list_and_detail(
    intro: str, create: rx.Component, has_items: rx.Var, items: rx.Component, detail: rx.Component, empty: rx.Component
) -> rx.Component:
    """An intro line with the create button, then the items beside the selected one's detail (or the empty state)."""
    return rx.fragment(
        rx.hstack(rx.text(intro, color=rx.color("gray", 11)), rx.spacer(), create, width="100%", align="center"),
        rx.cond(
            has_items,
            # Side by side from a tablet's width up; on a phone the list comes above the detail.
            rx.flex(
                rx.vstack(items, width=rx.breakpoints(initial="100%", sm="16rem"), min_width="12rem", flex_shrink="0"),
                rx.box(detail, flex="1", min_width="0", width="100%"),
                direction=rx.breakpoints(initial="column", sm="row"),
                align="start",
                gap="1.5rem",
                width="100%",
            ),
            empty,
        ),
    )
