"""Pieces of the Evaluate page: a figure, a run's per-question table, and the settings chart."""

from __future__ import annotations

import reflex as rx


def figure(label: str, value: rx.Var, note: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.text(value, size="7", weight="bold"),
            rx.text(note, size="1", color=rx.color("gray", 11)) if note else rx.fragment(),
            spacing="1",
        ),
        min_width="8rem",
    )


def _outcome(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.question), rx.text(row.note, size="1", color=rx.color("orange", 11))),
        rx.table.cell(row.expected),
        rx.table.cell(rx.badge(row.rank, color_scheme=rx.cond(row.found, "green", "red"), variant="soft")),
        rx.table.cell(rx.text(row.sources, size="1")),
        class_name="outcome-row",
    )


def outcomes_table(rows: rx.Var) -> rx.Component:
    """Per question: what should be found, at which rank it was, and the top k sources (✓ marks the expected)."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Question"),
                    rx.table.column_header_cell("Should find"),
                    rx.table.column_header_cell("Rank"),
                    rx.table.column_header_cell("Top k retrieved (document #chunk)"),
                )
            ),
            rx.table.body(rx.foreach(rows, _outcome)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
    )


def settings_chart(points: rx.Var) -> rx.Component:
    """recall@k and MRR per setting, side by side, on one 0-1 scale."""
    return rx.recharts.responsive_container(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
            rx.recharts.x_axis(data_key="setting"),
            rx.recharts.y_axis(domain=[0, 1]),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(),
            # no grow-in animation: a projector (or a screenshot) shows the true heights at once
            rx.recharts.bar(data_key="recall", name="recall@k", fill=rx.color("accent", 9), is_animation_active=False),
            rx.recharts.bar(data_key="mrr", name="MRR", fill=rx.color("grass", 9), is_animation_active=False),
            data=points,
        ),
        width="100%",
        height=280,
    )
