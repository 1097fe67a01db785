"""Give every UI event a request id in the logs, the way REST requests get one.

Reflex runs each event in its own task with an EventContext; its transaction id is
unique per event and visible to everything the handler awaits (down to the Ollama
call), so the log processor reads it lazily instead of each handler binding one.
"""

from __future__ import annotations

from reflex_base.event.context import EventContext

from workshop_app.services.operations.logs import add_request_id_provider


def _ui_event_id() -> str | None:
    try:
        return f"ui-{EventContext.get().txid}"
    except LookupError:
        return None


def install_ui_event_ids() -> None:
    add_request_id_provider(_ui_event_id)
