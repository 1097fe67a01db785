"""How many replies a fake host streamed at once, sampled while a test runs (fair-queue limits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.fakes.ollama_server import FakeOllama


@pytest.fixture
async def peak_streams(fake_ollama: FakeOllama) -> AsyncIterator[list[int]]:
    """The most replies the fake streamed at once, sampled while the test runs."""
    peak = [0]

    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], fake_ollama.stats.active_streams)
            await asyncio.sleep(0.005)

    sampler = asyncio.create_task(sample())
    yield peak
    sampler.cancel()
