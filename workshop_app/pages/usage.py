"""My usage: tokens against the daily quota, requests against the rate limit, waits for a turn, models used."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.shell import page_shell
from workshop_app.state.usage_state import UsageState

U = UsageState.usage


def _meter(title: str, icon: str, figure: rx.Var, percent: rx.Var, note: rx.Var, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon(icon, size=18), rx.heading(title, size="4", as_="h2"), align="center"),
            rx.text(figure, size="5", weight="bold", id=f"{id_}-figure"),
            rx.progress(value=percent, max=100, width="100%", aria_label=title),
            rx.text(note, size="2", color=rx.color("gray", 11)),
            spacing="2",
            width="100%",
        ),
        id=id_,
        width="100%",
    )


def _model_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row.model)),
        rx.table.cell(row.requests, text_align="right"),
        rx.table.cell(row.tokens, text_align="right"),
        class_name="usage-model-row",
    )


def _activity() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Waits and models", size="4", as_="h2"),
            rx.text(U.period, size="2", color=rx.color("gray", 11), id="usage-period"),
            rx.hstack(rx.icon("hourglass", size=16), rx.text(U.waits, id="usage-waits"), align="center"),
            rx.cond(
                U.models.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Model"),
                            rx.table.column_header_cell("Requests", text_align="right"),
                            rx.table.column_header_cell("Tokens", text_align="right"),
                        )
                    ),
                    rx.table.body(rx.foreach(U.models, _model_row)),
                    width="100%",
                    id="usage-models",
                ),
                rx.text(
                    "No model requests yet — ask something in the ",
                    rx.link("Playground", href="/playground"),
                    ".",
                    color=rx.color("gray", 11),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def usage_page() -> rx.Component:
    return page_shell(
        "My usage",
        rx.hstack(
            rx.text(
                "What you have used of the shared models, counted exactly as the limits count it.",
                color=rx.color("gray", 11),
            ),
            rx.button(rx.icon("refresh-cw", size=14), "Refresh", variant="soft", on_click=UsageState.load),
            justify="between",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            UsageState.loaded,
            rx.vstack(
                rx.grid(
                    _meter("Tokens", "coins", U.tokens, U.tokens_percent, U.tokens_note, "usage-tokens"),
                    _meter("Requests", "gauge", U.requests, U.requests_percent, U.requests_note, "usage-requests"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                _activity(),
                spacing="4",
                width="100%",
            ),
            rx.spinner(),
        ),
    )
