"""The privacy records a person may list, each rule written once as a queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance.core.models import User
from governance.core.policy import is_person
from governance.core.selectors import overseen_areas
from governance.privacy.models import DPIA
from governance.privacy.policy import sees_every_dpia

# --- DPIAs -----------------------------------------------------------------------------------------


def visible_dpias(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The DPIAs ``user`` may list (``policy.can_see_dpia`` for one), one query whatever the number of rows."""
    queryset = DPIA.objects.all() if queryset is None else queryset
    if not is_person(user):
        return queryset.none()
    if sees_every_dpia(user):
        return queryset
    return queryset.filter(Q(iam=user) | Q(author=user) | Q(business_area__in=overseen_areas(user)))


def outstanding_dpias() -> Q:
    """Screened as needed (or still being screened) and not yet signed."""
    return Q(
        state__in=[
            DPIA.State.SCREENING,
            DPIA.State.NEEDED,
            DPIA.State.IN_ASSESSMENT,
            DPIA.State.AWAITING_ADVICE,
            DPIA.State.AWAITING_SIGN_OFF,
        ]
    )
