"""Research contracts' items on the home task list: the manager's dates, the IAM's reviews of data sent,
and for overseers the contracts holding data past their destruction date."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Min, Q
from django.urls import reverse

from governance.contracts.models import ResearchContract
from governance.contracts.selectors import (
    data_reviews_for,
    destruction_due_within,
    destruction_escalated,
    destruction_overdue,
    in_areas,
    retention_ending_within,
    visible_contracts,
)
from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, DUE_SOON, OVERDUE, Facts, Task

HORIZON_DAYS = 30  # the calendar's windows "retention_30" and "destruction_30"


def _contracts(count: int) -> str:
    return f"{plural(count, 'contract')}"


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Two queries: the contracts the person manages, by date, and the data reviews waiting for them
    (as IAM, as Deputy SIRO where the IAM manages the contract, or standing in); one more for an
    overseer's exceptions."""
    overdue = destruction_overdue(facts.today)
    destruction_soon = destruction_due_within(facts.today, HORIZON_DAYS)
    retention_soon = retention_ending_within(facts.today, HORIZON_DAYS)
    mine = Q(manager=user)
    figures = {
        "overdue": Count("pk", filter=mine & overdue),
        "first_overdue": Min("destruction_due_date", filter=mine & overdue),
        "destruction_soon": Count("pk", filter=mine & destruction_soon),
        "first_destruction": Min("destruction_due_date", filter=mine & destruction_soon),
        "retention_soon": Count("pk", filter=mine & retention_soon),
        "first_retention": Min("retention_end_date", filter=mine & retention_soon),
    }
    exceptions: dict[str, Any] | None = None
    if facts.oversees_all:
        # The SIRO and auditors see every contract: their own and the exceptions are counted in one query.
        exceptions = _exception_figures(facts.today)
        counts = visible_contracts(user).order_by().aggregate(**figures, **exceptions)
    else:
        counts = ResearchContract.objects.filter(mine).aggregate(**figures)
    reviews = len({ca.contract_id for ca in data_reviews_for(user)})
    calendar = reverse("contracts:calendar")
    return [
        Task(
            label=f"Certify destruction on {_contracts(counts['overdue'])}: overdue",
            count=counts["overdue"],
            url=f"{calendar}?{urlencode({'window': 'overdue', 'scope': 'mine'})}",
            priority=OVERDUE,
            section="Research contracts",
            hint="The destruction date has passed without a certificate",
            due=counts["first_overdue"],
        ),
        Task(
            label=f"Destruction due on {_contracts(counts['destruction_soon'])}",
            count=counts["destruction_soon"],
            url=f"{calendar}?{urlencode({'window': f'destruction_{HORIZON_DAYS}', 'scope': 'mine'})}",
            priority=DUE_SOON,
            section="Research contracts",
            hint=f"Within {HORIZON_DAYS} days",
            due=counts["first_destruction"],
        ),
        Task(
            label=f"Retention ends on {_contracts(counts['retention_soon'])}",
            count=counts["retention_soon"],
            url=f"{calendar}?{urlencode({'window': f'retention_{HORIZON_DAYS}', 'scope': 'mine'})}",
            priority=DUE_SOON,
            section="Research contracts",
            hint=f"Within {HORIZON_DAYS} days",
            due=counts["first_retention"],
        ),
        Task(
            label=f"Review the data to be sent on {_contracts(reviews)}",
            count=reviews,
            url=f"{reverse('contracts:list')}?{urlencode({'attention': 'my_review'})}",
            priority=DECISION,
            section="Research contracts",
            hint="As the IAM of an asset the contractor would receive",
        ),
        *exceptions_for(user, facts, counts if exceptions else None),
    ]


def _exception_figures(today: datetime.date) -> dict[str, Any]:
    """The exceptions' figures, named apart from the person's own so that one aggregate may hold both."""
    overdue, escalated = destruction_overdue(today), destruction_escalated(today)
    return {
        "all_overdue": Count("pk", filter=overdue),
        "all_escalated": Count("pk", filter=escalated),
        "all_first": Min("destruction_due_date", filter=overdue),
    }


def exceptions_for(user: User, facts: Facts, counted: dict[str, Any] | None = None) -> list[Task]:
    """Contracts holding data past the destruction date, and past the escalation: one query, none when
    ``tasks_for`` has ``counted`` them with the person's own contracts."""
    if not facts.sees_exceptions:
        return []
    if counted is None:
        contracts = visible_contracts(user)
        if not facts.oversees_all:
            contracts = contracts.filter(in_areas(facts.deputy_areas))
        counted = contracts.order_by().aggregate(**_exception_figures(facts.today))
    counts = {"overdue": counted["all_overdue"], "escalated": counted["all_escalated"], "first": counted["all_first"]}
    listed = reverse("contracts:list")
    scope = facts.scope_query()
    return [
        Task(
            label=f"{_contracts(counts['overdue'])} holding data past the destruction date",
            count=counts["overdue"],
            url=f"{listed}?{urlencode({'attention': 'destruction_overdue', **scope})}",
            priority=OVERDUE,
            section="Research contracts",
            due=counts["first"],
            due_label="Earliest due",
            exception=True,
        ),
        Task(
            label=f"{_contracts(counts['escalated'])} past the escalation",
            count=counts["escalated"],
            url=f"{listed}?{urlencode({'attention': 'destruction_escalated', **scope})}",
            priority=OVERDUE,
            section="Research contracts",
            hint=f"Destruction {settings.CONTRACT_ESCALATION_DAYS} days or more overdue",
            due=counts["first"],
            due_label="Earliest due",
            exception=True,
        ),
    ]
