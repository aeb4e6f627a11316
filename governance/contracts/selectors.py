"""The contracts domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet

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
from governance.core.compiled import CompiledQuery
from governance.core.models import User
from governance.core.policy import has_oversight, role_facts, stands_in
from governance.core.selectors import overseen_areas
from governance.core.two_person import is_person
from governance.register.models import InformationAsset


def _ids_by_right(areas: tuple[int, ...], *, user_pk: int) -> QuerySet:
    """The ids of the contracts the person ``user_pk`` sees by a right of their own: given to them or to a
    group of theirs, or as IAM of an asset or Deputy SIRO of one of ``areas`` that the contract draws on.

    Uncorrelated subqueries: each is computed once (a hashed set) instead of once per contract. One set
    of ids (a union) rather than four conditions joined by OR: PostgreSQL estimates a union by its parts
    (a contract manager's 49 contracts), where the OR of four sets was guessed at most of the table, so
    a search matched every contract before keeping the few the person may see."""
    by_user = ResearchContractUserObjectPermission.objects.filter(
        user_id=user_pk, permission__codename=VIEW_PERM
    ).values("content_object")
    by_group = ResearchContractGroupObjectPermission.objects.filter(
        group__user=user_pk, permission__codename=VIEW_PERM
    ).values("content_object")
    # Two subqueries rather than one with OR across the join, so each uses its index.
    parts: list[QuerySet] = [by_group, ContractAsset.objects.filter(asset__manager_id=user_pk).values("contract")]
    if areas:
        # The areas written in (as parameters, one each), so that PostgreSQL estimates their contracts by them.
        parts.append(ContractAsset.objects.filter(asset__business_area_id__in=areas).values("contract"))
    return by_user.order_by().union(*(ids.order_by() for ids in parts))


# Built and compiled once per set of areas: building the union cost more than a millisecond on every
# list of contracts and every search, for a statement that differs by the person alone.
_IDS_BY_RIGHT = CompiledQuery(_ids_by_right, user_pk=int)


def visible_contracts(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The contracts ``user`` may read, as one query: oversight sees all, others by joins."""
    queryset = ResearchContract.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if has_oversight(user):
        return queryset
    facts = role_facts(user)
    # A superuser oversees every area (``overseen_areas``); anyone else the areas their role facts list.
    areas = overseen_areas(user).values_list("pk", flat=True) if facts.superuser else facts.overseen_areas
    wanted = Q(pk__in=_IDS_BY_RIGHT.subquery(tuple(sorted(areas)), using=queryset.db, user_pk=user.pk))
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
    asset's IAM, as its area's Deputy SIRO when the IAM manages the contract, or standing in.

    None for someone who manages no asset, is no area's Deputy SIRO and stands in for nobody (from the
    role facts, without a query)."""
    facts = role_facts(user)
    if not (facts.managed_assets or facts.deputy_areas or stands_in(user)):
        return []
    wanted = Q(asset__manager=user) | (
        Q(asset__business_area__deputy_siro=user) & Q(asset__manager=F("contract__manager"))
    )
    pending = _pending_reviews()
    if stands_in(user):
        wanted |= _stand_in_data()
    else:
        # The assets they manage or whose area they oversee narrow the pending data first (through the
        # asset indexes): the conditions OR-ed across the joins alone made PostgreSQL hash every pending review.
        overseen = InformationAsset.objects.filter(Q(manager=user) | Q(business_area__in=sorted(facts.deputy_areas)))
        pending = pending.filter(asset__in=overseen)
    candidates = pending.filter(wanted).select_related(
        "contract", "asset__manager", "asset__business_area__deputy_siro"
    )
    return [ca for ca in candidates if can_review(user, ca)]


# Named filters, shared by the lists (the contracts list, the retention calendar) and the home page's counts.


def destruction_overdue(today: datetime.date, contract: str = "") -> Q:
    """Data still held after its destruction date (``contract``: the path to the contract, "" on contracts)."""
    return Q(**{f"{contract}status__in": ResearchContract.HOLDING_DATA, f"{contract}destruction_due_date__lt": today})


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
