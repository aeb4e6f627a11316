"""Research contracts' items on the home task list: the manager's dates and the IAM's reviews of data sent."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from governance.contracts.models import ResearchContract
from governance.contracts.selectors import data_reviews_for
from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, DUE_SOON, OVERDUE, Facts, Task

C = ResearchContract.Status
HORIZON_DAYS = 30


def _contracts(count: int) -> str:
    return f"{plural(count, 'contract')}"


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """Two queries: the contracts the person manages, by date, and the data reviews waiting for them
    (as IAM, as Deputy SIRO where the IAM manages the contract, or standing in)."""
    horizon = facts.today + datetime.timedelta(days=HORIZON_DAYS)
    holding = Q(status__in=ResearchContract.HOLDING_DATA)
    counts = ResearchContract.objects.filter(manager=user).aggregate(
        overdue=Count("pk", filter=holding & Q(destruction_due_date__lt=facts.today)),
        destruction_soon=Count(
            "pk", filter=holding & Q(destruction_due_date__gte=facts.today, destruction_due_date__lte=horizon)
        ),
        retention_soon=Count(
            "pk",
            filter=Q(status=C.DATA_RELEASED, retention_end_date__gte=facts.today, retention_end_date__lte=horizon),
        ),
    )
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
        ),
        Task(
            label=f"Destruction due on {_contracts(counts['destruction_soon'])}",
            count=counts["destruction_soon"],
            url=f"{calendar}?{urlencode({'window': str(HORIZON_DAYS), 'scope': 'mine'})}",
            priority=DUE_SOON,
            section="Research contracts",
            hint=f"Within {HORIZON_DAYS} days",
        ),
        Task(
            label=f"Retention ends on {_contracts(counts['retention_soon'])}",
            count=counts["retention_soon"],
            url=f"{calendar}?{urlencode({'window': str(HORIZON_DAYS), 'scope': 'mine'})}",
            priority=DUE_SOON,
            section="Research contracts",
            hint=f"Within {HORIZON_DAYS} days",
        ),
        Task(
            label=f"Review the data to be sent on {_contracts(reviews)}",
            count=reviews,
            url=f"{reverse('contracts:list')}?{urlencode({'attention': 'my_review'})}",
            priority=DECISION,
            section="Research contracts",
            hint="As the IAM of an asset the contractor would receive",
        ),
    ]
