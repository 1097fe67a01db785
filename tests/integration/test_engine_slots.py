"""The fair queue admits as many requests to the built-in engine as it has slots (from /api/version),
while other hosts keep WORKSHOP_OLLAMA_PARALLELISM."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.conftest import reset_settings_caches
from tests.fakes.ollama_server import FakeOllama
from tests.support.peak_streams import peak_streams  # noqa: F401  (fixture)
from tests.support.two_hosts import Hosts, second_server, two_hosts  # noqa: F401  (fixtures)
from workshop_app.services.chat.replies import stream_reply
from workshop_app.services.ollama.backends import get_monitor
from workshop_app.services.ollama.scheduler import scheduler_for, set_host_slots
from workshop_app.services.ollama.types import BUILTIN_ENGINE

MODEL = "qwen2.5:0.5b"


@pytest.fixture(autouse=True)
def _database(migrated_database: str) -> None:
    """Every request that gets a turn is recorded in the session database."""


@pytest.fixture
def engine_fake(fake_ollama: FakeOllama) -> Iterator[FakeOllama]:
    """The fake answering /api/version as the built-in engine does; slow replies so requests overlap."""
    fake_ollama.config.engine = BUILTIN_ENGINE
    fake_ollama.config.reply_tokens = 4
    fake_ollama.config.token_delay = 0.03
    yield fake_ollama
    set_host_slots(fake_ollama.url, None)


def parallelism_setting(monkeypatch: pytest.MonkeyPatch, value: int) -> None:
    monkeypatch.setenv("WORKSHOP_OLLAMA_PARALLELISM", str(value))
    monkeypatch.setenv("WORKSHOP_USER_CONCURRENCY", "1")
    reset_settings_caches()


async def drain(n: int) -> None:
    async for _ in stream_reply(MODEL, [{"role": "user", "content": f"question {n}"}], client_ip=f"192.0.2.{n}"):
        pass


@pytest.mark.parametrize(("slots", "setting"), [(3, 1), (2, 6)])
async def test_the_engine_host_serves_exactly_its_slots_at_once(
    engine_fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int], slots: int, setting: int
) -> None:
    engine_fake.config.slots = slots
    parallelism_setting(monkeypatch, setting)
    await asyncio.gather(*(drain(n) for n in range(1, 9)))
    assert peak_streams[0] == slots
    assert scheduler_for(engine_fake.url).load().parallelism == slots


async def test_a_changed_slot_count_is_followed_at_the_next_check(
    engine_fake: FakeOllama, monkeypatch: pytest.MonkeyPatch, peak_streams: list[int]
) -> None:
    engine_fake.config.slots = 4
    parallelism_setting(monkeypatch, 1)
    await drain(1)
    assert scheduler_for(engine_fake.url).parallelism == 4
    engine_fake.config.slots = 2  # the engine restarted with fewer slots
    await get_monitor().refresh()
    await asyncio.gather(*(drain(n) for n in range(1, 9)))
    assert peak_streams[0] == 2


async def test_an_ollama_host_beside_the_engine_keeps_the_setting(
    two_hosts: Hosts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    two_hosts.a.config.engine = BUILTIN_ENGINE
    two_hosts.a.config.slots = 3
    monkeypatch.setenv("WORKSHOP_OLLAMA_PARALLELISM", "2")
    reset_settings_caches()
    try:
        states = await get_monitor().refresh()
        assert [state.server.builtin for state in states] == [True, False]
        assert scheduler_for(two_hosts.a.url).parallelism == 3
        assert scheduler_for(two_hosts.b.url).parallelism == 2
    finally:
        set_host_slots(two_hosts.a.url, None)
