"""The privacy records' visibility rules as querysets: what a person may list, each rule written once.

The pages, exports and the home page's counts list through these; ``policy.py`` answers for one
record from the same facts.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from governance.core.models import User
from governance.core.policy import is_person
from governance.core.selectors import overseen_areas
from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement
from governance.privacy.policy import sees_every_dpia, sees_every_privacy_record

# --- the record of processing activities and the sharing agreements -----------------------


def visible_activities(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The processing activities ``user`` may list, as one query whatever the number of rows."""
    queryset = ProcessingActivity.objects.all() if queryset is None else queryset
    if not is_person(user):
        return queryset.none()
    if sees_every_privacy_record(user):
        return queryset
    on_my_assets = ProcessingActivity.assets.through.objects.filter(
        processingactivity=OuterRef("pk"), informationasset__manager=user
    )
    return queryset.filter(Q(owner=user) | Q(business_area__in=overseen_areas(user)) | Exists(on_my_assets))


def visible_agreements(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The sharing agreements ``user`` may list."""
    queryset = SharingAgreement.objects.all() if queryset is None else queryset
    if not is_person(user):
        return queryset.none()
    if sees_every_privacy_record(user):
        return queryset
    return queryset.filter(Q(manager=user) | Q(business_area__in=overseen_areas(user)))


def activity_review_due(today: datetime.date, within_days: int = 0) -> Q:
    """Activities whose yearly review falls on or before ``today`` plus ``within_days``."""
    return Q(next_review_date__lte=today + datetime.timedelta(days=within_days))


def agreement_review_due(today: datetime.date, within_days: int = 0) -> Q:
    """Agreements in force or drafted whose review falls on or before ``today`` plus ``within_days``."""
    return ~Q(status=SharingAgreement.Status.ENDED) & Q(review_date__lte=today + datetime.timedelta(days=within_days))


def agreements_past_review(today: datetime.date) -> Q:
    """Agreements in force whose review date has passed (the SIRO's report counts them)."""
    return Q(status=SharingAgreement.Status.ACTIVE, review_date__lt=today)


# --- DPIAs ---------------------------------------------------------------------------------------


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


def review_due(today: datetime.date) -> Q:
    """Signed DPIAs whose review date has come: the home page's count and the list's filter."""
    return Q(state=DPIA.State.SIGNED, review_date__lte=today)
