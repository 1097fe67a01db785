"""Values built once per process from the settings (the settings themselves, the engine, the backends).

`functools.lru_cache` would serve, but for one case: a build that began before `cache_clear()`
and ends after it is stored, so the value from before the clear wins until the next clear.
Settings only change in tests and in a reloaded process, where that is exactly the moment a
server thread of the previous configuration may still be building. Here a build that began
before a clear is returned to its own caller and never kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessWide(Generic[T]):
    """A zero-argument builder whose result is kept until `cache_clear()`."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._generation = 0
        self._value: tuple[T] | None = None
        update_wrapper(self, build)

    def __call__(self) -> T:
        kept = self._value
        if kept is not None:
            return kept[0]
        generation = self._generation
        built = self._build()
        with self._lock:
            if self._value is not None:
                return self._value[0]  # another thread kept one first: everyone shares it
            if self._generation == generation:
                self._value = (built,)
        return built

    def cache_clear(self) -> None:
        """Forget the value; builds under way keep theirs to themselves."""
        with self._lock:
            self._generation += 1
            self._value = None
