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

import copy
from itertools import chain

from django.db.models import Q

from governance.contracts.models import (
    ContractAsset,
    ContractDocument,
    ExternalOrganisation,
    ResearchContract,
    RetentionExtension,
)
from governance.core.models import User
from governance.core.permissions import has_object_perm
from governance.core.policy import has_model_perm, has_oversight, in_group, is_administrator, is_siro, stands_in
from governance.core.roles import CONTRACT_MANAGERS, INCIDENT_HANDLERS
from governance.core.selectors import overseen_areas
from governance.core.two_person import is_person, second_person, stand_ins

VIEW_PERM = "view_researchcontract"
CHANGE_PERM = "change_researchcontract"
MANAGER_PERMS = (VIEW_PERM, CHANGE_PERM)


def _system(user) -> bool:
    return getattr(user, "is_system", False)


def is_contract_manager(user: User) -> bool:
    """A member of the research contract managers group (who may record contracts and be named on one)."""
    return user.is_authenticated and user.is_active and not _system(user) and in_group(user, CONTRACT_MANAGERS)


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
    if ContractAsset.objects.filter(
        Q(asset__manager=user) | Q(asset__business_area__in=overseen_areas(user)), contract=contract
    ).exists():
        return True
    return reviews_as_stand_in(user, contract)


def reviews_as_stand_in(user: User, contract: ResearchContract) -> bool:
    """The SIRO's alternate (or the SIRO), standing in to approve data the contract is to be sent."""
    if not stands_in(user) or contract.status not in ResearchContract.PRE_RELEASE:
        return False
    pending = ContractAsset.objects.filter(contract=contract, review_state=ContractAsset.Review.PENDING)
    return any(is_person(user, data_reviewer(ca)) for ca in pending.select_related("contract", "asset__manager"))


def data_reviewer(contract_asset: ContractAsset) -> User | None:
    """Who approves the data sent from an asset, a second person beside the contract's manager (who
    chooses the data and records its release): the asset's IAM; the Deputy SIRO of its area when the
    IAM is the manager; then the SIRO, then the SIRO's named alternate. None while the asset has no
    active IAM (its Deputy SIRO nominates one first)."""
    asset = contract_asset.asset
    iam = asset.manager
    if iam is None or not iam.is_active:
        return None
    return second_person(
        chain([iam, asset.business_area.deputy_siro], stand_ins()), excluding={contract_asset.contract.manager_id}
    )


def can_review(user: User, contract_asset: ContractAsset) -> bool:
    """The data's reviewer (``data_reviewer``): never the contract's manager."""
    return (
        user.is_authenticated
        and user.is_active
        and user.pk != contract_asset.contract.manager_id
        and is_person(user, data_reviewer(contract_asset))
    )


def can_release_data_of(user: User, contract_asset: ContractAsset) -> bool:
    """Whoever records the release of the data approved from an asset did not approve it."""
    return can_manage(user, contract_asset.contract) and (_system(user) or user.pk != contract_asset.reviewed_by_id)


def contract_asset_as_approved_by(contract_asset: ContractAsset, user: User) -> ContractAsset:
    """The asset's data as it is once ``user`` approved it (not saved)."""
    approved = copy.copy(contract_asset)
    approved.review_state, approved.reviewed_by = ContractAsset.Review.APPROVED, user
    return approved


def can_download(user: User, contract: ResearchContract) -> bool:
    """Evidence and certificates are for everyone who may read the contract."""
    return can_view(user, contract)


def can_edit(user: User, contract: ResearchContract) -> bool:
    """The named manager changes the record until the contract is closed."""
    return can_manage(user, contract) and contract.status != ResearchContract.Status.CLOSED


def can_download_document(user: User, document: ContractDocument) -> bool:
    return can_download(user, document.contract)


# --- retention extensions ----------------------------------------------------------------


def can_view_extension(user: User, extension: RetentionExtension) -> bool:
    return can_view(user, extension.contract)


def can_decide_extension(user: User, extension: RetentionExtension) -> bool:
    """The IAM of any asset provided under the contract decides its retention extensions."""
    return (
        user.is_authenticated
        and user.is_active
        and ContractAsset.objects.filter(contract=extension.contract_id, asset__manager=user).exists()
    )


def can_act_on_extension(user: User, extension: RetentionExtension) -> bool:
    """Who may send the extension page's forms: its deciders, and the manager (to withdraw it)."""
    return can_manage(user, extension.contract) or can_decide_extension(user, extension)


# --- the retention calendar --------------------------------------------------------------


def can_view_calendar(user: User) -> bool:
    """Everyone opens the calendar; it lists only the contracts they may read."""
    return user.is_authenticated and user.is_active


def can_manage_feed(user: User) -> bool:
    """Personal calendar feeds are for research contract managers, of their own contracts."""
    return is_contract_manager(user)


# --- contractors -------------------------------------------------------------------------


def can_view_organisations(user: User, organisation: ExternalOrganisation | None = None) -> bool:
    return has_model_perm(user, "governance.view_externalorganisation") or has_oversight(user)


def can_add_organisation(user: User) -> bool:
    return has_model_perm(user, "governance.add_externalorganisation")


def can_change_organisation(user: User, organisation: ExternalOrganisation | None = None) -> bool:
    return has_model_perm(user, "governance.change_externalorganisation")


def can_record_review(user: User, contract: ResearchContract) -> bool:
    """The contract's manager answers a flag for review with its outcome, which clears the flag."""
    return contract.review_flagged_at is not None and not _system(user) and can_manage(user, contract)


def can_flag_for_review(user: User, contract: ResearchContract) -> bool:
    """Who may flag a contract for its manager to review: those who can read it (auditors aside, who only
    read), the SIRO, and the incident handlers, who act on incidents touching any contract."""
    if not user.is_authenticated or not user.is_active or _system(user):
        return False
    if is_siro(user) or in_group(user, INCIDENT_HANDLERS) or is_administrator(user):
        return True
    return can_view(user, contract) and not has_oversight(user)
