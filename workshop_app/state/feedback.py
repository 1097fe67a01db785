"""How a service error reaches a person: a toast that says what happened and what to do."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx

from workshop_app.services.core.errors import WorkshopError

Handler = TypeVar("Handler", bound=Callable[..., Any])


def error_toast(error: WorkshopError) -> rx.event.EventSpec:
    return rx.toast.error(error.message, description=error.hint or None, duration=8000, close_button=True)


def toasts_errors(handler: Handler) -> Handler:
    """Turn a typed service error raised by an event handler into the toast that says what to do.

    Goes under `@rx.event`, so no handler hand-writes the try/except: a refusal ends the
    handler where it was raised (state changes made before it stay) and the person sees why.
    Works for plain, async and async-generator (background) handlers.
    """
    if inspect.isasyncgenfunction(handler):

        @functools.wraps(handler)
        async def stream_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                async for event in handler(*args, **kwargs):
                    yield event
            except WorkshopError as error:
                yield error_toast(error)

        return stream_wrapper  # type: ignore[return-value]
    if inspect.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await handler(*args, **kwargs)
            except WorkshopError as error:
                return error_toast(error)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except WorkshopError as error:
            return error_toast(error)

    return wrapper  # type: ignore[return-value]
