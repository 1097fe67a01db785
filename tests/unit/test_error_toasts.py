"""A typed service error raised by a UI handler reaches the person as a toast that says what to do."""

from __future__ import annotations

import asyncio

from workshop_app.services.core.errors import InvalidInput
from workshop_app.state.feedback import toasts_errors


class Form:
    """Stands in for a page state: the decorator needs only the handler's own behaviour."""

    def __init__(self) -> None:
        self.saved = ""

    @toasts_errors
    def save(self, text: str):
        self.saved = text
        if not text.strip():
            raise InvalidInput("Write something first.", hint="Type a message, then press Save.")
        return "saved"

    @toasts_errors
    async def save_later(self, text: str):
        return self.save.__wrapped__(self, text)

    @toasts_errors
    async def stream(self, parts: int):
        for part in range(parts):
            yield part
        raise InvalidInput("The model went away.", hint="Pick another model.")


def _toast_text(spec) -> str:
    return str(spec)


def test_a_refusal_becomes_a_toast_with_the_next_step_and_earlier_changes_stay():
    form = Form()
    toast = form.save("  ")
    assert "Write something first." in _toast_text(toast)
    assert "Type a message, then press Save." in _toast_text(toast)
    assert form.saved == "  "
    assert form.save("hello") == "saved"


def test_async_handlers_toast_too():
    toast = asyncio.run(Form().save_later(""))
    assert "Write something first." in _toast_text(toast)


def test_a_stream_keeps_what_it_sent_and_ends_with_the_toast():
    async def collect():
        return [item async for item in Form().stream(2)]

    events = asyncio.run(collect())
    assert events[:2] == [0, 1]
    assert "The model went away." in _toast_text(events[2])
