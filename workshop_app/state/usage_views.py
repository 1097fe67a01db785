"""What the My usage page displays: a person's usage as friendly sentences and percentages."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from workshop_app.services.sharing.rate_limits import duration_words
from workshop_app.services.sharing.usage import Usage


@dataclasses.dataclass
class ModelRow:
    model: str = ""
    requests: str = ""
    tokens: str = ""


@dataclasses.dataclass
class UsageView:
    tokens: str = ""  # "1,240 of 20,000 tokens today"
    tokens_percent: int = 0
    tokens_note: str = ""  # when the quota refills
    requests: str = ""  # "3 of 100 requests in the last minute"
    requests_percent: int = 0
    requests_note: str = ""
    period: str = ""  # what the figures below cover
    waits: str = ""
    models: list[ModelRow] = dataclasses.field(default_factory=list)


def usage_view(usage: Usage, now: datetime | None = None) -> UsageView:
    now = now or datetime.now(UTC)
    tokens, tokens_percent, tokens_note = _tokens(usage, now)
    requests, requests_percent, requests_note = _requests(usage, now)
    return UsageView(
        tokens,
        tokens_percent,
        tokens_note,
        requests,
        requests_percent,
        requests_note,
        _period(usage, now),
        _waits(usage),
        [ModelRow(m.model, f"{m.requests:,}", f"{m.tokens:,}") for m in usage.models],
    )


def _tokens(usage: Usage, now: datetime) -> tuple[str, int, str]:
    quota = usage.standing.tokens_per_day
    if not quota:
        return f"{usage.tokens_used:,} tokens today", 0, "No daily token quota applies to you."
    used = usage.tokens_used
    figure = f"{used:,} of {quota:,} tokens today"
    resets = usage.tokens_reset_at
    if resets is None:
        note = "Your quota's day starts with your next request and lasts 24 hours."
    else:
        note = f"{max(0, quota - used):,} left · the quota refills {_clock(resets, now)}{_in(resets, now)}."
    return figure, _percent(used, quota), note


def _requests(usage: Usage, now: datetime) -> tuple[str, int, str]:
    standing = usage.standing
    if standing.requests_limit is None:
        return _count(standing.requests_used, "request"), 0, "No rate limit applies to you."
    limit = standing.requests_limit.amount
    figure = f"{standing.requests_used:,} of {limit:,} requests in the last {standing.requests_per}"
    free_at = usage.requests_free_at
    if free_at is None:
        note = f"The window moves: each request counts for one {standing.requests_per} after it was sent."
    elif standing.requests_used >= limit:
        note = f"Full: the next request can go {_clock(free_at, now, seconds=True)}{_in(free_at, now)}."
    else:
        more = limit - standing.requests_used
        note = f"{more:,} more may go now; the oldest leaves the window {_clock(free_at, now, seconds=True)}."
    return figure, _percent(standing.requests_used, limit), note


def _period(usage: Usage, now: datetime) -> str:
    if not usage.since_quota_day:
        return f"Since midnight UTC: {_count(usage.requests, 'request')}."
    if usage.standing.tokens_reset_at is None:
        return "Nothing used in this quota day yet."
    return f"Since your quota's day began {_clock(usage.since, now)}: {_count(usage.requests, 'request')}."


def _waits(usage: Usage) -> str:
    waits = usage.waits
    if not waits.requests:
        return "No requests yet, so no waits."
    if not waits.waited:
        return (
            "No wait: your request was served at once."
            if waits.requests == 1
            else (f"No wait: all {waits.requests:,} requests were served at once.")
        )
    return (
        f"{waits.waited:,} of {_count(waits.requests, 'request')} waited for a turn · "
        f"median wait {waits.median_s:.1f} s · longest {waits.longest_s:.1f} s"
    )


def _clock(moment: datetime, now: datetime, *, seconds: bool = False) -> str:
    """ "at 14:32 UTC", "tomorrow at 14:32 UTC", "yesterday at …", or with the weekday further off."""
    moment, today = moment.astimezone(UTC), now.astimezone(UTC).date()
    days = (moment.date() - today).days
    day = {0: "", 1: "tomorrow ", -1: "yesterday "}.get(days, moment.strftime("%a "))
    return f"{day}at {moment.strftime('%H:%M:%S' if seconds else '%H:%M')} UTC"


def _in(moment: datetime, now: datetime) -> str:
    return f" (in {duration_words(max(0, round((moment - now).total_seconds())))})"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _percent(used: int, of: int) -> int:
    return min(100, round(100 * used / of)) if of else 0
