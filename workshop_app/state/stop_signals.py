"""Stop buttons for long replies: one stop signal per browser tab with a stream in flight.

A tab's events all reach the worker that holds its websocket, so a process-local
registry is enough; the streaming handler waits on the signal, the Stop event sets it.
"""

from __future__ import annotations

import asyncio

_SIGNALS: dict[str, asyncio.Event] = {}


def begin(tab: str) -> asyncio.Event:
    signal = _SIGNALS[tab] = asyncio.Event()
    return signal


def end(tab: str) -> None:
    _SIGNALS.pop(tab, None)


def stop(tab: str) -> None:
    signal = _SIGNALS.get(tab)
    if signal is not None:
        signal.set()
