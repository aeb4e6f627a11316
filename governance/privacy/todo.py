"""The privacy records' items on the home task list. Each count is the number of rows its link opens."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import is_person
from governance.core.todo import DECISION, OVERDUE, Facts, Task
from governance.privacy.policy import is_dpo
from governance.privacy.selectors import (
    activity_review_due,
    agreement_review_due,
    visible_activities,
    visible_agreements,
)

# --- ropa: the record of processing and the sharing agreements ------------------------------


def ropa_tasks_for(user: User, facts: Facts) -> list[Task]:
    """Processing activities and sharing agreements due for review: the ones a person owns or manages,
    and for the Data Protection Officer every one. Two queries."""
    if not is_person(user):
        return []
    today = facts.today
    dpo = is_dpo(user)
    due = activity_review_due(today)
    activities = (
        visible_activities(user)
        .order_by()
        .aggregate(
            mine=Count("pk", filter=due & Q(owner=user)),
            first_mine=Min("next_review_date", filter=due & Q(owner=user)),
            all=Count("pk", filter=due),
            first_all=Min("next_review_date", filter=due),
        )
    )
    agreement_due = agreement_review_due(today)
    agreements = (
        visible_agreements(user)
        .order_by()
        .aggregate(
            mine=Count("pk", filter=agreement_due & Q(manager=user)),
            first_mine=Min("review_date", filter=agreement_due & Q(manager=user)),
            all=Count("pk", filter=agreement_due),
            first_all=Min("review_date", filter=agreement_due),
        )
    )
    activity_list, agreement_list = reverse("privacy:activity-list"), reverse("privacy:agreement-list")
    tasks = [
        Task(
            label=f"Review {plural(activities['mine'], 'processing activity', 'processing activities')} you own",
            count=activities["mine"],
            url=f"{activity_list}?{urlencode({'status': 'review_due', 'owner': user.pk})}",
            priority=OVERDUE,
            section="Data protection",
            due=activities["first_mine"],
        ),
        Task(
            label=f"Review {plural(agreements['mine'], 'sharing agreement')} you manage",
            count=agreements["mine"],
            url=f"{agreement_list}?{urlencode({'status': 'review_due', 'mine': '1'})}",
            priority=OVERDUE,
            section="Data protection",
            due=agreements["first_mine"],
        ),
    ]
    if dpo:
        tasks += [
            Task(
                label=f"{plural(activities['all'], 'processing activity', 'processing activities')} due for review",
                count=activities["all"],
                url=f"{activity_list}?status=review_due",
                priority=DECISION,
                section="Data protection",
                due=activities["first_all"],
            ),
            Task(
                label=f"{plural(agreements['all'], 'sharing agreement')} due for review",
                count=agreements["all"],
                url=f"{agreement_list}?status=review_due",
                priority=DECISION,
                section="Data protection",
                due=agreements["first_all"],
            ),
        ]
    return tasks


# --- end of ropa -----------------------------------------------------------------------------
