"""Enqueue Celery tasks by name, after the current transaction commits.

Services never import ``governance.tasks`` (the tasks import the services). They name
the task instead; the Celery app's registry finds it, eagerly in development and tests.

A broker outage never turns a committed change into an error page. Publishing waits
through a short outage (``CELERY_TASK_PUBLISH_RETRY_POLICY``, a Redis restart); if the
broker is still gone, the failure is logged and the work is not lost, because every
enqueued task has a database record that a scheduled sweep finds again: unsent
notifications (``send_pending_notifications``), tables checked under superseded rules
(``recheck_release_tables``).
"""

from __future__ import annotations

import functools
import importlib
import logging
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def _publish(task_name: str, args: tuple, kwargs: dict) -> None:
    try:
        current_app.tasks[task_name].apply_async(args, kwargs)
    except OperationalError:
        logger.error("Broker unavailable: %s not enqueued now; its scheduled sweep will run it", task_name)


def enqueue(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Run ``task_name`` with these arguments once the surrounding transaction commits."""
    if task_name not in current_app.tasks:
        # Outside a worker nothing may have imported the tasks module yet: load it by name.
        importlib.import_module(task_name.rpartition(".")[0])
    transaction.on_commit(functools.partial(_publish, task_name, args, kwargs))
