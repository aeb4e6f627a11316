"""The shape of one item on a person's home task list, and the facts every provider shares.

Each domain offers its own items through ``tasks_for(user, facts)`` in its
``todo.py``; ``governance.home.todo`` collects them. The facts are
worked out once per page (a fixed number of queries) so that no provider asks
the same question again, and the whole list costs the same number of queries
however many records lie behind the counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from governance.core.models import BusinessArea, User
from governance.core.notifications import undeliverable
from governance.core.plurals import plural
from governance.core.policy import has_oversight, is_administrator, is_siro
from governance.core.selectors import overseen_areas

# Priorities, most pressing first. A provider picks one per item.
OVERDUE, DECISION, DUE_SOON, INFORMATION = 0, 1, 2, 3
PRIORITY_TAGS = {
    OVERDUE: ("Overdue", "govuk-tag--red"),
    DECISION: ("Waiting for you", "govuk-tag--blue"),
    DUE_SOON: ("Due soon", "govuk-tag--yellow"),
    INFORMATION: ("To look at", "govuk-tag--grey"),
}


@dataclass(frozen=True)
class Task:
    """One line of the task list: what to do, how many, and the filtered list that shows them."""

    label: str
    count: int
    url: str
    priority: int = DECISION
    section: str = "Your work"
    hint: str = ""

    @property
    def status(self) -> str:
        return PRIORITY_TAGS[self.priority][0]

    @property
    def tag(self) -> str:
        return PRIORITY_TAGS[self.priority][1]


@dataclass
class Facts:
    """What every provider may need about the person, read once."""

    user: User
    today: datetime.date
    is_siro: bool
    has_oversight: bool
    deputy_areas: list[BusinessArea] = field(default_factory=list)

    @property
    def is_deputy_siro(self) -> bool:
        return bool(self.deputy_areas)


def facts_for(user: User, on: datetime.date | None = None) -> Facts:
    """The shared facts: offices and groups (cached on the user) and the areas they are Deputy SIRO of."""
    return Facts(
        user=user,
        today=on or timezone.localdate(),
        is_siro=is_siro(user),
        has_oversight=has_oversight(user),
        deputy_areas=list(overseen_areas(user).order_by("name")),
    )


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """For administrators: emails given up after the last attempt allowed (one query)."""
    if not is_administrator(user):
        return []
    count = undeliverable().count()
    return [
        Task(
            label=f"{plural(count, 'email')} could not be sent",
            count=count,
            url=f"{reverse('admin:governance_notification_changelist')}?delivery=failed",
            priority=OVERDUE,
            section="Administration",
            hint="Each was tried the most times allowed. Check the error in the list and tell the person another way.",
        )
    ]
