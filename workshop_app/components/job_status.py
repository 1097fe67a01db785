"""The badge that says where a background job stands, in the one job vocabulary and one set of colours."""

from __future__ import annotations

import reflex as rx


def job_status_badge(status: rx.Var, **props: object) -> rx.Component:
    """queued and running in blue, done in green, failed in red, cancelled in amber, on every page."""
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("done", "green"), ("failed", "red"), ("cancelled", "amber"), "blue"),
        **props,
    )
