"""Readiness checks for the load balancer, on top of django-health-check's database, cache and storage.

Each check raises ``ServiceUnavailable`` with a message that goes to the log only:
the probe's answer says "ok" or "unavailable" and nothing more.
"""

from __future__ import annotations

import dataclasses

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable

from portal.celery import app as celery_app

_migrations_seen_applied = False


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (skipped when tasks run in-process).

    The portal's own Celery app, named: checks run on executor threads, where Celery's
    ``current_app`` is its unconfigured default app (whose broker is amqp://localhost),
    not the portal's.
    """

    def run(self) -> None:
        if celery_app.conf.task_always_eager:
            return
        try:
            with celery_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # kombu raises a different class per transport
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class MigrationsApplied(HealthCheck):
    """No migration is waiting: an instance on newer code than its database is not ready.

    The code of a running process does not change, so once every migration is seen
    applied the answer is kept and later probes cost nothing.
    """

    def run(self) -> None:
        global _migrations_seen_applied
        if _migrations_seen_applied:
            return
        connection = connections[DEFAULT_DB_ALIAS]
        try:  # probes run on a pool thread: its connection is closed, not left open
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                raise ServiceUnavailable("unapplied migrations")
        finally:
            connection.close()
        _migrations_seen_applied = True


def readiness_checks() -> tuple:
    """What an instance needs before it takes traffic."""
    return (Database, Cache, Storage, Broker, MigrationsApplied)
