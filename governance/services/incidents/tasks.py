"""The home page's task list entries for incidents: one provider function, as every domain has.

Not Celery tasks: things a person has to do. Each item is small and says whether it is due
or overdue, so the home page can order and tag items from every domain the same way.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from governance.models import Incident, IncidentAction, User
from governance.services.incidents.policy import handles_any, is_active_person, visible_incidents


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str
    due: datetime.datetime | datetime.date | None = None
    overdue: bool = False


def tasks_for(user: User, now: datetime.datetime | None = None) -> list[TaskItem]:
    """Incidents waiting for this user's ICO decision (soonest deadline first) and their open actions."""
    if not is_active_person(user):
        return []
    now = now or timezone.now()
    items: list[TaskItem] = []
    if handles_any(user):
        waiting = visible_incidents(user).exclude(state=Incident.State.CLOSED).filter(ico_decision="")
        figures = waiting.aggregate(first=Min("ico_deadline"))
        count = waiting.count()
        if count:
            first = figures["first"]
            items.append(
                TaskItem(
                    label=f"Decide on reporting {count} incident{'s' if count != 1 else ''} to the ICO",
                    count=count,
                    url=f"{reverse('incidents:list')}?status=awaiting",
                    due=first,
                    overdue=first is not None and first <= now,
                )
            )
    actions = IncidentAction.objects.filter(owner=user, state=IncidentAction.State.OPEN).exclude(
        incident__state=Incident.State.CLOSED
    )
    figures = actions.aggregate(first=Min("due_on"))
    count = actions.count()
    if count:
        first = figures["first"]
        items.append(
            TaskItem(
                label=f"Complete {count} incident action{'s' if count != 1 else ''}",
                count=count,
                url=f"{reverse('incidents:list')}?status=my_actions",
                due=first,
                overdue=first is not None and first < timezone.localdate(now),
            )
        )
    return items
