"""`/metrics` for the whole deployment: each worker's counters, summed through Redis.

With WORKSHOP_REDIS_URL every worker writes its own figures (the `workshop_*` families)
to one Redis hash about once a second, from a small thread, so a worker busy with a
chat on its event loop still reports. A scrape, whichever worker takes it, first writes
that worker's figures afresh and then answers with the sum over all workers: counters
and histograms add up; a gauge is the largest a live worker reports (the figures
workers set are shared ones, such as the queue of a host). A stopped worker's counts
stay in the totals for two days, so totals do not go backwards when a worker restarts.
This works across machines, unlike prometheus_client's multiprocess mode (one shared
directory, so one machine). Process figures (CPU, memory, GC) are per process and left out.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any, cast

import redis
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from redis.exceptions import RedisError

from workshop_app.services.core.redis_clients import blocking_command_client
from workshop_app.settings import get_settings

log = logging.getLogger(__name__)

KEY = "workshop:metrics:workers"
PUSH_S = 1.0
"""How often each worker writes its figures: how stale another worker's part of a scrape can be."""
KEEP_S = 2 * 86_400
LIVE_S = 5 * PUSH_S
PREFIX = "workshop_"

_lock = threading.Lock()
_pusher: tuple[int, threading.Thread] | None = None  # (process id, thread): a forked worker starts its own
_worker = ""


def share() -> None:
    """Make sure this process writes its figures to Redis (a no-op without Redis or once running)."""
    global _pusher, _worker
    if get_settings().redis_url is None or (_pusher is not None and _pusher[0] == os.getpid()):
        return
    with _lock:
        if _pusher is None or _pusher[0] != os.getpid():
            _worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
            thread = threading.Thread(
                target=_push_forever, args=(threading.Event(),), name="metrics-share", daemon=True
            )
            _pusher = (os.getpid(), thread)
            thread.start()


def cluster_exposition(url: str) -> bytes:
    """Every worker's figures summed, in Prometheus text format (this worker's own if Redis fails)."""
    try:
        client = _client(url)
        _push(client)
        entries = _current(client, time.time())
    except RedisError as error:
        log.warning("metrics of the other workers unavailable, answering with this worker's: %s", error)
        return generate_latest(REGISTRY)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Summed(entries, time.time()))
    return generate_latest(registry)


class _Summed:
    """A collector over the workers' written figures."""

    def __init__(self, entries: list[dict[str, Any]], now: float) -> None:
        self._entries, self._now = entries, now

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
        for entry in self._entries:
            live = self._now - entry["at"] <= LIVE_S
            for family in entry["families"]:
                if family["type"] == "gauge" and not live:
                    continue
                families.setdefault(family["name"], Metric(family["name"], family["help"], family["type"]))
                _add(values.setdefault(family["name"], {}), family, family["type"] == "gauge")
        for name, family in families.items():
            for (sample, labels), value in values[name].items():
                family.add_sample(sample, dict(labels), value)
            yield family


def _add(into: dict[tuple[str, tuple[tuple[str, str], ...]], float], family: dict[str, Any], largest: bool) -> None:
    for sample, labels, value in family["samples"]:
        key = (sample, tuple(sorted(labels.items())))
        into[key] = max(into.get(key, -math.inf), value) if largest else into.get(key, 0.0) + value


def _snapshot() -> list[dict[str, Any]]:
    """This process's workshop figures; `_created` timestamps are per process and mean nothing summed."""
    return [
        {
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [
                [sample.name, sample.labels, sample.value]
                for sample in family.samples
                if not sample.name.endswith("_created")
            ],
        }
        for family in REGISTRY.collect()
        if family.name.startswith(PREFIX)
    ]


_clients: dict[str, redis.Redis] = {}


def _client(url: str) -> redis.Redis:
    if url not in _clients:
        _clients[url] = blocking_command_client(url)
    return _clients[url]


def _push(client: redis.Redis) -> None:
    with client.pipeline(transaction=False) as pipe:
        pipe.hset(KEY, _worker, json.dumps({"at": time.time(), "families": _snapshot()}))
        pipe.expire(KEY, KEEP_S)
        pipe.execute()


def _current(client: redis.Redis, now: float) -> list[dict[str, Any]]:
    """The workers' entries, after forgetting those of workers stopped for longer than KEEP_S."""
    raws = cast(dict[bytes, bytes], client.hgetall(KEY))
    entries = {worker.decode(): json.loads(raw) for worker, raw in raws.items()}
    if gone := [worker for worker, entry in entries.items() if now - entry["at"] > KEEP_S]:
        client.hdel(KEY, *gone)
    return [entry for worker, entry in entries.items() if worker not in gone]


def _push_forever(stop: threading.Event) -> None:
    """Push every PUSH_S until `stop`; a round that fails, for whatever reason, is logged and the next one tried
    (a thread that ended would leave this worker out of every scrape for the rest of its life)."""
    failing = False
    while not stop.wait(PUSH_S):
        try:
            url = get_settings().redis_url
            if url is not None:
                _push(_client(url))
            failing = False
        except RedisError as error:
            if not failing:
                log.warning("could not share this worker's metrics: %s", error)
            failing = True
        except Exception:
            if not failing:
                log.exception("could not share this worker's metrics")
            failing = True
