"""Where the rate limiter counts in a test: this process's memory, or a real Redis server (emptied first)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from tests.support.redis import redis_server
from workshop_app.settings import get_settings


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Counters in this process, or in a real Redis server (emptied before each test, and kept after it)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        monkeypatch.setenv("WORKSHOP_REDIS_URL", url)
    else:
        monkeypatch.delenv("WORKSHOP_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield request.param
    get_settings.cache_clear()
    if request.param == "redis":
        kept = redis.Redis.from_url(url).keys("LIMITS*") + redis.Redis.from_url(url).keys("workshop:tokens:*")
        assert kept, "the counters should have been kept in Redis"
