"""The privacy records' items on the home task list. Each count is the number of rows its link opens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import is_deputy_siro, is_iam, is_person
from governance.core.selectors import overseen_areas
from governance.core.todo import DECISION, OVERDUE, Facts, Task
from governance.privacy.models import DPIA
from governance.privacy.policy import can_create_agreement, is_dpo
from governance.privacy.selectors import (
    activity_review_due,
    agreement_review_due,
    review_due,
    visible_activities,
    visible_agreements,
)

# --- the record of processing and the sharing agreements ---------------------------------


def ropa_tasks_for(user: User, facts: Facts) -> list[Task]:
    """Processing activities and sharing agreements due for review: the ones a person owns or manages,
    and for the Data Protection Officer every one. At most two queries, none for people with neither."""
    if not is_person(user):
        return []
    today = facts.today
    dpo = is_dpo(user)
    # Only IAMs own activities and only those who draft agreements manage them: nobody else is asked.
    nothing: dict[str, Any] = {"mine": 0, "first_mine": None, "all": 0, "first_all": None}
    due = activity_review_due(today)
    activities = nothing
    if dpo or is_iam(user):
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
    agreements = nothing
    if dpo or can_create_agreement(user):
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


# --- DPIAs -----------------------------------------------------------------------------------------


def dpia_tasks_for(user: User, facts: Facts) -> list[Task]:
    """Screenings to answer, DPIAs to advise on (the DPO) and to sign: one query, for those who take a step."""
    if not is_person(user):
        return []
    dpo = is_dpo(user)
    if not (dpo or is_iam(user) or is_deputy_siro(user)):
        return []
    S = DPIA.State
    areas = overseen_areas(user)
    mine = Q(iam=user) | Q(business_area__in=areas)
    to_sign = Q(state=S.AWAITING_SIGN_OFF) & (
        Q(iam=user, iam_signed_by__isnull=True)
        | (Q(business_area__in=areas, deputy_signed_by__isnull=True) & ~Q(iam_signed_by=user))
    )
    counts = DPIA.objects.order_by().aggregate(
        screen=Count("pk", filter=mine & Q(state=S.SCREENING)),
        advise=Count("pk", filter=Q(state=S.AWAITING_ADVICE)),
        sign=Count("pk", filter=to_sign),
        review=Count("pk", filter=review_due(timezone.localdate()) & (Q() if dpo else mine)),
    )
    listed = reverse("privacy:dpia-list")
    tasks = [
        Task(
            label=f"Answer the screening of {plural(counts['screen'], 'DPIA')}",
            count=counts["screen"],
            url=f"{listed}?{urlencode({'status': 'screening'})}",
            priority=DECISION,
            section="Data protection",
        ),
        Task(
            label=f"Sign off {plural(counts['sign'], 'DPIA')}",
            count=counts["sign"],
            url=f"{listed}?{urlencode({'status': 'sign'})}",
            priority=DECISION,
            section="Data protection",
        ),
    ]
    tasks.append(
        Task(
            label=f"Review {plural(counts['review'], 'signed DPIA')}",
            count=counts["review"],
            url=f"{listed}?{urlencode({'status': 'review'})}",
            priority=DECISION,
            section="Data protection",
        )
    )
    if dpo:
        tasks.append(
            Task(
                label=f"Advise on {plural(counts['advise'], 'DPIA')}",
                count=counts["advise"],
                url=f"{listed}?{urlencode({'status': 'advice'})}",
                priority=DECISION,
                section="Data protection",
            )
        )
    return tasks
