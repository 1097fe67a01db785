"""A Playground tab without a browser: what the page sends and receives over Reflex's event protocol.

It opens the socket.io connection at /_event with its own tab token and the session cookie of a
signed-in account in the handshake, hydrates (so the page's on_load runs as that person), then sends the
Playground's `set_model`, `set_draft` and `send` events back to back, as the page's event
queue does. Used by the scale-out test and the UI latency benchmark.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio
from reflex.state import State

from workshop_app.services.accounts.session_handover import COOKIE
from workshop_app.state.playground_state import PlaygroundState

PAGE = "/playground"
EVENTS = "/_event"  # the socket.io path and namespace of Reflex's event protocol


# Imported here, in the importing (main) thread: Reflex registers state classes in a context variable of the
# thread that first defines them, and a tab runs its coroutine in a worker thread where that context is unset.
ROOT_STATE, PLAYGROUND_STATE = State.get_full_name(), PlaygroundState.get_full_name()


class PlaygroundTab:
    """One browser tab on the Playground page; `messages` is the chat as the page last showed it since Send,
    `reply` the reply it shows streaming in, `redraws` the Playground's part of every delta since Send."""

    def __init__(self, url: str, session_token: str, timeout_s: float = 120.0) -> None:
        self.url, self.session_token, self.timeout_s = url, session_token, timeout_s
        self.root, self.playground = ROOT_STATE, PLAYGROUND_STATE
        self.client = socketio.AsyncClient(reconnection=False)
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("event", self.updates.put_nowait, namespace=EVENTS)
        self.messages: list[dict[str, Any]] = []
        self.reply: dict[str, Any] = {}
        self.redraws: list[dict[str, Any]] = []

    def _event(self, handler: str, **payload: Any) -> dict[str, Any]:
        return {"name": handler, "payload": payload, "router_data": {"pathname": PAGE, "asPath": PAGE}}

    async def open(self, model: str) -> None:
        """Connect with the hydrate event in the CONNECT packet, as the frontend does; wait until the page's
        on_load has listed `model` (which also proves the session cookie signed the tab in)."""
        hydrate = self._event(f"{self.root}.hydrate_and_load", vars={})
        await self.client.connect(
            f"{self.url}?token={uuid.uuid4()}",
            headers={"Cookie": f"{COOKIE}={self.session_token}"},  # the HttpOnly cookie a browser's handshake carries
            socketio_path=EVENTS,
            namespaces=[EVENTS],
            transports=["websocket"],
            auth={"event": hydrate},
        )
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
        await self.client.emit("event", self._event(f"{self.playground}.{handler}", **payload), namespace=EVENTS)

    async def _until(self, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The Playground's part of the next state delta for which `done` holds; toasts are failures."""
        while True:
            update = await asyncio.wait_for(self.updates.get(), self.timeout_s)
            for event in update.get("events", []):
                if "toast" in str(event):
                    raise RuntimeError(f"the Playground refused: {event}")
            mine = update.get("delta", {}).get(self.playground, {})
            self.redraws += [mine] if mine else []
            self.messages = mine.get("messages_rx_state_", self.messages)
            self.reply = mine.get("reply_rx_state_", self.reply)
            if mine and done(mine):
                return mine

    async def close(self) -> None:
        await self.client.disconnect()
