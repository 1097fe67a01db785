"""Dashboard page: the instructor watches the room live — attendees, usage, queues, requests per minute."""

from __future__ import annotations

import reflex as rx

from workshop_app.components.help_parts import help_queue
from workshop_app.components.shell import page_shell
from workshop_app.state.dashboard_state import DashboardState

REFRESH_MS = 3000


def _figure(label: str, value: rx.Var, figure_id: str) -> rx.Component:
    return rx.card(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(value, size="6", weight="bold", id=figure_id),
        min_width="10rem",
    )


def _hosts() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Host"),
                rx.table.column_header_cell("In flight"),
                rx.table.column_header_cell("Waiting"),
            )
        ),
        rx.table.body(
            rx.foreach(
                DashboardState.hosts,
                lambda host: rx.table.row(
                    rx.table.cell(
                        rx.hstack(
                            rx.code(host["url"], variant="ghost"),
                            rx.badge(host["engine"], variant="soft", class_name="host-engine"),
                            align="center",
                            wrap="wrap",
                        )
                    ),
                    rx.table.cell(host["in_flight"].to(str) + " of " + host["parallelism"].to(str)),
                    rx.table.cell(host["waiting"]),
                    class_name="host-row",
                ),
            )
        ),
        width="100%",
    )


def _chart() -> rx.Component:
    return rx.recharts.responsive_container(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.x_axis(data_key="minute"),
            rx.recharts.y_axis(allow_decimals=False),
            rx.recharts.graphing_tooltip(),
            rx.recharts.bar(data_key="requests", name="requests", fill=rx.color("accent", 9)),
            data=DashboardState.per_minute,
        ),
        width="100%",
        height=220,
    )


def _attendee_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.cond(row["online"], rx.badge("online", color_scheme="grass"), rx.badge("away", color_scheme="gray")),
                rx.text(row["name"]),
                align="center",
            )
        ),
        rx.table.cell(row["requests"]),
        rx.table.cell(row["tokens"]),
        rx.table.cell(row["errors"]),
        rx.table.cell(row["rate_limited"]),
        rx.table.cell(row["last"]),
        class_name="attendee-row",
    )


def _attendees() -> rx.Component:
    headers = ("Attendee", "Requests today", "Tokens today", "Errors", "Rate-limited", "Last activity")
    return rx.cond(
        DashboardState.attendees.length() > 0,
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
            rx.table.body(rx.foreach(DashboardState.attendees, _attendee_row)),
            width="100%",
        ),
        rx.text("Nobody has joined yet — share the join code from the Workshop page.", color=rx.color("gray", 11)),
    )


def _board() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Workshop", as_="label", html_for="dashboard-workshop", weight="medium"),
            rx.select.root(
                rx.select.trigger(id="dashboard-workshop", aria_label="Workshop"),
                rx.select.content(
                    rx.foreach(DashboardState.workshop_options, lambda w: rx.select.item(w["title"], value=w["id"]))
                ),
                value=DashboardState.workshop_id,
                on_change=DashboardState.choose,
            ),
            rx.text("Updates every few seconds.", size="1", color=rx.color("gray", 11)),
            align="center",
        ),
        rx.flex(
            _figure("Attendees online", DashboardState.online, "online-count"),
            _figure("Requests today", DashboardState.requests_today, "requests-count"),
            _figure("Tokens today", DashboardState.tokens_today, "tokens-count"),
            _figure("Rate-limit hits", DashboardState.refusals, "refusals-count"),
            wrap="wrap",
            spacing="3",
        ),
        help_queue(),
        rx.heading("Requests per minute (UTC)", size="4", as_="h2"),
        _chart(),
        rx.heading("Queues", size="4", as_="h2"),
        _hosts(),
        rx.heading("Attendees", size="4", as_="h2"),
        _attendees(),
        rx.moment(interval=REFRESH_MS, on_change=DashboardState.tick, display="none"),
        width="100%",
        spacing="4",
    )


def dashboard_page() -> rx.Component:
    return page_shell(
        "Dashboard",
        rx.cond(
            DashboardState.workshop_options.length() > 0,
            _board(),
            rx.center(
                rx.vstack(
                    rx.icon("activity", size=32, color=rx.color("gray", 9)),
                    rx.text("The dashboard watches a workshop you run. No workshop yet — create one first."),
                    rx.link(rx.button("Go to Workshop"), href="/workshop"),
                    align="center",
                ),
                width="100%",
                padding="3rem",
            ),
        ),
    )
