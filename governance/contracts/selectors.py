"""The contracts domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
