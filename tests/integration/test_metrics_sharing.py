"""A worker's metrics sharer outlives a round that fails, so the worker stays in every scrape."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
import redis

from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from workshop_app.services.operations import cluster_metrics
from workshop_app.settings import InvalidSettings, Problem

pytestmark = pytest.mark.redis

WORKER = "test-host:1:sharer"


def test_a_round_that_fails_does_not_end_the_workers_metrics_sharing(
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = redis.Redis.from_url(redis_url)
    client.hdel(cluster_metrics.KEY, WORKER)
    rounds: list[float] = []

    def settings() -> SimpleNamespace:
        rounds.append(time.monotonic())
        if len(rounds) == 1:  # a round whose settings cannot be read: the sharer must try again, not end
            raise InvalidSettings([Problem("WORKSHOP_WORKERS", "2", "more than one worker needs WORKSHOP_REDIS_URL")])
        return SimpleNamespace(redis_url=redis_url)

    monkeypatch.setattr(cluster_metrics, "get_settings", settings)
    monkeypatch.setattr(cluster_metrics, "PUSH_S", 0.02)
    monkeypatch.setattr(cluster_metrics, "_worker", WORKER)
    stop = threading.Event()
    sharer = threading.Thread(target=cluster_metrics._push_forever, args=(stop,), daemon=True)
    sharer.start()
    try:
        deadline = time.monotonic() + 10
        while not client.hexists(cluster_metrics.KEY, WORKER) and sharer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.hexists(cluster_metrics.KEY, WORKER), "the sharer stopped after its first round failed"
    finally:
        stop.set()
        sharer.join(5)
        client.hdel(cluster_metrics.KEY, WORKER)
    assert not sharer.is_alive()  # and it ends when told to
