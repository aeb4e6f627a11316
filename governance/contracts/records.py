"""Research contracts: recording them, their assurance, the data provided, and the evidence of destruction.

Every function checks the caller (``contract_access``), validates, writes in
one transaction and leaves the audit trail to record it. Status moves live in
``contract_states``; retention extensions in ``contract_extensions``;
reminders in ``contract_reminders``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from governance.contracts import policy
from governance.contracts.extensions import withdraw_pending_for_destruction
from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractDataItem,
    ContractDocument,
    DestructionCertificate,
    ExternalOrganisation,
    LegalGateway,
    ReidentificationAssessment,
    ResearchContract,
    ResearchContractUserObjectPermission,
    RetentionDateChange,
)
from governance.contracts.policy import (
    MANAGER_PERMS,
    can_create,
    can_flag_for_review,
    can_manage,
    can_reassign_manager,
    can_record_review,
    can_review,
    is_contract_manager,
)
from governance.contracts.states import _apply_transition, _record_status, _request_review
from governance.core import events, uploads
from governance.core.audit_hashing import reason as audit_reason
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import forget_permissions, is_system, refuse_unless
from governance.core.plurals import date_text
from governance.core.policy import has_left
from governance.register.models import DataItem, InformationAsset

Status = ResearchContract.Status

CONTACT_FIELDS = (
    "contact_name",
    "contact_role",
    "contact_email",
    "contact_phone",
    "security_contact_name",
    "security_contact_email",
)
CONTRACT_FIELDS = (
    "reference",
    "title",
    "purpose",
    "organisation",
    *CONTACT_FIELDS,
    "legal_gateway",
    "lawful_basis",
    "special_category_condition",
    "start_date",
    "end_date",
    "retention_end_date",
    "destruction_due_date",
)
DATE_FIELDS = ("retention_end_date", "destruction_due_date")
# Once data is released the terms are fixed: contacts and the end date may still change;
# retention and destruction dates move only through an approved extension.
EDITABLE_AFTER_RELEASE = (*CONTACT_FIELDS, "end_date")
ORGANISATION_FIELDS = ("name", "kind", "registration_number", "address", "website", "notes")


MANAGER_ONLY = "Only the contract's named manager can change it."


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d%H%M%S%f")


def _lock(contract: ResearchContract) -> ResearchContract:
    return ResearchContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)


def _pre_release_problem(contract: ResearchContract, what: str) -> str:
    if contract.is_pre_release:
        return ""
    return f"{what} cannot change once data has been released (the contract is {contract.get_status_display()})."


def _require_pre_release(contract: ResearchContract, what: str) -> None:
    problem = _pre_release_problem(contract, what)
    if problem:
        raise ValidationError(problem)


def assessment_date_errors(assessed_on: datetime.date | None) -> dict[str, str]:
    """An assessment is recorded once it has been made: its date is today or in the past."""
    if assessed_on is None or assessed_on > timezone.localdate():
        return {"assessed_on": "The date of the assessment must be today or in the past"}
    return {}


def _check_manager(manager: User | None, field: str = "manager") -> None:
    if manager is None or not is_contract_manager(manager):
        raise ValidationError({field: f"{manager or 'Nobody'} is not an active research contract manager."})


def _check_gateway(gateway: LegalGateway | None, previous: LegalGateway | None = None) -> None:
    if gateway is not None and not gateway.is_active and gateway != previous:
        raise ValidationError({"legal_gateway": f"The legal gateway {gateway} is no longer in use: choose another."})


def _record_dates(contract: ResearchContract, *, by: User, reason: str, extension=None) -> RetentionDateChange:
    return RetentionDateChange.objects.create(
        contract=contract,
        retention_end_date=contract.retention_end_date,
        destruction_due_date=contract.destruction_due_date,
        changed_by=by,
        reason=reason,
        extension=extension,
    )


# --- organisations -----------------------------------------------------------------


@transaction.atomic
def create_organisation(*, by: User, **fields) -> ExternalOrganisation:
    refuse_unless(
        is_system(by) or policy.can_add_organisation(by),
        "Only research contract managers and administrators record organisations.",
    )
    organisation = ExternalOrganisation(**{name: fields.get(name, "") for name in ORGANISATION_FIELDS})
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def update_organisation(organisation: ExternalOrganisation, *, by: User, **fields) -> ExternalOrganisation:
    refuse_unless(
        is_system(by) or policy.can_change_organisation(by, organisation),
        "Only research contract managers and administrators change organisations.",
    )
    organisation = ExternalOrganisation.objects.select_for_update().get(pk=organisation.pk)
    changed = [name for name in ORGANISATION_FIELDS if name in fields and getattr(organisation, name) != fields[name]]
    for name in changed:
        setattr(organisation, name, fields[name])
    if changed:
        organisation.full_clean()
        organisation.save(update_fields=changed)
    return organisation


# --- contracts ---------------------------------------------------------------------


@transaction.atomic
def create_contract(*, by: User, manager: User, **fields) -> ResearchContract:
    """Record a contract in draft, with its four assurance checks, and give its manager the contract's rights."""

    refuse_unless(can_create(by), "Only research contract managers can record research contracts.")
    _check_manager(manager)
    _check_gateway(fields.get("legal_gateway"))
    contract = ResearchContract(manager=manager, status=Status.DRAFT, **fields)
    contract.full_clean()
    contract.save()
    for kind in AssuranceCheck.Kind.values:
        AssuranceCheck.objects.create(contract=contract, kind=kind)
    for perm in MANAGER_PERMS:
        assign_perm(perm, manager, contract)
    forget_permissions(manager, by)
    _record_status(contract, "", Status.DRAFT, by=by, reason="Contract recorded.")
    _record_dates(contract, by=by, reason="Dates set when the contract was recorded.")
    if manager != by:
        _tell_new_manager(contract, manager, previous=None, by=by)
    return contract


@transaction.atomic
def update_contract(contract: ResearchContract, *, by: User, **fields) -> ResearchContract:
    """Change a contract's details. Terms are fixed once data is released; nothing changes once closed."""
    contract = _lock(contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    if contract.status == Status.CLOSED:
        raise ValidationError("A closed contract cannot be changed.")
    changed = [name for name in CONTRACT_FIELDS if name in fields and getattr(contract, name) != fields[name]]
    if not contract.is_pre_release:
        locked = [name for name in changed if name not in EDITABLE_AFTER_RELEASE]
        if locked:
            errors = {
                name: "This cannot change once data has been released"
                + (": request a retention extension instead" if name in DATE_FIELDS else "")
                for name in locked
            }
            raise ValidationError(errors)
    if "legal_gateway" in changed:
        _check_gateway(fields["legal_gateway"], previous=contract.legal_gateway)
    for name in changed:
        setattr(contract, name, fields[name])
    if changed:
        contract.full_clean()
        contract.save(update_fields=[*changed, "updated_at"])
        if any(name in DATE_FIELDS for name in changed):
            _record_dates(contract, by=by, reason="Changed before data was released.")
    return contract


@transaction.atomic
def reassign_manager(contract: ResearchContract, new_manager: User, *, by: User) -> ResearchContract:
    """Name another contract manager: the contract's rights move in the same transaction; both are told."""
    contract = ResearchContract.objects.select_for_update(of=("self",)).select_related("manager").get(pk=contract.pk)
    refuse_unless(
        can_reassign_manager(by, contract),
        "Only the contract's manager or an administrator can name another contract manager.",
    )
    if contract.status == Status.CLOSED:
        raise ValidationError("A closed contract keeps the manager it closed with.")
    _check_manager(new_manager)
    previous = contract.manager
    if previous == new_manager:
        return contract
    for row in ResearchContractUserObjectPermission.objects.filter(content_object=contract, user=previous):
        row.delete()
    contract.manager = new_manager
    contract.save(update_fields=["manager", "updated_at"])
    for perm in MANAGER_PERMS:
        assign_perm(perm, new_manager, contract)
    forget_permissions(previous, new_manager, by)
    _tell_new_manager(contract, new_manager, previous=previous, by=by)
    return contract


def _tell_new_manager(contract: ResearchContract, manager: User, *, previous: User | None, by: User) -> None:
    stamp = _stamp()
    context = {"contract": contract, "previous": previous, "new_manager": manager, "by": by}
    notify(
        manager,
        key=f"contract-manager-assigned:{contract.pk}:{manager.pk}:{stamp}",
        subject=f"You are now the contract manager for {contract.reference}",
        template="emails/contract_manager_assigned.txt",
        context={**context, "name": manager.first_name or manager.display_name},
    )
    if previous is not None and previous.is_active:
        notify(
            previous,
            key=f"contract-manager-removed:{contract.pk}:{previous.pk}:{stamp}",
            subject=f"You are no longer the contract manager for {contract.reference}",
            template="emails/contract_manager_removed.txt",
            context={**context, "name": previous.first_name or previous.display_name},
        )


def release_contracts_of(user: User) -> int:
    """A leaver keeps no rights: their contracts' permission rows go (the contracts then need a new manager).

    Called inside ``people.mark_leaver``'s transaction. Returns how many rows were removed.
    """
    refuse_unless(has_left(user), f"{user.display_name} has not left: their contracts stay theirs.")
    count = 0
    for row in ResearchContractUserObjectPermission.objects.filter(user=user):
        row.delete()
        count += 1
    return count


# --- security assurance ------------------------------------------------------------


ASSURANCE_CLOSED = (
    "Assurance is recorded while the contract is in draft or under assurance. Reopen assurance first to change it."
)


def assurance_errors(contract: ResearchContract, assessed_on: datetime.date | None) -> dict[str, str]:
    """The rules of recording an assurance item that rest on the contract and the date, not the form alone.

    Checked when the item is written and, through the assurance form, with its own fields.
    """
    if contract.status not in (Status.DRAFT, Status.UNDER_ASSURANCE):
        return {"__all__": ASSURANCE_CLOSED}
    return assessment_date_errors(assessed_on)


@transaction.atomic
def record_assurance(
    check: AssuranceCheck,
    *,
    by: User,
    outcome: str,
    assessor: User,
    assessed_on: datetime.date,
    notes: str = "",
    evidence=None,
) -> AssuranceCheck:
    """Record one assurance item's outcome, assessor, date and evidence document (kept if none is uploaded)."""
    contract = _lock(check.contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    if contract.status not in (Status.DRAFT, Status.UNDER_ASSURANCE):
        raise ValidationError(ASSURANCE_CLOSED)
    check = AssuranceCheck.objects.select_for_update().get(pk=check.pk, contract=contract)
    errors = {}
    if outcome not in AssuranceCheck.Outcome.values or outcome == AssuranceCheck.Outcome.PENDING:
        errors["outcome"] = "Select the outcome of the assessment"
    if assessor is None or not assessor.is_active:
        errors["assessor"] = "Enter the username or staff number of the assessor"
    errors.update(assessment_date_errors(assessed_on))
    if outcome == AssuranceCheck.Outcome.MET_WITH_CONDITIONS and not notes.strip():
        errors["notes"] = "Enter the conditions the contractor must meet"
    if outcome in AssuranceCheck.PASSING and evidence is None and check.evidence_id is None:
        errors["evidence"] = "Upload the evidence for this assessment"
    if errors:
        raise ValidationError(errors)
    document = _store_document(contract, evidence, ContractDocument.Kind.ASSURANCE_EVIDENCE, by) if evidence else None
    try:
        check.outcome, check.assessor, check.assessed_on, check.notes = outcome, assessor, assessed_on, notes.strip()
        if document is not None:
            check.evidence = document
        check.full_clean()
        check.save()
    except Exception:
        if document is not None:
            uploads.discard(document.file.name)
        raise
    return check


def _store_document(contract: ResearchContract, upload, kind: str, by: User) -> ContractDocument:
    """Store an upload privately and record it. A refused file raises ``ValidationError`` and stores nothing."""
    try:
        stored = uploads.store_upload(upload, folder=f"contracts/{contract.pk}")
    except ValidationError as exc:
        field = "evidence" if kind == ContractDocument.Kind.ASSURANCE_EVIDENCE else "certificate"
        raise ValidationError({field: exc.messages}) from exc
    try:
        return ContractDocument.objects.create(
            contract=contract,
            kind=kind,
            file=stored.name,
            original_name=stored.original_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            uploaded_by=by,
        )
    except Exception:
        uploads.discard(stored.name)
        raise


# --- data provided and the IAMs' reviews ----------------------------------------------


@transaction.atomic
def add_asset(contract: ResearchContract, asset: InformationAsset, *, by: User) -> ContractAsset:
    contract = _lock(contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    _require_pre_release(contract, "The data provided")
    if ContractAsset.objects.filter(contract=contract, asset=asset).exists():
        raise ValidationError({"asset": f"{asset} is already listed on this contract"})
    return ContractAsset.objects.create(contract=contract, asset=asset)


@transaction.atomic
def set_items(contract_asset: ContractAsset, *, by: User, chosen: dict[int, str]) -> ContractAsset:
    """Make the items sent from one asset exactly ``chosen`` ({data item pk: justification}).

    Any change sends the asset back to its IAM for review: an approval covers
    the items the IAM saw, no more.
    """
    contract = _lock(contract_asset.contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    _require_pre_release(contract, "The data provided")
    contract_asset = ContractAsset.objects.select_for_update().select_related("asset").get(pk=contract_asset.pk)
    asset_items = {item.pk: item for item in DataItem.objects.filter(asset=contract_asset.asset_id)}
    errors = {}
    for pk, justification in chosen.items():
        if pk not in asset_items:
            raise ValidationError(f"Data item {pk} does not belong to {contract_asset.asset}.")
        if not (justification or "").strip():
            errors[f"justification_{pk}"] = f"Explain why {asset_items[pk].name} is needed"
    if not chosen:
        errors["__all__"] = "Select at least one data item, or remove the asset from the contract"
    if errors:
        raise ValidationError(errors)
    existing = {row.data_item_id: row for row in contract_asset.items.all()}
    changed = False
    for data_item_pk, kept in existing.items():
        if data_item_pk not in chosen:
            kept.delete()
            changed = True
    for pk, justification in chosen.items():
        item, justification = asset_items[pk], justification.strip()
        row = existing.get(pk)
        if row is None:
            ContractDataItem.objects.create(
                contract_asset=contract_asset,
                data_item=item,
                name=item.name,
                sensitivity=item.sensitivity,
                justification=justification,
            )
            changed = True
        elif row.justification != justification:
            row.justification = justification
            row.save(update_fields=["justification"])
            changed = True
    if changed and contract_asset.review_state != ContractAsset.Review.PENDING:
        contract_asset.review_state = ContractAsset.Review.PENDING
        contract_asset.reviewed_by, contract_asset.reviewed_at = None, None
        contract_asset.save(update_fields=["review_state", "reviewed_by", "reviewed_at"])
    if changed and contract.status != Status.DRAFT:
        _request_review(contract_asset, contract)
        # Data added once it is under assurance is screened for a DPIA too (once per contract).
        events.needs_dpia_screening.send(sender=ResearchContract, record=contract)
    return contract_asset


@transaction.atomic
def remove_asset(contract_asset: ContractAsset, *, by: User) -> None:
    contract = _lock(contract_asset.contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    _require_pre_release(contract, "The data provided")
    for row in contract_asset.items.all():
        row.delete()
    contract_asset.delete()


@transaction.atomic
def review_asset(contract_asset: ContractAsset, *, by: User, approved: bool, notes: str = "") -> ContractAsset:
    """The asset's IAM approves the items and justifications, or says what must change."""
    contract = _lock(contract_asset.contract)
    contract_asset = ContractAsset.objects.select_for_update().select_related("asset").get(pk=contract_asset.pk)
    refuse_unless(
        can_review(by, contract_asset),
        f"Only the Information Asset Manager of {contract_asset.asset} can review the data sent from it.",
    )
    _require_pre_release(contract, "The review of the data provided")
    if not contract_asset.items.exists():
        raise ValidationError("The contract manager has not chosen any data items from this asset yet.")
    if not approved and not notes.strip():
        raise ValidationError({"notes": "Say what must change before you can approve"})
    contract_asset.review_state = ContractAsset.Review.APPROVED if approved else ContractAsset.Review.CHANGES_NEEDED
    contract_asset.reviewed_by, contract_asset.reviewed_at = by, timezone.now()
    contract_asset.review_notes = notes.strip()
    contract_asset.save(update_fields=["review_state", "reviewed_by", "reviewed_at", "review_notes"])
    manager = contract.manager
    if manager.is_active:
        notify(
            manager,
            key=f"contract-review-decided:{contract_asset.pk}:{_stamp()}",
            subject=f"{contract_asset.asset.name}: {contract_asset.review_phrase} for {contract.reference}",
            template="emails/contract_review_decided.txt",
            context={
                "contract": contract,
                "contract_asset": contract_asset,
                "name": manager.first_name or manager.display_name,
            },
        )
    return contract_asset


# --- re-identification risk ------------------------------------------------------------


RISK_ASSESSMENT = "The re-identification risk assessment"


def risk_assessment_errors(contract: ResearchContract, assessed_on: datetime.date | None) -> dict[str, str]:
    """The rules of the risk assessment that rest on the contract and the date; checked with the form too."""
    problem = _pre_release_problem(contract, RISK_ASSESSMENT)
    return {"__all__": problem} if problem else assessment_date_errors(assessed_on)


@transaction.atomic
def record_risk_assessment(
    contract: ResearchContract, *, by: User, level: str, mitigations: str, assessor: User, assessed_on: datetime.date
) -> ReidentificationAssessment:
    contract = _lock(contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    _require_pre_release(contract, RISK_ASSESSMENT)
    errors = {}
    if level not in ReidentificationAssessment.Level.values:
        errors["level"] = "Select the residual risk of re-identification"
    if not (mitigations or "").strip():
        errors["mitigations"] = "Describe how the risk of re-identification is reduced"
    if assessor is None or not assessor.is_active:
        errors["assessor"] = "Enter the username or staff number of the assessor"
    errors.update(assessment_date_errors(assessed_on))
    if errors:
        raise ValidationError(errors)
    assessment = ReidentificationAssessment.objects.filter(contract=contract).first() or ReidentificationAssessment(
        contract=contract
    )
    assessment.level, assessment.mitigations = level, mitigations.strip()
    assessment.assessor, assessment.assessed_on = assessor, assessed_on
    assessment.full_clean()
    assessment.save()
    return assessment


# --- destruction ------------------------------------------------------------------


def destruction_date_errors(contract: ResearchContract, destroyed_on: datetime.date | None) -> dict[str, str]:
    """The date rules of a destruction certificate, also checked with the form's own fields."""
    today = timezone.localdate()
    if destroyed_on is None or destroyed_on > today:
        return {"destroyed_on": "The date of destruction must be today or in the past"}
    if contract.data_released_on and destroyed_on < contract.data_released_on:
        return {
            "destroyed_on": (
                "The date of destruction cannot be before the data was released "
                f"({date_text(contract.data_released_on)})"
            )
        }
    return {}


@transaction.atomic
def record_destruction(
    contract: ResearchContract,
    *,
    by: User,
    destroyed_on: datetime.date,
    certified_by: str,
    certificate,
    notes: str = "",
) -> DestructionCertificate:
    """Record the contractor's destruction certificate (the file is kept with its digest) and mark it certified."""

    contract = _lock(contract)
    refuse_unless(can_manage(by, contract), MANAGER_ONLY)
    if not contract.holds_data:
        raise ValidationError(
            f"A destruction certificate is recorded after data is released and before the contract closes "
            f"(this contract is {contract.get_status_display().lower()})."
        )
    if DestructionCertificate.objects.filter(contract=contract).exists():
        raise ValidationError("A destruction certificate is already recorded for this contract.")
    errors = destruction_date_errors(contract, destroyed_on)
    if not (certified_by or "").strip():
        errors["certified_by"] = "Enter the name and role of the person who certified the destruction"
    if certificate is None:
        errors["certificate"] = "Upload the signed destruction certificate"
    if errors:
        raise ValidationError(errors)
    document = _store_document(contract, certificate, ContractDocument.Kind.DESTRUCTION_CERTIFICATE, by)
    try:
        record = DestructionCertificate.objects.create(
            contract=contract,
            destroyed_on=destroyed_on,
            certified_by=certified_by.strip(),
            document=document,
            notes=(notes or "").strip(),
            recorded_by=by,
        )
        withdraw_pending_for_destruction(contract, by=by)
        _apply_transition(
            contract,
            Status.DESTRUCTION_CERTIFIED,
            by=by,
            reason=f"Destruction on {date_text(destroyed_on)} certified by {record.certified_by}.",
        )
    except Exception:
        uploads.discard(document.file.name)
        raise
    return record


@transaction.atomic
def record_review(contract: ResearchContract, *, by: User, outcome: str) -> ResearchContract:
    """The manager's answer to a flag for review: its outcome goes into the audit trail and the flag is cleared.

    The flag's reason and the outcome stay readable in the contract's change history; whoever
    raised the flag may raise it again if the answer does not settle it.
    """
    contract = _lock(contract)
    refuse_unless(
        can_record_review(by, contract), "Only the contract's manager can record the review of a flagged contract."
    )
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": "Give the outcome of the review"})
    flagged = f"{date_text(contract.review_flagged_at)}"
    contract.review_flagged_at, contract.review_flag_reason = None, ""
    with audit_reason(f"Review of the flag raised on {flagged}: {outcome}"):
        contract.save(update_fields=["review_flagged_at", "review_flag_reason", "updated_at"])
    return contract


@records_reason
@transaction.atomic
def flag_for_review(contract: ResearchContract, *, by: User, reason: str) -> ResearchContract:
    """Mark the contract as needing its manager's review and tell the manager why.

    Raised by incidents that touch the contract: the flag (time and reason) stays on the
    contract for everyone who reads it; a second flag replaces the reason and tells again.
    """
    contract = _lock(contract)
    refuse_unless(can_flag_for_review(by, contract), "You cannot flag this contract for review.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason the contract needs review"})
    contract.review_flagged_at, contract.review_flag_reason = timezone.now(), reason[:2000]
    contract.save(update_fields=["review_flagged_at", "review_flag_reason", "updated_at"])
    if contract.manager.is_active:
        notify(
            contract.manager,
            key=f"contract-flagged:{contract.pk}:{_stamp()}",
            subject=f"{contract.reference} has been flagged for review",
            template="emails/contract_flagged.txt",
            context={"contract": contract, "reason": reason},
        )
    return contract
