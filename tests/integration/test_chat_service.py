"""Chat through the service layer: backend choice, validation, and a record of every request."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.ollama_server import FakeOllama
from workshop_app.db.model_requests import Outcome
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.core.errors import InvalidInput
from workshop_app.services.core.streaming import until_stopped
from workshop_app.services.ollama.errors import BackendError, BackendUnavailable, ModelNotFound
from workshop_app.services.operations.metrics import recent_requests

MODEL = "qwen2.5:0.5b"


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every test here writes request records to the session database."""


async def test_a_reply_is_recorded_with_tokens_and_timing(fake_ollama: FakeOllama) -> None:
    chunks = [c async for c in stream_reply(MODEL, ask("record me"))]
    assert chunks[-1].done
    row = recent_requests(MODEL, limit=1)[0]
    assert row.outcome == Outcome.SUCCESS
    assert row.backend_url == fake_ollama.url
    assert row.completion_tokens == chunks[-1].stats.completion_tokens > 0
    assert row.ttft_ms is not None and row.duration_ms >= row.ttft_ms


async def test_a_failed_stream_is_recorded_as_an_error(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.fault = "error_mid_stream"
    with pytest.raises(BackendError):
        async for _ in stream_reply(MODEL, ask("fail me")):
            pass
    row = recent_requests(MODEL, limit=1)[0]
    assert row.outcome == Outcome.ERROR
    assert row.error


async def test_stop_ends_the_reply_and_frees_the_backend(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.token_delay = 0.1
    fake_ollama.config.reply_tokens = 100
    stop = asyncio.Event()
    received = []
    async for chunk in until_stopped(stream_reply(MODEL, ask("stop me")), stop):
        received.append(chunk.content)
        if len(received) == 2:
            stop.set()
    assert len(received) == 2
    await asyncio.sleep(0.3)
    assert fake_ollama.stats.cancelled_streams == 1
    assert fake_ollama.stats.active_streams == 0
    assert recent_requests(MODEL, limit=1)[0].outcome == Outcome.CANCELLED


async def test_stop_works_while_the_model_is_still_thinking(fake_ollama: FakeOllama) -> None:
    fake_ollama.config.first_token_delay = 5.0
    stop = asyncio.Event()

    async def stop_once_the_model_thinks() -> None:
        while not fake_ollama.stats.active_streams:  # the request has reached the model, which is still silent
            await asyncio.sleep(0.02)
        stop.set()

    stopper = asyncio.create_task(stop_once_the_model_thinks())
    received = [c async for c in until_stopped(stream_reply(MODEL, ask("think")), stop)]
    await stopper
    assert received == []
    for _ in range(50):  # the server notices the closed connection shortly after
        if fake_ollama.stats.cancelled_streams:
            break
        await asyncio.sleep(0.05)
    assert fake_ollama.stats.cancelled_streams == 1


@pytest.mark.parametrize(
    ("model", "messages", "expected"),
    [
        ("", ask("hi"), "Choose a model"),
        (MODEL, [], "nothing to send"),
        (MODEL, ask("   "), "empty"),
        (MODEL, [{"role": "wizard", "content": "hi"}], "Unknown message role"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    fake_ollama: FakeOllama, model: str, messages: list, expected: str
) -> None:
    with pytest.raises(InvalidInput, match=expected):
        async for _ in stream_reply(model, messages):
            pass
    assert fake_ollama.stats.requests.get("/api/chat", 0) == 0


async def test_a_model_no_backend_has_is_not_found(fake_ollama: FakeOllama) -> None:
    with pytest.raises(ModelNotFound, match="mistral:7b"):
        async for _ in stream_reply("mistral:7b", ask("hi")):
            pass


async def test_with_ollama_down_the_error_names_the_url(fake_ollama: FakeOllama) -> None:
    fake_ollama.refuse_connections()
    with pytest.raises(BackendUnavailable) as caught:
        async for _ in stream_reply(MODEL, ask("hi")):
            pass
    assert fake_ollama.url in caught.value.message
