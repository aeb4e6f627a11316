"""Incidents' items on the home task list: ICO decisions against the 72-hour clock, open actions,
and for overseers the open incidents and those near or past the deadline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Aggregate, Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import is_person
from governance.core.todo import DECISION, DUE_SOON, OVERDUE, Facts, Task
from governance.incidents.models import IncidentAction
from governance.incidents.policy import handles_any
from governance.incidents.selectors import (
    awaiting_ico_decision,
    ico_due_soon,
    ico_overdue,
    incidents_in_areas,
    open_incidents,
    visible_incidents,
)


@dataclass(frozen=True)
class TaskItem:
    label: str
    count: int
    url: str
    due: datetime.datetime | datetime.date | None = None
    overdue: bool = False


def _incidents(count: int) -> str:
    return plural(count, "incident")


def items_for(
    user: User, now: datetime.datetime | None = None, awaiting: dict[str, Any] | None = None
) -> list[TaskItem]:
    """Incidents waiting for this user's ICO decision (soonest deadline first) and their open actions.

    ``awaiting`` are the figures of the first, when the caller has counted them already (``tasks_for``)."""
    if not is_person(user):
        return []
    now = now or timezone.now()
    items: list[TaskItem] = []
    if handles_any(user):
        figures = awaiting or (
            visible_incidents(user)
            .filter(awaiting_ico_decision())
            .order_by()
            .aggregate(count=Count("pk"), first=Min("ico_deadline"))
        )
        count = figures["count"]
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
    # Counted as the list shows them (``with_open_actions_of``): incidents (not actions) of the person's that
    # are still open. The actions counted are the person's open ones, so their incidents need only be
    # visible and open: the list's "has an open action of theirs" is each action itself.
    visible_open = visible_incidents(user).filter(open_incidents())
    actions = IncidentAction.objects.filter(owner=user, state=IncidentAction.State.OPEN, incident__in=visible_open)
    figures = actions.aggregate(count=Count("incident", distinct=True), first=Min("due_on"))
    count = figures["count"]
    if count:
        first = figures["first"]
        items.append(
            TaskItem(
                label=f"Complete your actions on {_incidents(count)}",
                count=count,
                url=f"{reverse('incidents:list')}?status=my_actions",
                due=first,
                overdue=first is not None and first < timezone.localdate(now),
            )
        )
    return items


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """The incident items, ordered with the rest: past the deadline first, then waiting for you."""
    now = timezone.now()
    counts = _decisions_and_exceptions(user, facts, now)
    tasks = [
        Task(
            label=item.label,
            count=item.count,
            url=item.url,
            priority=OVERDUE if item.overdue else DECISION,
            section="Incidents",
            due=item.due,
        )
        for item in items_for(user, now, awaiting=counts)
    ]
    return tasks + exceptions_for(user, facts, now, counts=counts)


def _exception_figures(now: datetime.datetime, scope: Q) -> dict[str, Aggregate]:
    """The exceptions' figures, of the incidents in ``scope`` among those aggregated."""
    soon, late = scope & ico_due_soon(now), scope & ico_overdue(now)
    return {
        "open": Count("pk", filter=scope & open_incidents()),
        "soon": Count("pk", filter=soon),
        "first_soon": Min("ico_deadline", filter=soon),
        "late": Count("pk", filter=late),
        "first_late": Min("ico_deadline", filter=late),
    }


def _decisions_and_exceptions(user: User, facts: Facts, now: datetime.datetime) -> dict[str, Any] | None:
    """For an overseer who also decides on reporting to the ICO, the decisions waiting and the exceptions in
    one query over the incidents they may see (the exceptions narrowed to a Deputy SIRO's areas); None for
    everyone else, whose items and exceptions count themselves."""
    if not (facts.sees_exceptions and is_person(user) and handles_any(user)):
        return None
    awaiting = awaiting_ico_decision()
    scope = Q() if facts.oversees_all else incidents_in_areas(facts.deputy_areas)
    return (
        visible_incidents(user)
        .order_by()
        .aggregate(
            count=Count("pk", filter=awaiting),
            first=Min("ico_deadline", filter=awaiting),
            **_exception_figures(now, scope),
        )
    )


def exceptions_for(
    user: User, facts: Facts, now: datetime.datetime | None = None, counts: dict[str, Any] | None = None
) -> list[Task]:
    """Open incidents, and those whose ICO decision is due within a day or past the 72 hours: one query, none
    when ``counts`` were worked out with the decisions (``_decisions_and_exceptions``)."""
    if not facts.sees_exceptions:
        return []
    now = now or timezone.now()
    if counts is None:
        incidents = visible_incidents(user)
        if not facts.oversees_all:
            incidents = incidents.filter(incidents_in_areas(facts.deputy_areas))
        counts = incidents.order_by().aggregate(**_exception_figures(now, Q()))
    listed = reverse("incidents:list")
    scope = facts.scope_query()
    return [
        Task(
            label=f"{_incidents(counts['late'])} past the 72-hour deadline for the ICO decision",
            count=counts["late"],
            url=f"{listed}?{urlencode({'status': 'ico_overdue', **scope})}",
            priority=OVERDUE,
            section="Incidents",
            due=counts["first_late"],
            due_label="Earliest due",
            exception=True,
        ),
        Task(
            label=f"{_incidents(counts['soon'])} with the ICO decision due within a day",
            count=counts["soon"],
            url=f"{listed}?{urlencode({'status': 'ico_due_soon', **scope})}",
            priority=DUE_SOON,
            section="Incidents",
            due=counts["first_soon"],
            exception=True,
        ),
        Task(
            label=f"{_incidents(counts['open'])} open",
            count=counts["open"],
            url=f"{listed}?{urlencode({'status': 'open', **scope})}",
            priority=DUE_SOON,
            section="Incidents",
            exception=True,
        ),
    ]
