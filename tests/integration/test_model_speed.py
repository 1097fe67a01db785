"""Speed and success figures of the Models page come from what the backend reports, never from noise."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.ollama_server import FakeOllama
from workshop_app.db.model_requests import ModelRequest, Outcome
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.models.metrics import metrics_by_model_host, request_points, tokens_per_second
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.types import ChatChunk
from workshop_app.services.operations.metrics import recent_requests


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every test here writes request records to the session database."""


async def fresh_model(fake: FakeOllama) -> str:
    """A model no other test sends requests to, so its figures are this test's alone."""
    fake.config.unknown_pulls_fail = False
    name = f"speed-{uuid.uuid4().hex[:8]}:1b"
    async for _ in OllamaBackend(fake.url).pull(name):
        pass
    return name


class BufferingBackend(OllamaBackend):
    """A backend that generates token by token but hands the reply over in one piece (as Ollama does with tools)."""

    async def chat_stream(
        self, model: str, messages: list[dict[str, Any]], options: Any = None, tools: Any = None, extras: Any = None
    ) -> AsyncIterator[ChatChunk]:
        chunks = [chunk async for chunk in super().chat_stream(model, messages, options, tools, extras)]
        yield ChatChunk("".join(chunk.content for chunk in chunks))
        yield chunks[-1]


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def test_a_reply_handed_over_in_one_piece_has_a_true_first_token_time_and_speed(fake_ollama: FakeOllama) -> None:
    model = await fresh_model(fake_ollama)
    fake_ollama.config.first_token_delay = 0.2
    fake_ollama.config.token_delay = 0.03
    fake_ollama.config.reply_tokens = 20
    buffering = (BufferingBackend(fake_ollama.url),)
    chunks = [chunk async for chunk in stream_reply(model, ask("all at once"), backends=buffering)]
    stats = chunks[-1].stats
    assert stats is not None and stats.eval_ms > 400

    row = recent_requests(model, limit=1)[0]
    assert row.ttft_ms is not None and row.ttft_ms < row.duration_ms - 400, "the generation time is not waiting time"
    speed = metrics_by_model_host()[(model, "")].avg_tokens_per_s
    backend_speed = stats.completion_tokens / (stats.eval_ms / 1000)
    assert speed == pytest.approx(backend_speed), "the backend's eval_count / eval_duration"
    assert 20 < speed < 50  # one token every 30 ms is ~33 tokens/s, not thousands
    assert request_points(model)[-1].tokens_per_s == pytest.approx(backend_speed)


def test_speed_uses_the_backends_counts_and_never_a_near_zero_interval() -> None:
    timed = ModelRequest(
        backend_url="u",
        model="m",
        kind="chat",
        outcome=Outcome.SUCCESS,
        duration_ms=5000,
        ttft_ms=4990,
        completion_tokens=90,
        eval_ms=1000,
    )
    assert tokens_per_second(timed) == pytest.approx(90)
    untimed = ModelRequest(
        backend_url="u",
        model="m",
        kind="chat",
        outcome=Outcome.SUCCESS,
        duration_ms=5000,
        ttft_ms=4999,
        completion_tokens=90,
    )
    assert tokens_per_second(untimed) is None, "90 tokens in 1 ms is no measurement"
    instant = ModelRequest(
        backend_url="u",
        model="m",
        kind="chat",
        outcome=Outcome.SUCCESS,
        duration_ms=900,
        ttft_ms=100,
        completion_tokens=3,
        eval_ms=2,
    )
    assert tokens_per_second(instant) is None


async def test_a_stopped_reply_is_not_a_failure(fake_ollama: FakeOllama) -> None:
    model = await fresh_model(fake_ollama)
    for text in ("one", "two"):
        [chunk async for chunk in stream_reply(model, ask(text))]
    fake_ollama.config.token_delay = 0.05
    fake_ollama.config.reply_tokens = 100
    stop = asyncio.Event()
    async for _ in until_stopped(stream_reply(model, ask("stop me")), stop):
        stop.set()

    metrics = metrics_by_model_host()[(model, "")]
    assert metrics.total_requests == 3 and metrics.stopped_requests == 1
    assert metrics.success_rate == 1.0, "the reader chose to stop: nothing failed"
