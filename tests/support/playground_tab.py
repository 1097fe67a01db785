"""A Playground tab without a browser: what the page sends and receives over Reflex's event protocol.

It opens the socket as a signed-in account (tests/support/reflex_tab.py), so the page's on_load runs as
that person, then sends the Playground's `set_model`, `set_draft` and `send` events back to back, as
the page's event queue does. Used by the scale-out test and the UI latency benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.support.reflex_tab import ReflexTab
from workshop_app.state.playground_state import PlaygroundState

PAGE = "/playground"

# Imported here, in the importing (main) thread: see tests/support/reflex_tab.py.
PLAYGROUND_STATE = PlaygroundState.get_full_name()


class PlaygroundTab(ReflexTab):
    """One browser tab on the Playground page; `messages` is the chat as the page last showed it since Send,
    `reply` the reply it shows streaming in, `redraws` the Playground's part of every delta since Send."""

    def __init__(self, url: str, session_token: str, timeout_s: float = 120.0) -> None:
        super().__init__(url, session_token, timeout_s)
        self.playground = PLAYGROUND_STATE
        self.messages: list[dict[str, Any]] = []
        self.reply: dict[str, Any] = {}
        self.redraws: list[dict[str, Any]] = []

    async def open(self, model: str) -> None:
        """Connect, and wait until the page's on_load has listed `model` (which also proves the session cookie
        signed the tab in)."""
        await self.open_socket(PAGE)
        await self._until(lambda mine: model in mine.get("model_options_rx_state_", []))

    async def chat(self, model: str, text: str, params: dict[str, str] | None = None) -> tuple[float, float]:
        """Seconds from emitting `send` to the first assistant text and to the end of the stream;
        `params` are the page's generation parameters (e.g. {"num_predict": "128"})."""
        await self._emit("set_model", value=model)
        for name, value in (params or {}).items():
            await self._emit("set_param", name=name, value=value)
        await self._emit("set_draft", value=text)
        started = time.perf_counter()
        self.messages, self.reply, self.redraws = [], {}, []  # the previous reply is not this one's first token
        await self._emit("send")
        await self._until(lambda _mine: self._has_reply_text())
        first = time.perf_counter()
        await self._until(lambda mine: mine.get("streaming_rx_state_") is False)
        return first - started, time.perf_counter() - started

    def _has_reply_text(self) -> bool:
        return bool(self.reply.get("content"))

    async def _emit(self, handler: str, **payload: Any) -> None:
        await self.emit(f"{self.playground}.{handler}", PAGE, **payload)

    async def _until(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The Playground's part of the next state delta for which `done` holds; toasts are failures."""
        while True:
            update = await self.next_update()
            for event in update.get("events", []):
                if "toast" in str(event):
                    raise RuntimeError(f"the Playground refused: {event}")
            mine = update.get("delta", {}).get(self.playground, {})
            self.redraws += [mine] if mine else []
            self.messages = mine.get("messages_rx_state_", self.messages)
            self.reply = mine.get("reply_rx_state_", self.reply)
            if mine and done(mine):
                return mine
