"""Celery tasks of releases: tables re-checked under new rules, large tables checked in the background."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.releases.workflow import recheck_unreleased, run_background_check


@shared_task
@as_system
def recheck_release_tables() -> int:
    """Enqueue a check, with the rules now in force, of every unreleased table checked under older rules.

    Enqueued when the rules change and run nightly as a safety net. Each table is checked by its
    own ``check_output_table`` task, within that task's time limit; a table already checked under
    the current rules is left alone.
    """
    return recheck_unreleased()


@shared_task
@as_system
def check_output_table(table_id: int, digest: str) -> bool:
    """Check a large output table off the request (see ``workflow.run_background_check``); idempotent."""
    return run_background_check(table_id, digest)
