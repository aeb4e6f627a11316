"""Celery tasks of research contracts: retention ended on its date, reminders and escalation."""

from __future__ import annotations

from celery import shared_task

from governance.contracts import reminders as contract_reminders
from governance.contracts.states import end_due_retention
from governance.core.audit import as_system


@shared_task
@as_system
def end_contract_retention() -> int:
    """Daily: contracts whose retention end date has passed move to 'retention ended'."""
    return end_due_retention()


@shared_task
@as_system
def send_contract_reminders() -> dict:
    """Daily: retention and destruction reminders, weekly overdue reminders, escalation to Deputy SIROs."""
    return contract_reminders.send_contract_reminders().as_dict()
