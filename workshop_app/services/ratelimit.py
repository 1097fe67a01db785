"""Per-user request rate limits and daily token quotas, so one attendee cannot use up a shared Ollama.

Requests are counted in a moving window (no burst at a window edge); tokens (prompt +
reply, from Ollama's eval counts) in a one-day window per user. Signed-out callers are
counted per IP address. Counters live in this process by default and in Redis when
WORKSHOP_REDIS_URL is set, so several app processes share them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections import Counter
from dataclasses import dataclass

import limits
from limits.aio.storage import MemoryStorage, Storage
from limits.storage import storage_from_string
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.errors import StorageError
from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.errors import RateLimited
from workshop_app.services.metrics import count_rate_limit_hit
from workshop_app.services.ttl_memo import TtlMemo
from workshop_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

REQUESTS = "workshop-requests"
TOKENS = "workshop-tokens"

# Refusals per requester since this process started, for the instructor's dashboard.
_refusals: Counter[str] = Counter()


def requester_key(user_id: int | None, client_ip: str | None) -> str:
    """Whom a request is counted against: the signed-in user, else the caller's address."""
    if user_id is not None:
        return f"user:{user_id}"
    return f"ip:{client_ip or 'unknown'}"


@dataclass(frozen=True)
class Allowance:
    """How much one person may use: a request rate (None: unlimited) and tokens per day (0: unlimited)."""

    requests: limits.RateLimitItem | None
    tokens_per_day: int

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Allowance:
        settings = settings or get_settings()
        return cls(limits.parse(settings.rate_limit), settings.daily_token_quota)

    def overridden(self, requests_per_minute: int | None, tokens_per_day: int | None) -> Allowance:
        """This allowance with a workshop's own figures where it sets them."""
        return Allowance(
            limits.RateLimitItemPerMinute(requests_per_minute) if requests_per_minute else self.requests,
            tokens_per_day if tokens_per_day else self.tokens_per_day,
        )

    @property
    def daily_tokens(self) -> limits.RateLimitItem | None:
        return limits.RateLimitItemPerDay(self.tokens_per_day) if self.tokens_per_day else None


# The person's workshop's own figures (requests per minute, tokens per day), read before every
# model request; a change to a workshop's limits reaches each process within a few seconds.
_workshop_figures: TtlMemo[int, tuple[int | None, int | None]] = TtlMemo(ttl_s=5.0)


def forget_workshop_limits() -> None:
    """After a workshop's limits changed: the next request in this process reads them again."""
    _workshop_figures.forget(lambda _user, _figures: True)


def allowance_for(user_id: int | None) -> Allowance:
    """The configured allowance, with the figures of the person's workshop where it sets them."""
    allowance = Allowance.from_settings()
    if user_id is None:
        return allowance
    figures = _workshop_figures.get(user_id)
    if figures is None:
        figures = _workshop_figures.put(user_id, _read_workshop_figures(user_id))
    return allowance.overridden(*figures)


def _read_workshop_figures(user_id: int) -> tuple[int | None, int | None]:
    query = (
        select(Workshop.requests_per_minute, Workshop.tokens_per_day)
        .join(WorkshopMember, col(WorkshopMember.workshop_id) == col(Workshop.id))
        .where(WorkshopMember.user_id == user_id, col(WorkshopMember.removed_at).is_(None))
    )
    with session_scope() as session:
        figures = session.exec(query).first()
    return (figures[0], figures[1]) if figures else (None, None)  # (None, None): no workshop, the settings apply


class RateLimiter:
    """Checks and counts against one storage (memory or Redis)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._requests = MovingWindowRateLimiter(storage)
        self._tokens = FixedWindowRateLimiter(storage)

    async def admit(self, who: str, allowance: Allowance) -> None:
        """Count one request; raise RateLimited when the rate or the day's tokens are used up."""
        try:
            await self._check_tokens(who, allowance)
            await self._hit_request(who, allowance)
        except StorageError as error:
            # A throttle that is down must not stop the workshop; say so loudly instead.
            log.warning("rate-limit storage unavailable, request let through: %s", error)

    async def charge_tokens(self, who: str, tokens: int, allowance: Allowance) -> None:
        """Add a finished reply's tokens to today's count (the reply that crosses the quota still completes)."""
        item = allowance.daily_tokens
        if item is None or tokens <= 0:
            return
        try:
            await self._tokens.hit(item, TOKENS, who, cost=tokens)
        except StorageError as error:
            log.warning("rate-limit storage unavailable, %d tokens not counted: %s", tokens, error)

    async def tokens_left(self, who: str, allowance: Allowance) -> int | None:
        """Tokens left today, or None without a quota."""
        item = allowance.daily_tokens
        if item is None:
            return None
        return (await self._tokens.get_window_stats(item, TOKENS, who)).remaining

    async def _check_tokens(self, who: str, allowance: Allowance) -> None:
        item = allowance.daily_tokens
        if item is None:
            return
        stats = await self._tokens.get_window_stats(item, TOKENS, who)
        if stats.remaining <= 0:
            _refused(who, "daily_tokens")
            raise RateLimited(
                f"You have used today's {allowance.tokens_per_day:,} tokens.",
                retry_after_s=_seconds_until(stats.reset_time),
                hint=f"Your quota refills in {_duration(_seconds_until(stats.reset_time))}; ask your instructor for more.",
            )

    async def _hit_request(self, who: str, allowance: Allowance) -> None:
        item = allowance.requests
        if item is None or await self._requests.hit(item, REQUESTS, who):
            return
        _refused(who, "requests")
        wait = _seconds_until((await self._requests.get_window_stats(item, REQUESTS, who)).reset_time)
        raise RateLimited(
            f"Too many requests: the limit is {item.amount} per {_per(item)}.",
            retry_after_s=wait,
            hint=f"Wait {_duration(wait)}, then send again.",
        )


def _refused(who: str, limit: str) -> None:
    _refusals[who] += 1
    count_rate_limit_hit(limit)


def refusals(who: str) -> int:
    """How often this requester was refused (rate or quota) since the app process started."""
    return _refusals[who]


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


def _per(item: limits.RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def storage_for(settings: Settings) -> Storage:
    """Redis when configured (shared by all app processes), else this process's memory."""
    if settings.redis_url is None:
        return MemoryStorage()
    url = settings.redis_url.replace("unix://", "redis+unix://", 1)
    return storage_from_string(f"async+{url}", implementation="redispy", wrap_exceptions=True)


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RateLimiter] = weakref.WeakKeyDictionary()


def get_limiter() -> RateLimiter:
    """The limiter of this event loop (memory storage and Redis connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _LIMITERS:
        _LIMITERS[loop] = RateLimiter(storage_for(get_settings()))
    return _LIMITERS[loop]
