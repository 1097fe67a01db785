"""Showing a part only from (or up to) some window width."""

from __future__ import annotations

import reflex as rx


def by_width(breakpoints: list[str], child: rx.Component, *, inline: bool = False, **props) -> rx.Component:
    """Show `child` per breakpoint through a plain element: a Radix one's own display rule wins on pages that
    load the theme's stylesheet a second time (those with an upload field). `inline` wraps it in a span,
    for a place a div may not be (inside a button)."""
    return (rx.el.span if inline else rx.el.div)(child, display=breakpoints, **props)
