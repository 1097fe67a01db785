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


class Conflict(WorkshopError):
    """The request would overwrite or duplicate something that exists (a name in use)."""

    status_code = 409


class Unauthorized(WorkshopError):
    """Nobody (or nobody valid) is signed in: no session, an expired one, or a bad API key."""

    status_code = 401
    hint = "Sign in again."


class Forbidden(WorkshopError):
    """Signed in, but the policy does not allow this person to do this."""

    status_code = 403
    hint = "Ask your instructor or an admin if you need access."


class RateLimited(WorkshopError):
    """Too many attempts; `retry_after_s` says when trying again makes sense."""

    status_code = 429

    def __init__(self, message: str, *, retry_after_s: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class SharedStoreUnavailable(WorkshopError):
    """Redis, where the workers share what they all must see (jobs), cannot be reached."""

    status_code = 503

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The shared store (Redis) cannot be reached: {reason}",
            hint="Try again in a moment; if it lasts, check the Redis server at WORKSHOP_REDIS_URL.",
        )
