"""The contracts domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from governance.contracts.models import (
    ContractAsset,
    ResearchContract,
    ResearchContractGroupObjectPermission,
    ResearchContractUserObjectPermission,
)
from governance.contracts.policy import (
    VIEW_PERM,
)
from governance.core.models import User
from governance.core.policy import has_oversight
from governance.core.selectors import overseen_areas


def visible_contracts(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The contracts ``user`` may read, as one query: oversight sees all, others by joins."""
    queryset = ResearchContract.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if has_oversight(user):
        return queryset
    # Uncorrelated subqueries: each is computed once (a hashed set) instead of once per contract.
    by_user = ResearchContractUserObjectPermission.objects.filter(user=user, permission__codename=VIEW_PERM).values(
        "content_object"
    )
    by_group = ResearchContractGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=VIEW_PERM
    ).values("content_object")
    # Two subqueries rather than one with OR across the join, so each uses its index.
    by_iam = ContractAsset.objects.filter(asset__manager=user).values("contract")
    by_deputy = ContractAsset.objects.filter(asset__business_area__in=overseen_areas(user)).values("contract")
    return queryset.filter(Q(pk__in=by_user) | Q(pk__in=by_group) | Q(pk__in=by_iam) | Q(pk__in=by_deputy))


# Named filters, shared by the lists (the contracts list, the retention calendar) and the home page's counts.


def destruction_overdue(today: datetime.date) -> Q:
    """Data still held after its destruction date."""
    return Q(status__in=ResearchContract.HOLDING_DATA, destruction_due_date__lt=today)


def destruction_escalated(today: datetime.date) -> Q:
    """Destruction overdue by ``CONTRACT_ESCALATION_DAYS`` or more: the Deputy SIRO and the SIRO have been told."""
    limit = today - datetime.timedelta(days=settings.CONTRACT_ESCALATION_DAYS)
    return Q(status__in=ResearchContract.HOLDING_DATA, destruction_due_date__lte=limit)


def destruction_due_within(today: datetime.date, days: int) -> Q:
    """Data held whose destruction falls due between today and ``days`` from now."""
    horizon = today + datetime.timedelta(days=days)
    return Q(
        status__in=ResearchContract.HOLDING_DATA, destruction_due_date__gte=today, destruction_due_date__lte=horizon
    )


def retention_ending_within(today: datetime.date, days: int) -> Q:
    """Released data whose retention ends between today and ``days`` from now."""
    horizon = today + datetime.timedelta(days=days)
    return Q(
        status=ResearchContract.Status.DATA_RELEASED, retention_end_date__gte=today, retention_end_date__lte=horizon
    )


def in_areas(areas) -> Exists:
    """Contracts providing data from an asset of one of ``areas`` (a queryset or list of business areas)."""
    return Exists(ContractAsset.objects.filter(contract=OuterRef("pk"), asset__business_area__in=areas))
