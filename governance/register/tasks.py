"""Celery tasks of the register: leavers deactivated on their date, asset review reminders."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.register.assets import send_review_reminders
from governance.register.people import deactivate_due_leavers


@shared_task
@as_system
def deactivate_leavers() -> int:
    """Remove the rights of everyone whose leaving date has arrived."""
    return deactivate_due_leavers()


@shared_task
@as_system
def send_asset_review_reminders() -> dict:
    """Daily: remind IAMs of reviews falling due; escalate overdue reviews to Deputy SIROs."""
    run = send_review_reminders()
    return {"due_soon": run.due_soon, "overdue_escalated": run.overdue_escalated}
