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
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from governance.core.models import BusinessArea, User
from governance.core.notifications import undeliverable
from governance.core.plurals import plural
from governance.core.policy import has_oversight, in_group, is_administrator, is_siro
from governance.core.roles import AUDITORS
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
    due: datetime.date | datetime.datetime | None = None
    due_label: str = "Due"
    exception: bool = False

    @property
    def status(self) -> str:
        return PRIORITY_TAGS[self.priority][0]

    @property
    def tag(self) -> str:
        return PRIORITY_TAGS[self.priority][1]

    @property
    def date_text(self) -> str:
        """The item's date in GOV.UK style ("Due 4 March 2027", "Was due 2 December 2026 at 3:15pm"), or ""."""
        if self.due is None:
            return ""
        label = "Was due" if self.due_label == "Due" and self.priority == OVERDUE else self.due_label
        if isinstance(self.due, datetime.datetime):
            moment = timezone.localtime(self.due)
            time = date_format(moment, "g:i").replace(":00", "") + date_format(moment, "A").lower()
            return f"{label} {date_format(moment, 'j F Y')} at {time}"
        return f"{label} {date_format(self.due, 'j F Y')}"


@dataclass
class Facts:
    """What every provider may need about the person, read once."""

    user: User
    today: datetime.date
    is_siro: bool
    has_oversight: bool
    is_auditor: bool = False
    deputy_areas: list[BusinessArea] = field(default_factory=list)
    # What a provider read that the page shows as well (the home page's own training panel), by name:
    # read once per page, not once for the task list and again for the panel.
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def is_deputy_siro(self) -> bool:
        return bool(self.deputy_areas)

    @property
    def sees_exceptions(self) -> bool:
        """The SIRO, auditors (the whole organisation) and Deputy SIROs (their areas) see the exceptions."""
        return self.oversees_all or self.is_deputy_siro

    @property
    def oversees_all(self) -> bool:
        return self.is_siro or self.is_auditor

    def scope_query(self) -> dict[str, str]:
        """The query-string filter that limits an exception's list to the areas it counts: none for the
        whole organisation, ``areas=overseen`` for a Deputy SIRO."""
        return {} if self.oversees_all else {"areas": "overseen"}


def facts_for(user: User, on: datetime.date | None = None) -> Facts:
    """The shared facts: offices and groups (cached on the user) and the areas they are Deputy SIRO of."""
    return Facts(
        user=user,
        today=on or timezone.localdate(),
        is_siro=is_siro(user),
        has_oversight=has_oversight(user),
        is_auditor=in_group(user, AUDITORS),
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
