"""A table's header row, named for screen readers too."""

from __future__ import annotations

import reflex as rx


def header_row(*titles: str) -> rx.Component:
    """Column headers; the column of buttons (an empty title) is called "Actions" for screen readers only."""
    return rx.table.header(
        rx.table.row(
            *(
                rx.table.column_header_cell(title or rx.el.span("Actions", class_name="visually-hidden"))
                for title in titles
            )
        )
    )
