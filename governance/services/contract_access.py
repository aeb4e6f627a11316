"""Who may see and do what with research contracts. Views and services ask these; nothing else decides.

- The named contract manager holds ``view`` and ``change_researchcontract`` on
  their contract (guardian object permissions, moved by ``reassign_manager``).
- Members of the "Research contract managers" group record new contracts.
- The IAM of any asset provided under a contract, and the Deputy SIRO of any
  of those assets' business areas, read the contract: computed by a join
  through the data-provided rows, never by a check per row.
- The SIRO, auditors and administrators read every contract.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance.models import (
    ContractAsset,
    ResearchContract,
    ResearchContractGroupObjectPermission,
    ResearchContractUserObjectPermission,
    User,
)
from governance.roles import ADMINISTRATORS, CONTRACT_MANAGERS, in_group
from governance.services.permissions import has_object_perm
from governance.services.visibility import has_oversight

VIEW_PERM = "view_researchcontract"
CHANGE_PERM = "change_researchcontract"
MANAGER_PERMS = (VIEW_PERM, CHANGE_PERM)


def _system(user) -> bool:
    return getattr(user, "is_system", False)


def is_contract_manager(user: User) -> bool:
    """A member of the research contract managers group (who may record contracts and be named on one)."""
    return user.is_authenticated and user.is_active and not _system(user) and in_group(user, CONTRACT_MANAGERS)


def is_administrator(user: User) -> bool:
    return user.is_authenticated and user.is_active and in_group(user, ADMINISTRATORS)


def can_create(user: User) -> bool:
    return _system(user) or is_contract_manager(user)


def can_manage(user: User, contract: ResearchContract) -> bool:
    """The contract's named manager (object permission); the system account for scheduled work."""
    return _system(user) or has_object_perm(user, CHANGE_PERM, contract)


def can_reassign_manager(user: User, contract: ResearchContract) -> bool:
    """The current manager hands over; an administrator reassigns when the manager is away or has left."""
    return can_manage(user, contract) or is_administrator(user)


def is_iam_of(user: User, contract: ResearchContract) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and ContractAsset.objects.filter(contract=contract, asset__manager=user).exists()
    )


def can_view(user: User, contract: ResearchContract) -> bool:
    if _system(user):
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    if has_oversight(user) or has_object_perm(user, VIEW_PERM, contract):
        return True
    return ContractAsset.objects.filter(
        Q(asset__manager=user) | Q(asset__business_area__deputy_siro=user), contract=contract
    ).exists()


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
    by_deputy = ContractAsset.objects.filter(asset__business_area__deputy_siro=user).values("contract")
    return queryset.filter(Q(pk__in=by_user) | Q(pk__in=by_group) | Q(pk__in=by_iam) | Q(pk__in=by_deputy))


def can_review(user: User, contract_asset: ContractAsset) -> bool:
    """Only the asset's own IAM reviews the data sent from it."""
    return user.is_authenticated and user.is_active and contract_asset.asset.manager_id == user.pk


def can_download(user: User, contract: ResearchContract) -> bool:
    """Evidence and certificates are for everyone who may read the contract."""
    return can_view(user, contract)
