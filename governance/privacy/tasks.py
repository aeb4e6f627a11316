"""Celery tasks of the privacy records. Each is idempotent and runs as the system account."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.privacy import activities, agreements
from governance.privacy.dpias import send_review_reminders


@shared_task
@as_system
def send_activity_review_reminders() -> dict:
    """Daily: owners reminded of processing activities' yearly reviews; overdue ones escalated. Idempotent."""
    return activities.send_activity_reminders().as_dict()


@shared_task
@as_system
def send_agreement_reminders() -> dict:
    """Daily: managers reminded of sharing agreements' reviews and ends; past review, the Deputy SIRO then
    the SIRO told. Idempotent."""
    return agreements.send_agreement_reminders().as_dict()


@shared_task
@as_system
def send_dpia_review_reminders() -> dict:
    """Remind IAMs and the DPO of DPIA reviews falling due; escalate overdue ones. Idempotent."""
    run = send_review_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated}
