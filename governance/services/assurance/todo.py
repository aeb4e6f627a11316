"""Assurance's items on the home task list: annual returns to sign (IAMs) and to accept (Deputy SIROs)."""

from __future__ import annotations

from governance.models import User
from governance.services.assurance.tasks import tasks_for as assurance_items
from governance.services.core.task_list import DECISION, Facts, Task


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Two queries, whatever the number of returns."""
    return [
        Task(label=item.label, count=item.count, url=item.url, priority=DECISION, section="Assurance to the SIRO")
        for item in assurance_items(user)
    ]
