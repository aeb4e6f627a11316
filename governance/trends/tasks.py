"""Celery tasks of trends: the daily compliance snapshot."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.trends.snapshots import take_snapshot


@shared_task
@as_system
def take_compliance_snapshot() -> str:
    """Record the day's compliance figures for the trend charts; a second run the same day writes nothing."""
    snapshot, created = take_snapshot()
    return f"{'taken' if created else 'already taken'} for {snapshot.taken_on.isoformat()}"
