"""Incidents' items on the home task list: ICO decisions against the 72-hour clock, open actions."""

from __future__ import annotations

import datetime

from django.utils import formats, timezone

from governance.models import User
from governance.services.core.task_list import DECISION, OVERDUE, Facts, Task
from governance.services.incidents.tasks import tasks_for as incident_items


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """The incident items, ordered with the rest: past the deadline first, then waiting for you."""
    tasks = []
    for item in incident_items(user):
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
