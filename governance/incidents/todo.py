"""Incidents' items on the home task list: ICO decisions against the 72-hour clock, open actions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Min
from django.urls import reverse
from django.utils import formats, timezone

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import is_person
from governance.core.todo import DECISION, OVERDUE, Facts, Task
from governance.incidents.models import Incident, IncidentAction
from governance.incidents.policy import handles_any
from governance.incidents.selectors import visible_incidents


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str
    due: datetime.datetime | datetime.date | None = None
    overdue: bool = False


def items_for(user: User, now: datetime.datetime | None = None) -> list[TaskItem]:
    """Incidents waiting for this user's ICO decision (soonest deadline first) and their open actions."""
    if not is_person(user):
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
                    label=f"Decide on reporting {plural(count, 'incident')} to the ICO",
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
                label=f"Complete {plural(count, 'incident action')}",
                count=count,
                url=f"{reverse('incidents:list')}?status=my_actions",
                due=first,
                overdue=first is not None and first < timezone.localdate(now),
            )
        )
    return items


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """The incident items, ordered with the rest: past the deadline first, then waiting for you."""
    tasks = []
    for item in items_for(user):
        due = ""
        if isinstance(item.due, datetime.datetime):
            due = formats.date_format(timezone.localtime(item.due), "j F Y, H:i")
        elif isinstance(item.due, datetime.date):
            due = formats.date_format(item.due, "j F Y")
        if due:
            due = f"{'Was due' if item.overdue else 'Due'} {due}"
        tasks.append(
            Task(
                label=item.label,
                count=item.count,
                url=item.url,
                priority=OVERDUE if item.overdue else DECISION,
                section="Incidents",
                hint=due,
            )
        )
    return tasks
