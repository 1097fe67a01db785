"""A fresh look at a host is one that began after the asker's change: a check already running
may have read the host before the model was loaded (or deleted), and must not answer for it."""

from __future__ import annotations

import asyncio

from tests.fakes.ollama_server import FakeOllama
from workshop_app.services.ollama.client import OllamaBackend
from workshop_app.services.ollama.health_monitor import HealthMonitor
from workshop_app.services.ollama.types import RunningModel

MODEL = "llama3.2:1b"


class SlowToAnswer(OllamaBackend):
    """Reads /api/ps at once, but hands the first answer over only when the test says so."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.read, self.release, self.calls = asyncio.Event(), asyncio.Event(), 0

    async def loaded_models(self, *, attempts: int | None = None) -> list[RunningModel]:
        answer = await super().loaded_models(attempts=attempts)
        self.calls += 1
        if self.calls == 1:
            self.read.set()
            await self.release.wait()
        return answer


async def test_a_fresh_refresh_does_not_take_a_check_that_read_the_host_before_a_change(
    fake_ollama: FakeOllama,
) -> None:
    backend = SlowToAnswer(fake_ollama.url)
    monitor = HealthMonitor([backend], interval=3600, probe_timeout=10)
    early = asyncio.create_task(monitor.refresh(max_wait=10))  # a check in flight: it has read "nothing loaded"
    await backend.read.wait()

    await backend.set_residency(MODEL, "5m")  # the change, after that read
    fresh = asyncio.create_task(monitor.refresh(max_wait=10))
    await asyncio.sleep(0.05)
    backend.release.set()

    [state] = await fresh
    assert [model.name for model in state.running] == [MODEL]
    await early
    assert [model.name for model in monitor.states()[0].running] == [MODEL], "the older check never overwrites"
    monitor.stop()
