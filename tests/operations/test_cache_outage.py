"""While Redis is unreachable the cache answers misses, so pages are computed instead of failing."""

from __future__ import annotations

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from governance.core.cache_backends import TolerantRedisCache
from tests.test_settings import PRODUCTION_DB, run_manage

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def cache():
    backend = TolerantRedisCache(UNREACHABLE, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    yield backend
    backend.close()


def test_reads_miss_and_writes_do_nothing(cache):
    assert cache.get("figures", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("figures") is False
    cache.set("figures", 1)
    cache.set_many({"a": 1})
    cache.delete("figures")
    cache.delete_many(["a", "b"])
    assert cache.add("lock", 1) is False  # nothing is ever held on a cache that is not there
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_djangos_own_redis_cache_fails_instead(cache):
    """What the tolerant cache replaces: the same call raises with the stock backend."""
    stock = RedisCache(UNREACHABLE, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    with pytest.raises(redis.ConnectionError):
        stock.get("figures")


def test_redis_url_selects_the_tolerant_cache():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])",
        REDIS_URL="redis://127.0.0.1:6379/8",
        DATABASE_URL=PRODUCTION_DB,
    )
    assert result.stdout.strip().splitlines()[-1] == "governance.core.cache_backends.TolerantRedisCache", result.stderr
