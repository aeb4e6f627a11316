"""The register's items on the home task list: asset reviews an IAM owes; for overseers, the register's exceptions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Min
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import role_facts
from governance.core.todo import DUE_SOON, OVERDUE, Facts, Task
from governance.register.models import InformationAsset
from governance.register.selectors import iam_needed, review_filter


def _plural(count: int, word: str) -> str:
    return plural(count, word)


def _assets_list(**query: str) -> str:
    return f"{reverse('assets:list')}?{urlencode(query)}"


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """One aggregate query for the IAM's reviews (none for who manages no asset), one for an overseer's exceptions."""
    counts: dict[str, Any] = {"overdue": 0, "first_overdue": None, "due_soon": 0, "first_due": None}
    if role_facts(user).managed_assets:
        counts = InformationAsset.objects.filter(manager=user).aggregate(
            overdue=Count("pk", filter=review_filter("overdue", facts.today)),
            first_overdue=Min("next_review_date", filter=review_filter("overdue", facts.today)),
            due_soon=Count("pk", filter=review_filter("due_soon", facts.today)),
            first_due=Min("next_review_date", filter=review_filter("due_soon", facts.today)),
        )
    tasks = [
        Task(
            label=f"Review {_plural(counts['overdue'], 'asset')} past its review date"
            if counts["overdue"] == 1
            else f"Review {_plural(counts['overdue'], 'asset')} past their review date",
            count=counts["overdue"],
            url=_assets_list(iam=user.username, review="overdue"),
            priority=OVERDUE,
            section="Information assets",
            due=counts["first_overdue"],
        ),
        Task(
            label=f"Review {_plural(counts['due_soon'], 'asset')} due for review",
            count=counts["due_soon"],
            url=_assets_list(iam=user.username, review="due_soon"),
            priority=DUE_SOON,
            section="Information assets",
            hint=f"Within {settings.ASSET_REVIEW_DUE_SOON_DAYS} days",
            due=counts["first_due"],
        ),
    ]
    return tasks + exceptions_for(user, facts)


def exceptions_for(user: User, facts: Facts) -> list[Task]:
    """Assets past their review date and assets without an active IAM, in the overseer's areas: one query."""
    if not facts.sees_exceptions:
        return []
    assets = InformationAsset.objects.all()
    if not facts.oversees_all:
        assets = assets.filter(business_area__in=facts.deputy_areas)
    overdue = review_filter("overdue", facts.today)
    counts = assets.aggregate(
        overdue=Count("pk", filter=overdue),
        first_overdue=Min("next_review_date", filter=overdue),
        vacant=Count("pk", filter=iam_needed()),
    )
    scope = facts.scope_query()
    return [
        Task(
            label=f"{_plural(counts['overdue'], 'asset')} past the review date",
            count=counts["overdue"],
            url=_assets_list(review="overdue", **scope),
            priority=OVERDUE,
            section="Information assets",
            due=counts["first_overdue"],
            due_label="Earliest due",
            exception=True,
        ),
        Task(
            label=f"{_plural(counts['vacant'], 'asset')} without an active IAM",
            count=counts["vacant"],
            url=_assets_list(iam_needed="yes", **scope),
            priority=OVERDUE,
            section="Information assets",
            hint="No IAM, or the IAM has left: the Deputy SIRO finds a new one",
            exception=True,
        ),
    ]
