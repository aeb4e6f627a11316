"""The register's visibility rules as querysets, each written once.

``policy.py`` answers the same questions for one record from the same role facts; the
tests in ``tests/core/test_one_rule.py`` compare the two person by person for every role.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from governance.core.models import User
from governance.core.policy import has_oversight, is_member
from governance.core.selectors import overseen_areas
from governance.register.models import DataItem, InformationAsset


def visible_people(viewer) -> QuerySet[User]:
    """The people ``viewer`` may see: themselves, their line reports, the people of the areas they
    oversee as Deputy SIRO (the permission held directly or through a group), or everyone with
    organisation-wide oversight. Never the system account. The person page and the people API use it."""
    people = User.objects.filter(is_system=False)
    if not is_member(viewer):
        return people.none()
    if has_oversight(viewer):
        return people
    return people.filter(Q(pk=viewer.pk) | Q(line_manager=viewer) | Q(business_area__in=overseen_areas(viewer)))


# Named filters of the register, shared by its list page and the home page's counts.


def review_filter(status: str, today: datetime.date | None = None) -> Q:
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=settings.ASSET_REVIEW_DUE_SOON_DAYS)
    return {
        "overdue": Q(next_review_date__lt=today),
        "due_soon": Q(next_review_date__gte=today, next_review_date__lte=soon),
        "current": Q(next_review_date__gt=soon),
    }[status]


def iam_needed(prefix: str = "") -> Q:
    """Assets with no IAM or an IAM who has left.

    The people who have left are a small subquery; joining every asset to all the
    staff to test a flag read the whole staff table each time.
    """
    leavers = User.objects.filter(is_active=False).values("pk")
    return Q(**{f"{prefix}manager__isnull": True}) | Q(**{f"{prefix}manager_id__in": leavers})


def visible_assets(viewer) -> QuerySet[InformationAsset]:
    """The assets ``viewer`` may see: the whole register for every member (``policy.can_view_assets``).

    Written as a queryset so that search and any other list ask the same question the register's
    pages do, rather than assuming the answer."""
    if not is_member(viewer):
        return InformationAsset.objects.none()
    return InformationAsset.objects.all()


def visible_data_items(viewer) -> QuerySet[DataItem]:
    """The data items ``viewer`` may see: those of the assets they may see (an asset's page lists its items)."""
    if not is_member(viewer):
        return DataItem.objects.none()
    return DataItem.objects.all()
