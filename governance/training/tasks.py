"""Celery tasks of training: reminders and the compliance figures."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.training.courses import compliance_counts, send_reminders


@shared_task
@as_system
def send_training_reminders() -> dict:
    """Daily: training reminders before and on expiry, weekly while overdue, then escalation."""
    return dict(send_reminders().sent)


@shared_task
@as_system
def refresh_training_figures() -> int:
    """Recompute the compliance dashboards' counts ahead of their readers (with a shared cache)."""
    staff, _signed = compliance_counts(refresh=True)
    return len(staff)
