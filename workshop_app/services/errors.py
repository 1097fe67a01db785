"""Typed errors that cross layers; the REST face maps them to status codes, the UI to toasts.

Each carries a `hint`: the next step a person can take, shown next to the message.
"""

from __future__ import annotations


class WorkshopError(Exception):
    """Base of every error the platform expects and explains."""

    status_code = 400
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class InvalidInput(WorkshopError):
    status_code = 422


class NotFound(WorkshopError):
    status_code = 404
