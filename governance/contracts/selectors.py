"""The contracts domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from governance.contracts.models import (
    ContractAsset,
    ResearchContract,
    ResearchContractGroupObjectPermission,
    ResearchContractUserObjectPermission,
)
from governance.contracts.policy import (
    VIEW_PERM,
    can_review,
    data_reviewer,
)
from governance.core.models import User
from governance.core.policy import has_oversight, stands_in
from governance.core.selectors import overseen_areas
from governance.core.two_person import is_person


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
    wanted = Q(pk__in=by_user) | Q(pk__in=by_group) | Q(pk__in=by_iam) | Q(pk__in=by_deputy)
    if stands_in(user):  # data whose approval falls to them (``policy.reviews_as_stand_in``)
        standing_in = _pending_reviews().filter(_stand_in_data()).select_related("contract", "asset__manager")
        wanted |= Q(pk__in=sorted({ca.contract_id for ca in standing_in if is_person(user, data_reviewer(ca))}))
    return queryset.filter(wanted)


def _pending_reviews() -> QuerySet[ContractAsset]:
    return ContractAsset.objects.filter(
        review_state=ContractAsset.Review.PENDING, contract__status__in=ResearchContract.PRE_RELEASE
    )


def _stand_in_data() -> Q:
    """Data whose IAM manages the contract and whose area's Deputy SIRO may not approve it either."""
    deputy = "asset__business_area__deputy_siro"
    return Q(asset__manager=F("contract__manager")) & (
        Q(**{f"{deputy}__isnull": True}) | Q(**{f"{deputy}__is_active": False}) | Q(**{deputy: F("contract__manager")})
    )


def data_reviews_for(user: User) -> list[ContractAsset]:
    """Data to be sent on contracts that waits for ``user`` to approve (``policy.can_review``): as the
    asset's IAM, as its area's Deputy SIRO when the IAM manages the contract, or standing in."""
    wanted = Q(asset__manager=user) | (
        Q(asset__business_area__deputy_siro=user) & Q(asset__manager=F("contract__manager"))
    )
    if stands_in(user):
        wanted |= _stand_in_data()
    candidates = (
        _pending_reviews()
        .filter(wanted)
        .select_related("contract", "asset__manager", "asset__business_area__deputy_siro")
    )
    return [ca for ca in candidates if can_review(user, ca)]
