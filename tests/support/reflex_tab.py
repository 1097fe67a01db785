"""A browser tab without a browser: Reflex's event protocol spoken over socket.io, one event at a time.

A tab opens the socket.io connection at /_event with its own token (and, when given, the session
cookie of a signed-in account in the handshake, as a browser's carries the HttpOnly cookie), hydrating
in the CONNECT packet as the frontend does. Each event names the page it was sent from (its router
data), so a test can send what the frontend sends in the order it sends it, including the orders a
person's quick typing or a slow connection make, which a real browser produces only by chance.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import socketio
from reflex.state import OnLoadInternalState, State

from workshop_app.services.accounts.session_handover import COOKIE

EVENTS = "/_event"  # the socket.io path and namespace of Reflex's event protocol

# Imported here, in the importing (main) thread: Reflex registers state classes in a context variable of the
# thread that first defines them, and a tab runs its coroutine in a worker thread where that context is unset.
ROOT_STATE = State.get_full_name()
MARKER = f"{OnLoadInternalState.get_full_name()}.set_is_hydrated"  # what the frontend sends after a page's load
MARKED = {ROOT_STATE: {"is_hydrated_rx_state_": True}}  # its answer, and the last of a hydrate's (after the load)


def router_data(path: str) -> dict[str, Any]:
    """What the frontend attaches to an event sent while the tab shows `path` (which may carry a query)."""
    parts = urlsplit(path)
    data: dict[str, Any] = {"pathname": parts.path, "asPath": path}
    if parts.query:
        data["query"] = dict(parse_qsl(parts.query))
    return data


class ReflexTab:
    """One tab: `emit` sends an event as if from a page, `next_update` reads what the server sends back."""

    def __init__(self, url: str, session_token: str | None = None, timeout_s: float = 120.0) -> None:
        self.url, self.session_token, self.timeout_s = url, session_token, timeout_s
        self.client = socketio.AsyncClient(reconnection=False)
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client.on("event", self.updates.put_nowait, namespace=EVENTS)

    async def connect(self, path: str) -> list[dict[str, Any]]:
        """Open the socket showing `path`; the updates the hydrate and the page's on_load brought."""
        await self.open_socket(path)
        return await self._until_marked()

    async def open_socket(self, path: str) -> None:
        """Open the socket showing `path`, with the hydrate event in the CONNECT packet, as the frontend does."""
        hydrate = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {"vars": {}}, "router_data": router_data(path)}
        cookie = {"Cookie": f"{COOKIE}={self.session_token}"} if self.session_token else {}
        await self.client.connect(
            f"{self.url}?token={uuid.uuid4()}",
            headers=cookie,
            socketio_path=EVENTS,
            namespaces=[EVENTS],
            transports=["websocket"],
            auth={"event": hydrate},
        )

    async def emit(self, handler: str, path: str, **payload: Any) -> None:
        """Send `handler` (a state's full name and the handler's) as the tab does while it shows `path`."""
        event = {"name": handler, "payload": payload, "router_data": router_data(path)}
        await self.client.emit("event", event, namespace=EVENTS)

    async def next_update(self) -> dict[str, Any]:
        """The next update the server sends (within the tab's timeout)."""
        return await asyncio.wait_for(self.updates.get(), self.timeout_s)

    async def handled(self, handler: str, path: str, **payload: Any) -> list[dict[str, Any]]:
        """Send an event; every update it (and whatever it chained on the server) brought."""
        await self.emit(handler, path, **payload)
        return await self._settled(path)

    async def _settled(self, path: str) -> list[dict[str, Any]]:
        """The updates until a marker event sent now is answered: a tab's events are handled one after another,
        so everything earlier events brought has arrived by then."""
        await self.emit(MARKER, path, value=True)
        return await self._until_marked()

    async def _until_marked(self) -> list[dict[str, Any]]:
        updates: list[dict[str, Any]] = []
        while (update := await self.next_update()).get("delta") != MARKED:
            updates.append(update)
        return updates

    async def close(self) -> None:
        await self.client.disconnect()


def redirects(updates: list[dict[str, Any]]) -> list[str]:
    """The paths the server sent the tab to, in order."""
    return [
        event["payload"]["path"]
        for update in updates
        for event in update.get("events", [])
        if event.get("name") == "_redirect"
    ]
