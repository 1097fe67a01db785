"""Per-user request rate limits and daily token quotas, so one attendee cannot use up a shared Ollama.

Requests are counted in a moving window (no burst at a window edge); tokens (prompt +
reply, from Ollama's eval counts) in a one-day window per user. Signed-out callers are
counted per IP address. Counters live in this process by default and in Redis when
WORKSHOP_REDIS_URL is set, so several app processes share them.

A model request reserves its tokens before it is sent (its estimated prompt plus the
longest reply it may produce) in one atomic step, and settles to Ollama's own counts
after it ends, so parallel requests cannot together overrun a quota: the day's count
never exceeds the quota by more than the requests' prompt estimates fell short.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import math
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

import limits
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError
from sqlmodel import col, select

from workshop_app.db.engine import session_scope
from workshop_app.db.workshops import Workshop, WorkshopMember
from workshop_app.services.core.database_threads import off_loop
from workshop_app.services.core.errors import RateLimited
from workshop_app.services.core.redis_clients import command_client, command_pool
from workshop_app.services.core.ttl_memo import TtlMemo
from workshop_app.services.operations.metrics import count_rate_limit_hit
from workshop_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

REQUESTS = "workshop-requests"
TOKENS = "workshop:tokens:"
REFUSALS = "workshop:refusals:"
DAY_S = 86_400


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


async def allowance_off_loop(user_id: int | None) -> Allowance:
    """`allowance_for` from async code: the workshop's figures, when read again, are read in the database threads.

    That read comes every few seconds per person; on the event loop, a room's first requests
    after it would each hold every stream (and each other) for a database round-trip.
    """
    if user_id is not None:
        if _workshop_figures.get(user_id) is None:
            await _read_figures_off_loop(user_id)
        else:
            _workshop_figures.reload_ahead(user_id, lambda: _read_figures_off_loop(user_id))
    return allowance_for(user_id)


async def _read_figures_off_loop(user_id: int) -> None:
    _workshop_figures.put(user_id, await off_loop(_read_workshop_figures, user_id))


def _read_workshop_figures(user_id: int) -> tuple[int | None, int | None]:
    query = (
        select(Workshop.requests_per_minute, Workshop.tokens_per_day)
        .join(WorkshopMember, col(WorkshopMember.workshop_id) == col(Workshop.id))
        .where(WorkshopMember.user_id == user_id, col(WorkshopMember.removed_at).is_(None))
    )
    with session_scope() as session:
        figures = session.exec(query).first()
    return (figures[0], figures[1]) if figures else (None, None)  # (None, None): no workshop, the settings apply


@dataclass(frozen=True)
class Reservation:
    """Tokens set aside for one request: settle it with what the request really used."""

    who: str
    tokens: int
    reply_tokens: int  # the longest reply the request may produce (sent to Ollama as num_predict)
    allowance: Allowance


class TokenLedger(Protocol):
    """Each requester's tokens used today, changed only in atomic steps."""

    async def reserve(self, who: str, quota: int, prompt: int, reply: int, least: int) -> tuple[int, int, float]:
        """Grant up to `reply` (at least `least`) reply tokens plus `prompt`.

        Returns (granted reply tokens or -1 when refused, tokens left before, when the day's count resets).
        """

    async def adjust(self, who: str, delta: int) -> None:
        """Add `delta` (negative: give back) to today's count, never below 0."""

    async def used(self, who: str) -> int: ...

    async def window(self, who: str) -> tuple[int, float | None]:
        """Today's count and when it resets (None: nothing counted, the next use starts a new day)."""

    async def refused(self, who: str) -> None:
        """Count one refusal (rate or quota) of this requester, for the instructor's dashboard."""

    async def refusals(self) -> dict[str, int]:
        """Refusals per requester: since the process started in memory, today (UTC) in Redis."""


class MemoryLedger:
    """Counts in this event loop; each step runs without an await, so it is atomic here."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}  # who -> (used, time the count resets)
        self._refusals: Counter[str] = Counter()

    def _current(self, who: str) -> tuple[int, float]:
        used, resets = self._counts.get(who, (0, 0.0))
        return (used, resets) if resets > time.time() else (0, time.time() + DAY_S)

    async def reserve(self, who: str, quota: int, prompt: int, reply: int, least: int) -> tuple[int, int, float]:
        used, resets = self._current(who)
        granted = _grant(quota - used, prompt, reply, least)
        if granted >= 0 and prompt + granted:
            self._counts[who] = (used + prompt + granted, resets)
        return granted, quota - used, resets

    async def adjust(self, who: str, delta: int) -> None:
        used, resets = self._current(who)
        self._counts[who] = (max(0, used + delta), resets)

    async def used(self, who: str) -> int:
        return self._current(who)[0]

    async def window(self, who: str) -> tuple[int, float | None]:
        used, resets = self._counts.get(who, (0, 0.0))
        return (used, resets) if resets > time.time() else (0, None)

    async def refused(self, who: str) -> None:
        self._refusals[who] += 1

    async def refusals(self) -> dict[str, int]:
        return dict(self._refusals)


def _grant(left: int, prompt: int, reply: int, least: int) -> int:
    """The reply tokens a request gets from `left`, or -1: the same rule as the Redis script."""
    if left <= 0:
        return -1
    granted = min(reply, left - prompt)
    return granted if granted >= least else -1


# KEYS[1] the count; ARGV quota, prompt, reply, least, window. Same rule as _grant.
_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local left = tonumber(ARGV[1]) - used
local prompt, reply, least = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local granted = -1
if left > 0 then
  granted = math.min(reply, left - prompt)
  if granted < least then granted = -1 end
end
if granted >= 0 and prompt + granted > 0 then
  redis.call('INCRBY', KEYS[1], prompt + granted)
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
end
local ttl = redis.call('TTL', KEYS[1])
return {granted, left, ttl}
"""
_ADJUST = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
  return 0
end
local used = math.max(0, tonumber(redis.call('GET', KEYS[1])) + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], used, 'KEEPTTL')
return used
"""


class RedisLedger:
    """Counts in Redis, shared by every app process; each step is one Lua script, so it is atomic."""

    def __init__(self, url: str) -> None:
        self._redis = command_client(url)
        self._reserve = self._redis.register_script(_RESERVE)
        self._adjust = self._redis.register_script(_ADJUST)

    async def reserve(self, who: str, quota: int, prompt: int, reply: int, least: int) -> tuple[int, int, float]:
        granted, left, ttl = await self._reserve(keys=[TOKENS + who], args=[quota, prompt, reply, least, DAY_S])
        return int(granted), int(left), time.time() + (int(ttl) if int(ttl) > 0 else DAY_S)

    async def adjust(self, who: str, delta: int) -> None:
        await self._adjust(keys=[TOKENS + who], args=[delta, DAY_S])

    async def used(self, who: str) -> int:
        return int(await self._redis.get(TOKENS + who) or 0)

    async def window(self, who: str) -> tuple[int, float | None]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(TOKENS + who)
            pipe.pttl(TOKENS + who)
            used, ttl_ms = await pipe.execute()
        return (int(used), time.time() + int(ttl_ms) / 1000) if used is not None and int(ttl_ms) > 0 else (0, None)

    async def refused(self, who: str) -> None:
        key = _refusals_key()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, who, 1)
            pipe.expire(key, 2 * DAY_S)
            await pipe.execute()

    async def refusals(self) -> dict[str, int]:
        counts: dict[bytes, bytes] = await self._redis.hgetall(_refusals_key())  # type: ignore[misc]
        return {who.decode(): int(count) for who, count in counts.items()}


def _refusals_key() -> str:
    """One count per UTC day, like the dashboard's other figures per attendee."""
    return REFUSALS + time.strftime("%Y-%m-%d", time.gmtime())


@dataclass(frozen=True)
class Standing:
    """Where one requester stands against their allowance, read from the very counters that enforce it."""

    tokens_used: int  # today's count (0 without a quota: then nothing is counted here)
    tokens_per_day: int  # 0: no quota
    tokens_reset_at: float | None  # epoch seconds when the count starts again; None: no day is running
    requests_used: int  # requests in the current moving window
    requests_limit: limits.RateLimitItem | None  # None: no rate limit
    requests_free_at: float | None  # epoch seconds when the oldest request leaves the window; None: none in it

    @property
    def requests_per(self) -> str:
        """The window's length in words: "minute", "10 seconds"."""
        return _per(self.requests_limit) if self.requests_limit else ""


class RateLimiter:
    """Checks and counts against one storage (memory or Redis)."""

    def __init__(self, storage: Storage, ledger: TokenLedger) -> None:
        self.storage = storage
        self.ledger = ledger
        self._requests = MovingWindowRateLimiter(storage)

    async def admit(
        self, who: str, allowance: Allowance, *, prompt_tokens: int = 0, reply_tokens: int = 0, exact: bool = False
    ) -> Reservation:
        """Count one request and reserve its tokens: the prompt and up to `reply_tokens` of reply.

        When less is left, the reply gets what is left (at least one token), or, with
        `exact`, all it asked for; otherwise RateLimited says what would be needed.
        """
        reservation = Reservation(who, 0, reply_tokens, allowance)
        try:
            reservation = await self._reserve(who, allowance, prompt_tokens, reply_tokens, exact)
            await self._hit_request(who, allowance)
        except RateLimited:
            await self.settle(reservation, 0)
            raise
        except (StorageError, RedisError) as error:
            # A throttle that is down must not stop the workshop; say so loudly instead.
            log.warning("rate-limit storage unavailable, request let through: %s", error)
        return reservation

    async def settle(self, reservation: Reservation, used: int) -> None:
        """Replace a request's reservation by the tokens it really used."""
        if reservation.allowance.tokens_per_day and used != reservation.tokens:
            await self._adjust(reservation.who, used - reservation.tokens)

    async def charge_tokens(self, who: str, tokens: int, allowance: Allowance) -> None:
        """Add tokens used outside a reservation to today's count."""
        if allowance.tokens_per_day and tokens > 0:
            await self._adjust(who, tokens)

    async def tokens_left(self, who: str, allowance: Allowance) -> int | None:
        """Tokens left today, or None without a quota."""
        if not allowance.tokens_per_day:
            return None
        return max(0, allowance.tokens_per_day - await self.ledger.used(who))

    async def standing(self, who: str, allowance: Allowance) -> Standing:
        """This requester's use of `allowance` now (storage errors propagate: the caller says so)."""
        used, resets = await self.ledger.window(who) if allowance.tokens_per_day else (0, None)
        item, in_window, free_at = allowance.requests, 0, None
        if item is not None:
            stats = await self._requests.get_window_stats(item, REQUESTS, who)
            in_window = item.amount - stats.remaining
            free_at = stats.reset_time if in_window else None
        return Standing(used, allowance.tokens_per_day, resets, in_window, item, free_at)

    async def refusal_counts(self) -> dict[str, int]:
        """Refusals per requester for the instructor's dashboard (none known while the storage is down)."""
        try:
            return await self.ledger.refusals()
        except RedisError as error:
            log.warning("rate-limit storage unavailable, refusals not shown: %s", error)
            return {}

    async def _refused(self, who: str, limit: str) -> None:
        count_rate_limit_hit(limit)
        try:
            await self.ledger.refused(who)
        except RedisError as error:
            log.warning("rate-limit storage unavailable, a refusal of %s not counted: %s", who, error)

    async def _adjust(self, who: str, delta: int) -> None:
        try:
            await self.ledger.adjust(who, delta)
        except RedisError as error:
            log.warning("rate-limit storage unavailable, %d tokens not counted: %s", delta, error)

    async def _reserve(self, who: str, allowance: Allowance, prompt: int, reply: int, exact: bool) -> Reservation:
        quota = allowance.tokens_per_day
        if not quota:
            return Reservation(who, 0, reply, allowance)
        least = reply if exact else min(reply, 1)
        granted, left, resets = await self.ledger.reserve(who, quota, prompt, reply, least)
        if granted >= 0:
            return Reservation(who, prompt + granted, granted, allowance)
        await self._refused(who, "daily_tokens")
        wait = _seconds_until(resets)
        refill = f"your quota refills in {duration_words(wait)}"
        if left <= 0:
            raise RateLimited(
                f"You have used today's {quota:,} tokens.",
                retry_after_s=wait,
                hint=f"{refill[0].upper()}{refill[1:]}; ask your instructor for more.",
            )
        raise RateLimited(
            f"This request needs at least {prompt + least:,} tokens ({prompt:,} for the prompt, "
            f"{least:,} for the reply), and only {left:,} of today's {quota:,} are left.",
            retry_after_s=wait,
            hint=f"Send a shorter message or ask for a shorter reply (num_predict / max_tokens); {refill}.",
        )

    async def _hit_request(self, who: str, allowance: Allowance) -> None:
        item = allowance.requests
        if item is None or await self._requests.hit(item, REQUESTS, who):
            return
        await self._refused(who, "requests")
        wait = _seconds_until((await self._requests.get_window_stats(item, REQUESTS, who)).reset_time)
        raise RateLimited(
            f"Too many requests: the limit is {item.amount} per {_per(item)}.",
            retry_after_s=wait,
            hint=f"Wait {duration_words(wait)}, then send again.",
        )


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


def _per(item: limits.RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"


def duration_words(seconds: int) -> str:
    """A wait as people say it: "42 s", "12 min", "3 h"."""
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def ledger_for(settings: Settings) -> TokenLedger:
    """Redis when configured (shared by all app processes), else this event loop's memory."""
    if settings.redis_url is None:
        return MemoryLedger()
    return RedisLedger(settings.redis_url)


class LoopMemoryStorage(MemoryStorage):
    """limits' in-memory windows, with their clean-up done on the event loop, at most once a second.

    limits' own clean-up starts after every hit and hands each person's window to a thread
    (a thread hop per person, per pass, one pass after another while requests come): in a
    room that kept a thread busy and took the interpreter away from every stream at each
    request. Here a hit drops what has expired inline when a second has passed since the
    last time (a bisect per person), without a task or a thread.
    """

    EXPIRY_PERIOD_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_expiry = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the threaded clean-up's trigger
        now = time.time()
        if now >= self._next_expiry:
            self._next_expiry = now + self.EXPIRY_PERIOD_S
            self.expire(now)

    def expire(self, now: float) -> None:
        """Drop the entries and counters that expired by `now` (entries are kept newest first)."""
        for key, events in list(self.events.items()):
            kept = events[: bisect.bisect_left(events, -now, key=lambda event: -event.expiry)]
            if kept:
                self.events[key] = kept
            else:
                self.events.pop(key, None)
                self.locks.pop(key, None)
        for key, expiry in list(self.expirations.items()):
            if expiry <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


def storage_for(settings: Settings) -> Storage:
    """Redis when configured (shared by all app processes), else this process's memory."""
    if settings.redis_url is None:
        return LoopMemoryStorage()
    url = settings.redis_url.replace("unix://", "redis+unix://", 1)
    pool = command_pool(settings.redis_url)
    options: dict[str, Any] = {"connection_pool": pool}  # limits types its options narrowly; redis-py's takes a pool
    return RedisStorage(f"async+{url}", implementation="redispy", wrap_exceptions=True, **options)


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RateLimiter] = weakref.WeakKeyDictionary()


def get_limiter() -> RateLimiter:
    """The limiter of this event loop (memory storage and Redis connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _LIMITERS:
        settings = get_settings()
        _LIMITERS[loop] = RateLimiter(storage_for(settings), ledger_for(settings))
    return _LIMITERS[loop]
