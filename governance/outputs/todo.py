"""Safe outputs' items on the home task list: outputs waiting for a disclosure-control officer's check."""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, Facts, Task
from governance.outputs.policy import is_checker
from governance.outputs.selectors import waiting_for_checking


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """One query, for checkers only: the outputs in their queue, the oldest waiting since."""
    if not is_checker(user):
        return []
    figures = waiting_for_checking().order_by().aggregate(count=Count("pk"), first=Min("updated_at"))
    return [
        Task(
            label=f"Check {plural(figures['count'], 'research output')}",
            count=figures["count"],
            url=reverse("outputs:queue"),
            priority=DECISION,
            section="Research outputs",
            due=figures["first"],
            due_label="Waiting since",
        )
    ]
