"""One prompt to several models: every column streams its own reply and timing; Stop ends them all."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from workshop_app.db.users import Role
from workshop_app.services.chat.compare import check_comparison, compare_replies
from workshop_app.services.chat.timing import ReplyTiming
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.streaming import until_stopped
from workshop_app.settings import get_settings
from workshop_app.state.chat_views import timing_text

MODELS = ["llama3.2:1b", "qwen2.5:0.5b"]


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Model requests are recorded in the session database."""


async def test_each_model_answers_in_its_own_column_with_timing(fake_ollama: FakeOllama) -> None:
    actor = actor_of(make_user(Role.ATTENDEE, "comparer"))
    columns = check_comparison(actor, MODELS, "", {"temperature": "0.1"}, "Name a fruit")
    texts, timings = ["", ""], [None, None]
    async for update in compare_replies(actor, columns, "Name a fruit"):
        texts[update.index] += update.text
        if update.finished:
            timings[update.index] = update.timing
    assert all(text.startswith("Echo: Name a fruit") for text in texts)
    assert all(timing.tokens > 0 and timing.ttft_ms is not None for timing in timings)
    assert fake_ollama.stats.requests["/api/chat"] == 2


async def test_columns_stream_in_parallel_when_the_host_has_room(
    fake_ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default limit of one request per person, a comparison is one action: both columns stream at once."""
    monkeypatch.setenv("WORKSHOP_OLLAMA_PARALLELISM", "2")
    get_settings.cache_clear()
    fake_ollama.config.reply_tokens = 10
    fake_ollama.config.token_delay = 0.03
    actor = actor_of(make_user(Role.ATTENDEE, "comparer"))
    columns = check_comparison(actor, MODELS, "", {}, "Count to ten")
    first_token: dict[int, float] = {}
    finished: dict[int, float] = {}
    async for update in compare_replies(actor, columns, "Count to ten"):
        if update.text:
            first_token.setdefault(update.index, time.perf_counter())
        if update.finished:
            assert not update.error
            finished[update.index] = time.perf_counter()
    # Each column had its first token before the other column finished: their streams overlapped.
    assert first_token[0] < finished[1] and first_token[1] < finished[0], (first_token, finished)


async def test_stop_closes_every_request(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.1
    fake_ollama.config.reply_tokens = 100
    actor = actor_of(make_user(Role.ATTENDEE, "comparer"))
    columns = check_comparison(actor, MODELS, "", {}, "Long answers")
    stop, seen = asyncio.Event(), 0
    async for update in until_stopped(compare_replies(actor, columns, "Long answers"), stop):
        seen += bool(update.text)
        if seen == 3:
            stop.set()
    await asyncio.sleep(0.3)
    assert fake_ollama.stats.active_streams == 0
    assert fake_ollama.stats.cancelled_streams >= 1


@pytest.mark.parametrize(
    ("models", "prompt", "expected"),
    [(["llama3.2:1b"], "hi", "Pick 2 to 4"), ([*MODELS, "a", "b", "c"], "hi", "Pick 2 to 4"), (MODELS, " ", "empty")],
)
def test_a_bad_comparison_is_refused(models: list[str], prompt: str, expected: str) -> None:
    actor = actor_of(make_user(Role.ATTENDEE, "comparer"))
    with pytest.raises(InvalidInput, match=expected):
        check_comparison(actor, models, "", {}, prompt)


async def test_a_column_that_waited_for_a_turn_shows_the_wait_apart_from_its_time_to_first_token(
    fake_ollama: FakeOllama,
) -> None:
    """One slot on the host: the second column waits for the first, and its TTFT is the model's, not the queue's."""
    fake_ollama.config.reply_tokens = 10
    fake_ollama.config.token_delay = 0.05
    actor = actor_of(make_user(Role.ATTENDEE, "comparer"))
    columns = check_comparison(actor, MODELS, "", {}, "Count to ten")
    timings = {}
    async for update in compare_replies(actor, columns, "Count to ten"):
        if update.finished:
            timings[update.index] = update.timing
    waited, first = max(timings.values(), key=lambda t: t.wait_ms), min(timings.values(), key=lambda t: t.wait_ms)
    assert waited.wait_ms >= 400, timings  # the other column's ten tokens at 50 ms each
    assert waited.ttft_ms is not None and waited.ttft_ms < 300, timings
    assert first.wait_ms < 100, timings
    text = timing_text(waited)
    assert text.startswith("wait 0.") and "· TTFT 0." in text, text
    assert timing_text(first).startswith("TTFT "), "a column served at once shows no wait"


def test_a_reply_that_never_started_shows_no_figures() -> None:
    """A rate-limited reply has no timing to show, not "0.00 s · 0 tokens · 0.0 tokens/s"."""
    assert timing_text(ReplyTiming(latency_ms=3.0, ttft_ms=None, tokens=0, tokens_per_second=0.0, wait_ms=0.0)) == ""
    assert timing_text({"latency_ms": 2.0, "ttft_ms": None, "tokens": 0, "tokens_per_second": 0.0}) == ""
