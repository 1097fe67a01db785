"""Answers that may lag the database by a few seconds, kept to spare a lookup on every request.

Used on the way to a model's first token, where each database read on the event loop
delays every other stream in the process. Each process keeps its own memo, so a change
reaches it within `ttl_s`, or at once where the code that makes the change forgets the
matching entries (as revoking an API key does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 10_000  # far more people than one process serves at once; a full memo starts over


class TtlMemo(Generic[K, V]):
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > time.monotonic() else None

    def put(self, key: K, value: V) -> V:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl_s, value)
        return value

    def forget(self, matches: Callable[[K, V], bool]) -> None:
        with self._lock:
            for key in [key for key, (_, value) in self._entries.items() if matches(key, value)]:
                del self._entries[key]
