"""Health probes: open to the load balancer without signing in, and saying nothing else."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from governance.operations import health
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_answer(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(health, "_migrations_seen_applied", False)
    settings.MEDIA_ROOT = tmp_path  # the storage check writes and deletes a file


def test_liveness_answers_without_signing_in_and_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_readiness_is_ok_when_every_dependency_answers(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readiness_fails_with_a_migration_unapplied_and_names_nothing(client, caplog, monkeypatch):
    """The check that fails is named in the log only."""
    monkeypatch.setattr(health, "_migrations_seen_applied", False)  # an earlier probe in this process saw them all
    (latest,) = [name for app, name in MigrationLoader(connection).graph.leaf_nodes() if app == "governance"]
    MigrationRecorder(connection).migration_qs.filter(app="governance", name=latest).delete()
    try:
        response = client.get("/health/ready/?format=json", HTTP_ACCEPT="application/json")
    finally:
        MigrationRecorder(connection).record_applied("governance", latest)
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable"}
    assert "MigrationsApplied" in caplog.text  # the reason goes to the log, not to the caller


@pytest.mark.django_db(transaction=True)
def test_readiness_fails_when_the_broker_is_unreachable(client, monkeypatch):
    from portal.celery import app

    unreachable = "redis://127.0.0.1:1/0"
    previous = app.conf.broker_url
    app.conf.task_always_eager = False  # restored by the autouse fixture
    app.conf.broker_url = unreachable
    # Celery reads CELERY_BROKER_URL from the environment before its own setting (the
    # PostgreSQL pass of CI sets it), so the address is changed there too.
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    try:
        response = client.get("/health/ready/")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.parametrize("fmt", ["json", "text", "atom", "rss", "openmetrics"])
@pytest.mark.django_db(transaction=True)
def test_readiness_never_lists_its_checks_whatever_format_is_asked(client, fmt):
    response = client.get(f"/health/ready/?format={fmt}")
    assert response.json() == {"status": "ok"}
    for word in ("Database", "Cache", "Storage", "Broker", "alias", "sqlite", "postgres"):
        assert word.lower() not in response.content.decode().lower()


def test_probes_refuse_writes(client):
    assert client.post("/health/live/").status_code == 405
    assert client.post("/health/ready/").status_code == 405


def test_probes_open_for_a_signed_in_person_without_a_second_factor(unverified_client):
    """The second-factor middleware lets the probes through like the login middleware does."""
    response = unverified_client(UserFactory()).get("/health/live/")
    assert response.status_code == 200


def test_probes_are_not_redirected_to_https_in_production_settings(settings):
    from django.middleware.security import SecurityMiddleware
    from django.test import RequestFactory

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    middleware = SecurityMiddleware(lambda request: None)
    assert middleware.process_request(RequestFactory().get("/health/ready/")) is None
    assert middleware.process_request(RequestFactory().get("/assets/")).status_code == 301


@pytest.mark.django_db(transaction=True)
def test_readiness_answers_from_a_thread_already_running_an_event_loop(client):
    """A caller's own event loop (a test harness, an async worker) must not turn the probe into a 500."""
    client.raise_request_exception = True

    async def probe_inside_a_loop() -> int:
        return client.get("/health/ready/").status_code

    assert asyncio.run(probe_inside_a_loop()) == 200
