"""The session is written at most once a minute, and the idle timeout stays exact."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(area):
    return UserFactory(username="sam", business_area=area)


def _session_writes(client, url="/about/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"].upper())


def test_the_session_is_written_at_most_once_a_minute(verified_client, person, settings):
    client = verified_client(person)
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/about/")  # the first request after signing in records the activity
    writes = []
    for seconds in (10, 20, 30, 50):
        with time_machine.travel(start + datetime.timedelta(seconds=seconds), tick=False):
            writes.append(_session_writes(client))
    assert writes == [0, 0, 0, 0]
    with time_machine.travel(
        start + datetime.timedelta(seconds=settings.SESSION_ACTIVITY_WRITE_SECONDS + 1), tick=False
    ):
        assert _session_writes(client) == 1


def test_idle_timeout_counts_from_the_last_request_even_when_it_was_not_written(verified_client, person, settings):
    """A request 50 s after the last write is not saved, yet the idle timeout counts from it, not from the write."""
    client = verified_client(person)
    idle = settings.SESSION_IDLE_SECONDS
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/about/")
    last = start + datetime.timedelta(seconds=50)
    with time_machine.travel(last, tick=False):
        assert _session_writes(client) == 0
    with time_machine.travel(last + datetime.timedelta(seconds=idle - 5), tick=False):
        assert client.get("/about/").status_code == 200  # 25 min 55 s idle: still signed in


def test_idle_timeout_signs_out_exactly(verified_client, person, settings):
    client = verified_client(person)
    idle = settings.SESSION_IDLE_SECONDS
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/about/")
    last = start + datetime.timedelta(seconds=30)
    with time_machine.travel(last, tick=False):
        client.get("/about/")
    with time_machine.travel(last + datetime.timedelta(seconds=idle + 1), tick=False):
        response = client.get("/about/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in client.session


def test_without_the_cache_the_written_time_still_ends_the_session(verified_client, person, settings):
    """If the cache is lost (restart), the session's own time bounds the idle period: never longer than the timeout."""
    client = verified_client(person)
    idle = settings.SESSION_IDLE_SECONDS
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        client.get("/about/")
    cache.clear()
    with time_machine.travel(start + datetime.timedelta(seconds=idle + 1), tick=False):
        response = client.get("/about/")
    assert response.status_code == 302
