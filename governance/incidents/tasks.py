"""Celery tasks of incidents: reminders against the 72-hour clock."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.incidents.reminders import send_incident_reminders as send_incident_deadline_reminders


@shared_task
@as_system
def send_incident_reminders() -> dict:
    """Warn handlers before an incident's 72 hours run out; escalate to the SIRO; report a miss. Idempotent."""
    run = send_incident_deadline_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated, "missed": run.missed}
