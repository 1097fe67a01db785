"""How a service error reaches a person: a toast that says what happened and what to do."""

from __future__ import annotations

import reflex as rx

from workshop_app.services.core.errors import WorkshopError


def error_toast(error: WorkshopError) -> rx.event.EventSpec:
    return rx.toast.error(error.message, description=error.hint or None, duration=8000, close_button=True)
