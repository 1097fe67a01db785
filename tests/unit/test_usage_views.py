"""My usage in words: the figures people read on the page, from what the limiter counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import limits

from workshop_app.services.sharing.rate_limits import DAY_S, Standing
from workshop_app.services.sharing.usage import ModelUse, QueueWaits, Usage
from workshop_app.state.usage_views import usage_view

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
NO_WAITS = QueueWaits(0, 0, 0.0, 0.0)


def _usage(standing: Standing, waits: QueueWaits = NO_WAITS, since_quota_day: bool = True) -> Usage:
    since = NOW - timedelta(hours=3)
    return Usage(7, "Ada", standing, since, since_quota_day, [ModelUse("llama3.2:1b", 4, 1240)], waits)


def test_a_quota_and_a_rate_limit_read_as_figures_with_when_they_free_up() -> None:
    resets = (NOW + timedelta(hours=21)).timestamp()
    standing = Standing(1240, 20_000, resets, 3, limits.parse("100/minute"), (NOW + timedelta(seconds=40)).timestamp())
    view = usage_view(_usage(standing, QueueWaits(4, 2, 0.5, 4.25)), NOW)
    assert view.tokens == "1,240 of 20,000 tokens today" and view.tokens_percent == 6
    assert view.tokens_note == "18,760 left · the quota refills tomorrow at 12:00 UTC (in 21 h)."
    assert view.requests == "3 of 100 requests in the last minute" and view.requests_percent == 3
    assert view.requests_note == "97 more may go now; the oldest leaves the window at 15:00:40 UTC."
    assert view.period == "Since your quota's day began at 12:00 UTC: 4 requests."
    assert view.waits == "2 of 4 requests waited for a turn · median wait 0.5 s · longest 4.2 s"
    assert [(row.model, row.requests, row.tokens) for row in view.models] == [("llama3.2:1b", "4", "1,240")]


def test_a_full_window_and_a_used_up_quota_say_when_the_next_request_can_go() -> None:
    free_at = (NOW + timedelta(seconds=42)).timestamp()
    standing = Standing(25_000, 20_000, (NOW + timedelta(hours=2)).timestamp(), 5, limits.parse("5/minute"), free_at)
    view = usage_view(_usage(standing), NOW)
    assert view.tokens_percent == 100 and view.tokens_note.startswith("0 left · the quota refills at 17:00 UTC")
    assert view.requests_note == "Full: the next request can go at 15:00:42 UTC (in 42 s)."


def test_without_limits_or_use_the_page_says_so() -> None:
    view = usage_view(_usage(Standing(0, 0, None, 0, None, None), since_quota_day=False), NOW)
    assert view.tokens == "1,240 tokens today" and view.tokens_note == "No daily token quota applies to you."
    assert view.requests == "0 requests" and view.requests_note == "No rate limit applies to you."
    assert view.period == "Since midnight UTC: 4 requests."
    fresh = usage_view(_usage(Standing(0, 1000, None, 0, limits.parse("9/minute"), None)), NOW)
    assert fresh.tokens_note == "Your quota's day starts with your next request and lasts 24 hours."
    assert fresh.period == "Nothing used in this quota day yet." and fresh.waits == "No requests yet, so no waits."
    assert DAY_S == 24 * 3600  # the sentence above names the quota's real day
