"""Celery tasks of the privacy records."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.privacy.dpias import send_review_reminders

# --- DPIAs -----------------------------------------------------------------------------------------


@shared_task
@as_system
def send_dpia_review_reminders() -> dict:
    """Remind IAMs and the DPO of DPIA reviews falling due; escalate overdue ones. Idempotent."""
    run = send_review_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated}
