"""Beat runs once: a second beat, holding no lock, sends nothing (needs a Redis; skipped without one)."""

from __future__ import annotations

import datetime
import os
import time
import uuid

import pytest
import redis
from celery.beat import ScheduleEntry

from governance.core import beat
from portal.celery import app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def lock_key(monkeypatch, redis_url):
    key = f"custodian:test-beat-lock:{uuid.uuid4().hex}"
    monkeypatch.setattr(beat, "LOCK_KEY", key)
    yield key
    redis.Redis.from_url(redis_url).delete(key)


def test_only_one_holder_at_a_time_and_the_standby_takes_over_after_release(redis_url, lock_key):
    first, second = beat.BeatLock(redis_url, 30, lock_key), beat.BeatLock(redis_url, 30, lock_key)
    assert first.acquire() is True
    assert second.acquire() is False
    assert first.acquire() is True  # renewal by the holder
    first.release()
    assert second.acquire() is True
    assert first.acquire() is False


def test_a_lapsed_lock_passes_to_the_standby(redis_url, lock_key):
    first, second = beat.BeatLock(redis_url, 30, lock_key), beat.BeatLock(redis_url, 30, lock_key)
    assert first.acquire()
    redis.Redis.from_url(redis_url).pexpire(lock_key, 1)  # the holder died and stopped renewing
    time.sleep(0.05)
    assert second.acquire() is True


def test_release_never_drops_another_holders_lock(redis_url, lock_key):
    first, second = beat.BeatLock(redis_url, 30, lock_key), beat.BeatLock(redis_url, 30, lock_key)
    assert first.acquire()
    second.release()
    assert second.acquire() is False


def test_without_redis_no_beat_sends():
    lock = beat.BeatLock("redis://127.0.0.1:1/0", 30)
    assert lock.acquire() is False


def test_the_second_scheduler_sends_nothing(redis_url, lock_key, settings, tmp_path, monkeypatch):
    settings.BEAT_LOCK_URL = redis_url
    settings.BEAT_LOCK_SECONDS = 30
    sent: list[str] = []
    monkeypatch.setattr(beat.LockedScheduler, "apply_async", lambda self, entry, **kw: sent.append(entry.name))
    schedulers = [
        beat.LockedScheduler(app=app, schedule_filename=str(tmp_path / f"beat-{n}"), lazy=False) for n in (1, 2)
    ]
    try:
        for scheduler in schedulers:
            scheduler.schedule.clear()
            scheduler.schedule["every-second"] = ScheduleEntry(
                name="every-second", task="governance.register.tasks.deactivate_leavers", schedule=1.0, app=app
            )
            scheduler.schedule["every-second"].last_run_at = app.now() - datetime.timedelta(seconds=5)
        for scheduler in schedulers:
            scheduler.tick()
        assert sent == ["every-second"]  # the first beat sent; the second held no lock and sent nothing
        assert schedulers[0].lock.held and not schedulers[1].lock.held
        assert schedulers[1].max_interval <= 10
    finally:
        for scheduler in schedulers:
            scheduler.close()
