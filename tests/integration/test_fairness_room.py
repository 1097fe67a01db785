"""The room `benchmarks.fairness --workers N` measures, small: two app worker processes on one Redis,
greedy attendees bursting and light ones with one chat each, spread over both workers."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from tests.fakes.ollama_server import FakeOllama
from tests.support.accounts import actor_of, make_user
from tests.support.api_workers import api_workers
from tests.support.fairness_room import RoomShape, run_room
from tests.support.limit_counters import redis_url  # noqa: F401  (fixture)
from workshop_app.db.users import Role
from workshop_app.services.accounts.api_keys import create_api_key

pytestmark = pytest.mark.redis

PARALLELISM = 2


async def test_two_workers_keep_the_host_at_its_parallelism_and_serve_light_attendees_first(
    redis_url: str, fake_ollama: FakeOllama, migrated_database: str, tmp_path: Path
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    fake_ollama.config.token_delay, fake_ollama.config.reply_tokens = 0.03, 4
    shape = RoomShape(greedy=2, burst=4, light=4)
    keys = [create_api_key(actor_of(make_user(Role.ATTENDEE, "room")), "tests")[1] for _ in range(shape.people + 1)]
    env = {
        "WORKSHOP_REDIS_URL": redis_url,
        "WORKSHOP_OLLAMA_URLS": fake_ollama.url,
        "WORKSHOP_OLLAMA_PARALLELISM": str(PARALLELISM),
        "WORKSHOP_ENGINE": "off",
    }
    with api_workers(2, env, tmp_path) as workers:
        run = await run_room([worker.url for worker in workers], fake_ollama.url, keys, shape)
    assert run.peak == PARALLELISM, "the host got more, or never its full parallelism"
    assert (len(run.light), len(run.greedy)) == (4, 8)
    assert max(run.light) < max(run.greedy), "a light attendee waited behind a greedy one's whole burst"
