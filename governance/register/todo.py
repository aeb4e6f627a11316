"""The register's items on the home task list: asset reviews an IAM owes, assets a Deputy SIRO must find an IAM for."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, DUE_SOON, OVERDUE, Facts, Task
from governance.register.models import InformationAsset


def _plural(count: int, word: str) -> str:
    return plural(count, word)


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """One aggregate query for the IAM's reviews, one for the Deputy SIRO's vacant posts."""
    soon = facts.today + datetime.timedelta(days=settings.ASSET_REVIEW_DUE_SOON_DAYS)
    counts = InformationAsset.objects.filter(manager=user).aggregate(
        overdue=Count("pk", filter=Q(next_review_date__lt=facts.today)),
        due_soon=Count("pk", filter=Q(next_review_date__gte=facts.today, next_review_date__lte=soon)),
    )
    register = reverse("assets:list")
    tasks = [
        Task(
            label=f"Review {_plural(counts['overdue'], 'asset')} past its review date"
            if counts["overdue"] == 1
            else f"Review {_plural(counts['overdue'], 'asset')} past their review date",
            count=counts["overdue"],
            url=f"{register}?{urlencode({'iam': user.username, 'review': 'overdue'})}",
            priority=OVERDUE,
            section="Information assets",
        ),
        Task(
            label=f"Review {_plural(counts['due_soon'], 'asset')} due for review",
            count=counts["due_soon"],
            url=f"{register}?{urlencode({'iam': user.username, 'review': 'due_soon'})}",
            priority=DUE_SOON,
            section="Information assets",
            hint=f"Within {settings.ASSET_REVIEW_DUE_SOON_DAYS} days",
        ),
    ]
    if facts.deputy_areas:
        vacant = (
            InformationAsset.objects.filter(business_area__in=facts.deputy_areas)
            .filter(Q(manager__isnull=True) | Q(manager__is_active=False))
            .count()
        )
        tasks.append(
            Task(
                label=f"Find an IAM for {_plural(vacant, 'asset')} in your area",
                count=vacant,
                url=reverse("assets:accountability"),
                priority=DECISION,
                section="Information assets",
                hint="No IAM, or the IAM has left",
            )
        )
    return tasks
