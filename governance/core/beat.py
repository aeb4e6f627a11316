"""Celery beat that sends only while it holds a Redis lock, so a second beat does nothing.

Beat must run once: two would send every scheduled task twice (the tasks are
idempotent, but the work is not free and the reminders' timing would be theirs).
With ``BEAT_LOCK_URL`` (or ``REDIS_URL``) set, each beat tries on every tick to take
or renew a lock with its own random token; only the holder sends. A standby beat
keeps trying and takes over within ``BEAT_LOCK_SECONDS`` of the holder's death. If
Redis cannot be reached, no beat sends: a missed minute is caught up by the
schedule's next run, a doubled one would not be undone. Without a lock URL (one
machine, development) beat behaves as Celery's own.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_KEY = "custodian:beat-lock"

# Take the lock if free, or renew it if this token holds it; 1 when held afterwards.
_ACQUIRE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
"""
# Release only a lock this token holds.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class BeatLock:
    """A renewable lock held by one process at a time, identified by a random token."""

    def __init__(self, url: str, seconds: int, key: str = LOCK_KEY):
        self.client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        self.milliseconds = seconds * 1000
        self.key = key
        self.token = uuid.uuid4().hex
        self.held = False

    def acquire(self) -> bool:
        """Take or renew the lock. False (and not held) when another holds it or Redis is unreachable."""
        try:
            held = bool(self.client.eval(_ACQUIRE, 1, self.key, self.token, self.milliseconds))
        except redis.RedisError:
            logger.warning("Beat lock unavailable: Redis unreachable; sending nothing")
            held = False
        if held != self.held:
            logger.info("Beat lock %s", "taken: this beat sends" if held else "not held: this beat waits")
        self.held = held
        return held

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # otherwise it expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.token)
        self.held = False


class LockedScheduler(PersistentScheduler):
    """``PersistentScheduler`` that ticks only while holding the beat lock (``CELERY_BEAT_SCHEDULER``)."""

    max_interval: float  # the scheduler's longest sleep between ticks, in seconds

    def __init__(self, *args, **kwargs):
        url = settings.BEAT_LOCK_URL
        self.lock = BeatLock(url, settings.BEAT_LOCK_SECONDS) if url else None
        super().__init__(*args, **kwargs)
        if self.lock is not None:  # wake often enough to renew the lock well before it lapses
            self.max_interval = min(self.max_interval, settings.BEAT_LOCK_SECONDS / 3)

    def tick(self, *args, **kwargs) -> float:
        if self.lock is not None and not self.lock.acquire():
            return self.max_interval
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        if self.lock is not None and self.lock.held:
            self.lock.release()
        super().close()
