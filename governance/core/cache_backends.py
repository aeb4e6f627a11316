"""A Redis cache that a Redis restart does not turn into error pages.

The portal caches only figures it can recompute (dashboard counts, who is cleared
for personal data), so while Redis is unreachable a read is a miss and a write or a
drop does nothing: the page is computed from the database and served. A restarted
Redis comes back empty, so nothing stale outlives the outage. Each failure is logged.
``add`` and ``incr`` answer as if the cache refused (no lock is ever taken on a cache
that is not there), and readiness still reports the cache as unavailable.
"""

from __future__ import annotations

import functools
import logging

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)


def _tolerant(fallback):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE:
                logger.warning("Cache unreachable: %s answered as a miss", method.__name__)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


class TolerantRedisCacheClient(RedisCacheClient):
    add = _tolerant(False)(RedisCacheClient.add)
    get = _tolerant(lambda key, default: default)(RedisCacheClient.get)
    set = _tolerant(None)(RedisCacheClient.set)
    touch = _tolerant(False)(RedisCacheClient.touch)
    delete = _tolerant(False)(RedisCacheClient.delete)
    get_many = _tolerant(lambda keys: {})(RedisCacheClient.get_many)
    has_key = _tolerant(False)(RedisCacheClient.has_key)
    set_many = _tolerant(lambda data, timeout: list(data))(RedisCacheClient.set_many)
    delete_many = _tolerant(None)(RedisCacheClient.delete_many)
    clear = _tolerant(False)(RedisCacheClient.clear)

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except UNREACHABLE as exc:  # the caller's own ValueError path: "no such key"
            logger.warning("Cache unreachable: incr refused")
            raise ValueError(f"Key {key!r} not found (cache unreachable)") from exc


class TolerantRedisCache(RedisCache):
    """``CACHES`` backend for ``REDIS_URL``: Django's Redis cache, answering misses while Redis is away."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = TolerantRedisCacheClient
