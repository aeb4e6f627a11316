"""Releases' items on the home task list: sign-offs waiting for a signer, signed-off releases to publish."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse

from governance.core.models import User
from governance.core.plurals import plural
from governance.core.todo import DECISION, DUE_SOON, Facts, Task
from governance.releases.models import StatisticalRelease
from governance.releases.policy import is_chief_statistician, is_disclosure_officer
from governance.releases.selectors import visible_releases

S = StatisticalRelease.Status


def tasks_for(user: User, facts: Facts) -> list[Task]:
    """At most one query: signers see drafts by others, authors their own signed-off releases."""
    signer = is_chief_statistician(user) or is_disclosure_officer(user)
    to_sign = Q(status=S.DRAFT) & ~Q(author=user) if signer else Q(pk=None)
    to_publish = Q(status=S.SIGNED_OFF, author=user)
    counts = (
        visible_releases(user)
        .order_by()
        .aggregate(
            to_sign=Count("pk", filter=to_sign),
            first_to_sign=Min("planned_release_date", filter=to_sign),
            to_publish=Count("pk", filter=to_publish),
            first_to_publish=Min("planned_release_date", filter=to_publish),
        )
    )
    url = reverse("releases:list")
    tasks = [
        Task(
            label=f"{plural(counts['to_publish'], 'signed-off release')} to publish",
            count=counts["to_publish"],
            url=f"{url}?{urlencode({'mine': 'yes', 'status': S.SIGNED_OFF})}",
            priority=DUE_SOON,
            section="Statistical releases",
            due=counts["first_to_publish"],
            due_label="Planned for",
        )
    ]
    if signer:
        tasks.insert(
            0,
            Task(
                label=f"{plural(counts['to_sign'], 'release')} in preparation to sign off",
                count=counts["to_sign"],
                url=f"{url}?{urlencode({'status': S.DRAFT, 'mine': 'no'})}",
                priority=DECISION,
                section="Statistical releases",
                hint="Sign off once every table has passed disclosure control",
                due=counts["first_to_sign"],
                due_label="Planned for",
            ),
        )
    return tasks
