"""Slowing down password guessing: failures per account and per address, in a time window.

The in-process `MemoryThrottle` suits one worker; anything with the same three
methods (e.g. a Redis-backed counter) can replace it through `set_login_throttle`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from workshop_app.services.errors import RateLimited

WINDOW_S = 300.0
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class Throttle(Protocol):
    def retry_after(self, key: str, limit: int) -> float: ...
    def failed(self, key: str) -> None: ...
    def clear(self, key: str) -> None: ...


class MemoryThrottle:
    """Sliding window of failure times per key, held in this process."""

    def __init__(self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str, limit: int) -> float:
        """Seconds until `key` may try again; 0 when it may try now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < limit:
                return 0.0
            return failures[-limit] + self.window_s - self.clock()

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        horizon = self.clock() - self.window_s
        while failures and failures[0] <= horizon:
            failures.popleft()
        return failures


_throttle: Throttle = MemoryThrottle()


def set_login_throttle(throttle: Throttle) -> None:
    global _throttle
    _throttle = throttle


def login_throttle() -> Throttle:
    return _throttle


def check_allowed(keys: dict[str, int], what: str) -> None:
    """Raise RateLimited if any key has reached its limit of failures."""
    wait = max((_throttle.retry_after(key, limit) for key, limit in keys.items()), default=0.0)
    if wait > 0:
        seconds = math.ceil(wait)
        raise RateLimited(f"Too many failed {what}. Try again in {seconds} s.", retry_after_s=seconds, hint="Check the spelling while you wait.")


def record_failure(*keys: str) -> None:
    for key in keys:
        _throttle.failed(key)
