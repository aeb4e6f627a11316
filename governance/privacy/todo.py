"""The privacy records' items on the home task list."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.policy import is_deputy_siro, is_iam, is_person
from governance.core.selectors import overseen_areas
from governance.core.todo import DECISION, Facts, Task
from governance.privacy.models import DPIA
from governance.privacy.policy import is_dpo

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
