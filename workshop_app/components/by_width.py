"""Showing a part only from (or up to) some window width."""

from __future__ import annotations

import reflex as rx


def by_width(breakpoints: list[str], child: rx.Component, **props) -> rx.Component:
    """Show `child` per breakpoint through a plain element: a Radix one's own display rule wins on pages that
    load the theme's stylesheet a second time (those with an upload field)."""
    return rx.el.div(child, display=breakpoints, **props)
