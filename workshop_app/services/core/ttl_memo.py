"""Answers that may lag the database by a few seconds, kept to spare a lookup on every request.

Used on the way to a model's first token, where each database read on the event loop
delays every other stream in the process. Each process keeps its own memo, so a change
reaches it within `ttl_s`, or at once where the code that makes the change forgets the
matching entries (as revoking an API key does).

Entries a room made together (everyone's first request of an exercise) would also lapse
together, and the room's next burst would wait while one database thread reads them all
again, every `ttl_s`. So an entry in use is read again in the background some time
before it lapses (`reload_ahead`, at a point drawn per entry), never staler than `ttl_s`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Hashable
from random import uniform
from time import monotonic
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 10_000  # far more people than one process serves at once; a full memo starts over
RELOAD_AFTER = (0.5, 0.8)
"""An entry is read again ahead of its end once this share of `ttl_s` (drawn per entry) has passed."""

log = logging.getLogger(__name__)
_reloads: set[asyncio.Task[None]] = set()  # held until done: the loop keeps only weak references to tasks


class TtlMemo(Generic[K, V]):
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[K, tuple[float, float, V]] = {}  # key -> (lapses at, read again from, value)
        self._reloading: set[K] = set()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        return entry[2] if entry is not None and entry[0] > monotonic() else None

    def put(self, key: K, value: V) -> V:
        now = monotonic()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + self.ttl_s, now + self.ttl_s * uniform(*RELOAD_AFTER), value)
        return value

    def forget(self, matches: Callable[[K, V], bool]) -> None:
        with self._lock:
            for key in [key for key, (_, _, value) in self._entries.items() if matches(key, value)]:
                del self._entries[key]

    def reload_ahead(self, key: K, reload: Callable[[], Awaitable[object]]) -> None:
        """If the entry is due to be read again, run `reload` (which puts the new value) in the background, once.

        A reload that fails forgets the entry, so the next request reads it itself and meets the
        error there (a key revoked in another process: refused from then on, not after `ttl_s`).
        """
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] > monotonic() or key in self._reloading:
                return
            self._reloading.add(key)
        task = asyncio.ensure_future(self._reload(key, reload))
        _reloads.add(task)
        task.add_done_callback(_reloads.discard)

    async def _reload(self, key: K, reload: Callable[[], Awaitable[object]]) -> None:
        try:
            await reload()
        except Exception as error:
            log.info("reading a remembered answer again failed; the next request reads it: %s", error)
            self.forget(lambda each, _value: each == key)
        finally:
            with self._lock:
                self._reloading.discard(key)
