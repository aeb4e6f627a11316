"""Celery tasks of safe outputs: researchers' accounts end with their contract."""

from __future__ import annotations

from celery import shared_task

from governance.core.audit import as_system
from governance.outputs.researchers import end_researchers_past_end


@shared_task
@as_system
def end_researchers() -> int:
    """Daily: end the accounts of researchers whose contract has ended. Safe to repeat."""
    return end_researchers_past_end()
