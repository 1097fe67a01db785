"""Slowing down password guessing without handing anyone a lock on someone else's account.

Sign-in failures count per (account, address) pair: after a few free tries each further
failure doubles the wait before that pair may try again (1 s, 2 s, 4 s ... up to 5 minutes).
The right password from another address is never refused because of these failures, so
guessing at the admin's account from one laptop does not lock the admin out. An address
also has a wide budget of failures over all accounts (password spraying), set high enough
that a classroom behind one NAT address is not locked out by a few forgetful people.

The in-process `MemoryThrottle` suits one worker; anything with the same methods (e.g. a
Redis-backed counter) can replace it through `set_login_throttle`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Protocol

from workshop_app.services.core.errors import RateLimited

WINDOW_S = 300.0  # each failure is forgotten this long after it happened
FREE_FAILURES_PER_PAIR = 3  # typos cost nothing
MAX_DELAY_S = 300.0
MAX_FAILURES_PER_ADDRESS = 100  # over all accounts, in the window: spraying, not a room of typos


class Throttle(Protocol):
    def retry_after(self, key: str, limit: int) -> float: ...
    def backoff(self, key: str, free: int, max_delay_s: float) -> float: ...
    def failed(self, key: str) -> None: ...
    def clear(self, key: str) -> None: ...


def growing_delay(failures: int, free: int, max_delay_s: float) -> float:
    """Seconds to wait after `failures` failures: none for the free ones, then 1, 2, 4 ... capped."""
    if failures <= free:
        return 0.0
    return min(2.0 ** (failures - free - 1), max_delay_s)


class MemoryThrottle:
    """Failure times per key, held in this process, forgotten after `window_s`."""

    def __init__(self, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str, limit: int) -> float:
        """Seconds until `key` may try again under a fixed budget of `limit` failures; 0 when now."""
        with self._lock:
            failures = self._recent(key)
            if len(failures) < limit:
                return 0.0
            return failures[-limit] + self.window_s - self.clock()

    def backoff(self, key: str, free: int, max_delay_s: float) -> float:
        """Seconds until `key` may try again under growing delays; 0 when now."""
        with self._lock:
            failures = self._recent(key)
            if not failures:
                return 0.0
            return max(0.0, failures[-1] + growing_delay(len(failures), free, max_delay_s) - self.clock())

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


def _refuse(wait: float, what: str) -> None:
    if wait > 0:
        seconds = math.ceil(wait)
        raise RateLimited(
            f"Too many failed {what}. Try again in {seconds} s.",
            retry_after_s=seconds,
            hint="Check the spelling while you wait.",
        )


def check_allowed(keys: dict[str, int], what: str) -> None:
    """Raise RateLimited if any key has reached its fixed budget of failures."""
    _refuse(max((_throttle.retry_after(key, limit) for key, limit in keys.items()), default=0.0), what)


def sign_in_keys(username: str, client_ip: str) -> tuple[str, str]:
    """The throttle keys of one sign-in attempt: the (account, address) pair, and the address."""
    address = client_ip or "unknown"
    return f"pair:{username}|{address}", f"address:{address}"


def check_sign_in(username: str, client_ip: str) -> None:
    """Growing delays for this account from this address; a wide budget for the address as a whole."""
    pair, address = sign_in_keys(username, client_ip)
    pair_wait = _throttle.backoff(pair, FREE_FAILURES_PER_PAIR, MAX_DELAY_S)
    wait = max(pair_wait, _throttle.retry_after(address, MAX_FAILURES_PER_ADDRESS))
    _refuse(wait, "sign-in attempts for this account from your address")


def record_failure(*keys: str) -> None:
    for key in keys:
        _throttle.failed(key)
