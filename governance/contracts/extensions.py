"""Retention extensions: the contract manager asks, the IAMs of every asset provided decide.

An extension is approved only when every current IAM of the contract's assets
has approved it; any one rejection rejects it. On approval the contract's
retention end and destruction due dates move (and the move is added to the
contract's history of dates); a contract whose retention had ended holds data
again until the new date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.contracts.models import (
    ContractAsset,
    ExtensionDecision,
    ResearchContract,
    RetentionDateChange,
    RetentionExtension,
)
from governance.contracts.policy import can_decide_extension, can_manage
from governance.contracts.states import _apply_transition
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.plurals import date_text
from governance.register.models import InformationAsset

Status = ResearchContract.Status
State = RetentionExtension.State


@dataclass
class Deciders:
    """Who must decide: the distinct active IAMs, and assets that have none (so nobody can decide for them)."""

    iams: list[User]
    assets_without_iam: list[InformationAsset]

    @property
    def complete(self) -> bool:
        return bool(self.iams) and not self.assets_without_iam


def deciders_for(contract: ResearchContract) -> Deciders:
    iams: dict[int, User] = {}
    missing = []
    rows = ContractAsset.objects.filter(contract=contract).select_related("asset__manager").order_by("asset__name")
    for row in rows:
        asset = row.asset
        if asset.needs_iam:
            missing.append(asset)
        elif asset.manager is not None:  # always, when the asset does not need an IAM
            iams.setdefault(asset.manager.pk, asset.manager)
    return Deciders(iams=list(iams.values()), assets_without_iam=missing)


def extension_errors(
    contract: ResearchContract,
    new_retention_end_date: datetime.date | None,
    new_destruction_due_date: datetime.date | None,
) -> dict[str, str]:
    """The rules an extension request must meet: the contract's state, and new dates later than the current ones.

    Checked when the request is written and, through the request form, with its own
    fields, so a manager who also left the reason blank is told everything at once.
    A state that forbids asking comes back alone, under ``__all__``.
    """
    if not contract.holds_data:
        return {
            "__all__": "Extensions are requested while the contractor holds the data. "
            "Before release, change the dates directly."
        }
    if RetentionExtension.objects.filter(contract=contract, state=State.PENDING).exists():
        return {"__all__": "An extension is already awaiting decisions. Withdraw it first to ask for another."}
    errors = {}
    today = timezone.localdate()
    if new_retention_end_date is None or new_retention_end_date <= contract.retention_end_date:
        errors["new_retention_end_date"] = (
            f"The new retention end date must be after the current one ({date_text(contract.retention_end_date)})"
        )
    elif new_retention_end_date < today:
        errors["new_retention_end_date"] = "The new retention end date must be today or in the future"
    if new_destruction_due_date is None or (
        new_retention_end_date and new_destruction_due_date < new_retention_end_date
    ):
        errors["new_destruction_due_date"] = "The new destruction due date must be on or after the new retention end"
    return errors


@transaction.atomic
def request_extension(
    contract: ResearchContract,
    *,
    by: User,
    new_retention_end_date: datetime.date,
    new_destruction_due_date: datetime.date,
    reason: str,
) -> RetentionExtension:
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if not can_manage(by, contract):
        raise PermissionDenied("Only the contract's named manager can request a retention extension.")
    errors = extension_errors(contract, new_retention_end_date, new_destruction_due_date)
    if "__all__" in errors:
        raise ValidationError(errors["__all__"])
    if not (reason or "").strip():
        errors["reason"] = "Explain why the contractor needs the data for longer"
    if errors:
        raise ValidationError(errors)
    extension = RetentionExtension.objects.create(
        contract=contract,
        current_retention_end_date=contract.retention_end_date,
        current_destruction_due_date=contract.destruction_due_date,
        new_retention_end_date=new_retention_end_date,
        new_destruction_due_date=new_destruction_due_date,
        reason=reason.strip(),
        requested_by=by,
    )
    for iam in deciders_for(contract).iams:
        notify(
            iam,
            key=f"contract-extension-requested:{extension.pk}:{iam.pk}",
            subject=f"Decide: retention extension for contract {contract.reference}",
            template="emails/contract_extension_requested.txt",
            context={"contract": contract, "extension": extension, "name": iam.first_name or iam.display_name},
        )
    return extension


@transaction.atomic
def decide_extension(
    extension: RetentionExtension, *, by: User, approved: bool, comment: str = ""
) -> RetentionExtension:
    """Record one IAM's decision; then approve (all approved) or reject (any rejected) the request."""
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=extension.contract_id)
    extension = RetentionExtension.objects.select_for_update().get(pk=extension.pk)
    if not can_decide_extension(by, extension):
        raise PermissionDenied("Only the Information Asset Managers of the contract's assets decide extensions.")
    if extension.state != State.PENDING:
        raise ValidationError(f"This request has already been {extension.get_state_display().lower()}.")
    if not contract.holds_data:
        raise ValidationError("The contractor no longer holds the data: there is nothing to extend.")
    if ExtensionDecision.objects.filter(extension=extension, decided_by=by).exists():
        raise ValidationError("You have already decided this request.")
    if not approved and not (comment or "").strip():
        raise ValidationError({"comment": "Explain why you reject the extension"})
    ExtensionDecision.objects.create(extension=extension, decided_by=by, approved=approved, comment=comment.strip())
    if not approved:
        _close(extension, State.REJECTED, contract)
        return extension
    deciders = deciders_for(contract)
    approvals = set(
        ExtensionDecision.objects.filter(extension=extension, approved=True).values_list("decided_by", flat=True)
    )
    if deciders.complete and all(iam.pk in approvals for iam in deciders.iams):
        _apply(extension, contract, by=by)
    return extension


def _apply(extension: RetentionExtension, contract: ResearchContract, *, by: User) -> None:

    _close(extension, State.APPROVED, contract, notify_manager=False)
    contract.retention_end_date = extension.new_retention_end_date
    contract.destruction_due_date = extension.new_destruction_due_date
    contract.full_clean()
    contract.save(update_fields=["retention_end_date", "destruction_due_date", "updated_at"])
    RetentionDateChange.objects.create(
        contract=contract,
        retention_end_date=contract.retention_end_date,
        destruction_due_date=contract.destruction_due_date,
        changed_by=by,
        reason=f"Extension approved by the IAMs: {extension.reason}"[:300],
        extension=extension,
    )
    if contract.status == Status.RETENTION_ENDED and contract.retention_end_date >= timezone.localdate():
        _apply_transition(
            contract,
            Status.DATA_RELEASED,
            by=by,
            reason=f"Retention extended to {date_text(contract.retention_end_date)}.",
        )
    _tell_manager(extension, contract)


def _close(
    extension: RetentionExtension, state: str, contract: ResearchContract, *, notify_manager: bool = True
) -> None:
    extension.state = state
    extension.decided_at = timezone.now()
    extension.save(update_fields=["state", "decided_at"])
    if notify_manager:
        _tell_manager(extension, contract)


def _tell_manager(extension: RetentionExtension, contract: ResearchContract) -> None:
    manager = contract.manager
    if not manager.is_active or extension.state == State.WITHDRAWN:
        return
    notify(
        manager,
        key=f"contract-extension-decided:{extension.pk}",
        subject=f"Retention extension {extension.get_state_display().lower()} for {contract.reference}",
        template="emails/contract_extension_decided.txt",
        context={"contract": contract, "extension": extension, "name": manager.first_name or manager.display_name},
    )


@transaction.atomic
def withdraw_extension(extension: RetentionExtension, *, by: User) -> RetentionExtension:
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=extension.contract_id)
    if not can_manage(by, contract):
        raise PermissionDenied("Only the contract's named manager can withdraw its extension request.")
    extension = RetentionExtension.objects.select_for_update().get(pk=extension.pk)
    if extension.state != State.PENDING:
        raise ValidationError(f"This request has already been {extension.get_state_display().lower()}.")
    _close(extension, State.WITHDRAWN, contract)
    return extension


def withdraw_pending_for_destruction(contract: ResearchContract, *, by: User) -> None:
    """Called when destruction is certified: a pending request to keep the data is moot."""
    for extension in RetentionExtension.objects.select_for_update().filter(contract=contract, state=State.PENDING):
        _close(extension, State.WITHDRAWN, contract)
