"""Celery tasks of assurance: rounds prepared, reminders sent."""

from __future__ import annotations

from celery import shared_task

from governance.assurance import reminders as assurance_reminders
from governance.assurance import returns as assurance_returns
from governance.assurance import risks as assurance_risks
from governance.core.audit import as_system


@shared_task
@as_system
def prepare_assurance_round(round_id: int) -> dict:
    """Prepare one return per IAM for a round, recording progress on the round. Idempotent."""
    round_ = assurance_returns.prepare_round(round_id)
    return {"prepared": round_.prepared, "total": round_.iam_total}


@shared_task
@as_system
def send_assurance_reminders() -> dict:
    """Daily: remind IAMs before a return is due; escalate overdue returns and risk reviews. Idempotent."""
    returns = assurance_reminders.send_return_reminders()
    risks = assurance_risks.send_risk_review_reminders()
    return {
        "returns_reminded": returns.reminded,
        "returns_escalated": returns.escalated,
        "risks_reminded": risks.reminded,
        "risks_escalated": risks.escalated,
    }
