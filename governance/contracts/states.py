"""The research contract's life: an explicit table of allowed moves, each with a guard.

A guard returns the list of unmet preconditions, each a sentence naming what is
missing. A move whose guard returns anything is refused with a ``ValidationError``
carrying every sentence, so the contract manager sees all that is left to do at
once. Views, the admin and scheduled tasks all move contracts through
``transition`` (or, inside a service that has already checked its own rule,
``_apply_transition``); nothing sets ``status`` directly. Every move appends a
``ContractStatusChange`` row.

    draft ──▶ under assurance ──▶ approved ──▶ data released ──▶ retention ended
      ▲             │  ▲              │              │                │
      └─────────────┘  └──────────────┘              └──▶ destruction certified ◀─┘
    (pre-release states may be withdrawn: closed)                    │
                                                                    closed
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone

from governance.contracts.models import (
    AssuranceCheck,
    ContractAsset,
    ContractDataItem,
    ContractStatusChange,
    DestructionCertificate,
    ReidentificationAssessment,
    ResearchContract,
    RetentionExtension,
)
from governance.contracts.policy import can_manage, can_release_data_of, data_reviewer
from governance.core import approval_gates, events
from governance.core.audit import system_user
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import refuse_unless
from governance.core.plurals import date_text
from governance.core.security import verify_fresh_second_factor
from governance.register.models import DataItem

Status = ResearchContract.Status


# --- what is known about a contract -----------------------------------------------------


@dataclass
class ContractFacts:
    """Everything the guards, the Five Safes panel and the contract page read, loaded in a few queries."""

    contract: ResearchContract
    checks: list[AssuranceCheck]
    assets: list[ContractAsset]
    risk: ReidentificationAssessment | None
    certificate: DestructionCertificate | None
    pending_extension: RetentionExtension | None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def items(self) -> list[ContractDataItem]:
        return [item for asset in self.assets for item in asset.items.all()]

    @property
    def special_category_items(self) -> list[ContractDataItem]:
        return [item for item in self.items if item.sensitivity == DataItem.Sensitivity.SPECIAL_CATEGORY]

    @property
    def needs_special_category_condition(self) -> bool:
        return bool(self.special_category_items)


def load_facts(
    contract: ResearchContract,
    today: datetime.date | None = None,
    extensions: list[RetentionExtension] | None = None,
) -> ContractFacts:
    """What the contract's rules are decided on. ``extensions``, the contract's retention extensions when
    the caller has read them all (the detail page lists them), spares reading the pending one again:
    a contract has at most one pending (a unique constraint)."""
    if extensions is None:
        pending = RetentionExtension.objects.filter(contract=contract, state=RetentionExtension.State.PENDING).first()
    else:
        pending = next((e for e in extensions if e.state == RetentionExtension.State.PENDING), None)
    checks = list(
        AssuranceCheck.objects.filter(contract=contract).select_related("assessor", "evidence").order_by("pk")
    )
    order = {kind: n for n, kind in enumerate(AssuranceCheck.Kind.values)}
    checks.sort(key=lambda check: order.get(check.kind, 99))
    assets = list(
        ContractAsset.objects.filter(contract=contract)
        .select_related("asset__business_area__deputy_siro", "asset__manager", "reviewed_by")
        .prefetch_related(Prefetch("items", queryset=ContractDataItem.objects.order_by("name", "pk")))
        .order_by("asset__name", "pk")
    )
    for contract_asset in assets:
        contract_asset.contract = contract  # its reviewer is decided against this contract's manager
    return ContractFacts(
        contract=contract,
        checks=checks,
        assets=assets,
        risk=ReidentificationAssessment.objects.filter(contract=contract).select_related("assessor").first(),
        certificate=DestructionCertificate.objects.filter(contract=contract)
        .select_related("document", "recorded_by")
        .first(),
        pending_extension=pending,
        today=today or timezone.localdate(),
    )


# --- preconditions, each a sentence ------------------------------------------------------


def basis_unmet(facts: ContractFacts) -> list[str]:
    """Safe projects: a legal gateway, a lawful basis, and an Article 9 condition for special category data."""
    contract, unmet = facts.contract, []
    if contract.legal_gateway is None:
        unmet.append("Choose the legal gateway that permits sharing the data")
    elif not contract.legal_gateway.is_active:
        unmet.append(f"The legal gateway {contract.legal_gateway} is no longer in use: choose another")
    if not contract.lawful_basis:
        unmet.append("Choose the lawful basis under UK GDPR Article 6")
    if facts.needs_special_category_condition and not contract.special_category_condition:
        names = ", ".join(item.name for item in facts.special_category_items)
        unmet.append(f"Choose the UK GDPR Article 9 condition: special category data is provided ({names})")
    return unmet


def assurance_unmet(facts: ContractFacts) -> list[str]:
    """Every assurance item assessed as met (or met with conditions), with assessor, date and evidence."""
    unmet = []
    for check in facts.checks:
        name = check.get_kind_display()
        if check.outcome == AssuranceCheck.Outcome.PENDING:
            unmet.append(f"{name}: not yet assessed")
        elif check.outcome == AssuranceCheck.Outcome.NOT_MET:
            unmet.append(f"{name}: assessed as not met")
        elif not check.is_complete:
            unmet.append(f"{name}: the assessor, date or evidence document is missing")
    if len(facts.checks) < len(AssuranceCheck.Kind.values):
        unmet.append("The contract is missing some security assurance items")
    return unmet


def data_unmet(facts: ContractFacts) -> list[str]:
    """The minimum data: assets and items chosen, each with a justification, each approved by the asset's IAM."""
    if not facts.assets:
        return ["Add the data to be provided: at least one asset and its data items"]
    unmet = []
    for contract_asset in facts.assets:
        asset = contract_asset.asset
        if not contract_asset.items.all():
            unmet.append(f"{asset}: choose the data items to be provided")
            continue
        reviewer = data_reviewer(contract_asset)
        if contract_asset.review_state == ContractAsset.Review.APPROVED:
            if contract_asset.reviewed_by_id != facts.contract.manager_id:
                continue
            unmet.append(
                f"{asset}: approved by the contract's manager, who cannot also release it: a second person "
                f"({reviewer.display_name if reviewer else 'its reviewer'}) must review it"
            )
        elif asset.needs_iam:
            unmet.append(f"{asset}: has no active IAM to review it (its Deputy SIRO must nominate one)")
        elif reviewer is None:
            unmet.append(f"{asset}: nobody but the contract's manager could review it (appoint the SIRO's alternate)")
        else:
            who = (
                f"its IAM ({reviewer.display_name})"
                if reviewer.pk == asset.manager_id
                else f"{reviewer.display_name}, standing in for its IAM (who manages the contract)"
            )
            if contract_asset.review_state == ContractAsset.Review.CHANGES_NEEDED:
                unmet.append(f"{asset}: {who} asked for changes")
            else:
                unmet.append(f"{asset}: awaiting review by {who}")
    return unmet


def risk_unmet(facts: ContractFacts) -> list[str]:
    if facts.risk is None:
        return ["Record the re-identification risk assessment"]
    if facts.risk.level == ReidentificationAssessment.Level.HIGH:
        return [
            "The residual re-identification risk is assessed as high: reduce it (fewer or less identifying items, "
            "stronger mitigations) and reassess"
        ]
    return []


def _has_items(facts: ContractFacts) -> list[str]:
    if not any(asset.items.all() for asset in facts.assets):
        return ["Add at least one asset and the data items to be provided"]
    return []


def _approval(facts: ContractFacts) -> list[str]:
    # What the higher domains say stops it (a DPIA screening says is needed and is not signed).
    return basis_unmet(facts) + assurance_unmet(facts) + approval_gates.problems(facts.contract)


def release_unmet(facts: ContractFacts) -> list[str]:
    """Everything the policy asks before any data leaves the department."""
    unmet = basis_unmet(facts) + assurance_unmet(facts) + data_unmet(facts) + risk_unmet(facts)
    if facts.contract.start_date > facts.today:
        unmet.append(f"The contract starts on {date_text(facts.contract.start_date)}: no data is released before then")
    return unmet


def _certificate(facts: ContractFacts) -> list[str]:
    certificate = facts.certificate
    if certificate is None:
        return ["Record the destruction certificate: the date, who certified it and the signed file"]
    if not certificate.document.sha256:
        return ["The destruction certificate's file has no recorded digest"]
    return []


def _extension_back(facts: ContractFacts) -> list[str]:
    if facts.contract.retention_end_date < facts.today:
        return ["The retention end date has passed"]
    return []


def _nothing(facts: ContractFacts) -> list[str]:
    return []


# --- the table -------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    guard: Callable[[ContractFacts], list[str]]
    reason_required: Callable[[ResearchContract, datetime.date], bool] = lambda contract, today: False
    via: str = ""  # set when only another service makes this move (it checks its own rule)
    warning: bool = False  # shown as a warning button


def _early_end(contract: ResearchContract, today: datetime.date) -> bool:
    return contract.retention_end_date >= today


def _always(contract: ResearchContract, today: datetime.date) -> bool:
    return True


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (t.source, t.target): t
    for t in (
        Transition(Status.DRAFT, Status.UNDER_ASSURANCE, "Start assurance", _has_items),
        Transition(Status.UNDER_ASSURANCE, Status.DRAFT, "Return to draft", _nothing, _always),
        Transition(Status.UNDER_ASSURANCE, Status.APPROVED, "Approve the contract", _approval),
        Transition(Status.APPROVED, Status.UNDER_ASSURANCE, "Reopen assurance", _nothing, _always),
        Transition(Status.APPROVED, Status.DATA_RELEASED, "Record data release", release_unmet),
        Transition(
            Status.DATA_RELEASED, Status.RETENTION_ENDED, "Record that retention has ended", _nothing, _early_end
        ),
        Transition(Status.DATA_RELEASED, Status.DESTRUCTION_CERTIFIED, "", _certificate, via="certificate"),
        Transition(Status.RETENTION_ENDED, Status.DESTRUCTION_CERTIFIED, "", _certificate, via="certificate"),
        Transition(Status.RETENTION_ENDED, Status.DATA_RELEASED, "", _extension_back, via="extension"),
        Transition(Status.DESTRUCTION_CERTIFIED, Status.CLOSED, "Close the contract", _certificate),
        Transition(Status.DRAFT, Status.CLOSED, "Withdraw the contract", _nothing, _always, warning=True),
        Transition(Status.UNDER_ASSURANCE, Status.CLOSED, "Withdraw the contract", _nothing, _always, warning=True),
        Transition(Status.APPROVED, Status.CLOSED, "Withdraw the contract", _nothing, _always, warning=True),
    )
}
VIA_MESSAGES = {
    "certificate": "Record the destruction certificate to mark destruction certified.",
    "extension": "Retention restarts only when an extension is approved by the IAMs.",
}


def find_transition(contract: ResearchContract, target: str) -> Transition:
    transition = TRANSITIONS.get((contract.status, target))
    if transition is None and target == Status.CLOSED and contract.status in ResearchContract.HOLDING_DATA:
        raise ValidationError(
            "The contractor still holds the data: the contract closes only once the destruction certificate "
            "(date, who certified it and the signed file) is recorded."
        )
    if transition is None:
        target_label = Status(target).label if target in Status.values else target
        raise ValidationError(
            f"A contract that is {contract.get_status_display().lower()} cannot move to {target_label.lower()}."
        )
    return transition


def unmet_for(contract: ResearchContract, target: str, facts: ContractFacts | None = None) -> list[str]:
    """What stops ``contract`` moving to ``target`` now (empty when the move is allowed)."""
    transition = find_transition(contract, target)
    return transition.guard(facts or load_facts(contract))


def available_transitions(contract: ResearchContract) -> list[Transition]:
    """The moves a contract manager can ask for from the contract's page, forward moves first.

    Moves made only by another service (the certificate, an extension) are not offered here.
    """
    order = Status.values
    steps = [t for (source, _), t in TRANSITIONS.items() if source == contract.status and not t.via]
    return sorted(steps, key=lambda t: (t.warning, order.index(t.target) < order.index(t.source)))


# --- moving ----------------------------------------------------------------------------


def transition(
    contract: ResearchContract,
    target: str,
    *,
    by: User,
    reason: str = "",
    released_on: datetime.date | None = None,
    token: str = "",
    key_assertion: str = "",
    http_request: HttpRequest | None = None,
) -> ResearchContract:
    """Move a contract to ``target`` if its manager (or the system) asks and every precondition is met.

    ``released_on`` is the day the data was sent, when recording a release after the event (today by default).
    Releasing data to the contractor is a high-risk step: once its preconditions are met, the manager
    verifies afresh (security key, or a new authenticator code without one) before it is recorded.
    """
    contract = ResearchContract.objects.get(pk=contract.pk)  # the caller's copy may be out of date
    if not can_manage(by, contract):
        raise PermissionDenied("Only the contract's named manager can change its status.")
    step = find_transition(contract, target)
    if step.via:
        raise ValidationError(VIA_MESSAGES[step.via])
    if target == Status.DATA_RELEASED:
        facts = load_facts(contract)
        _refuse_approver(by, facts)
        unmet = step.guard(facts) + release_date_problems(contract, released_on, facts.today)
        if unmet:
            raise ValidationError(unmet)  # nothing to verify for a move that cannot happen
        verify_fresh_second_factor(by, request=http_request, token=token, key_assertion=key_assertion)
    return _transition(contract, target, by=by, reason=reason, released_on=released_on)


@transaction.atomic
def _transition(
    contract: ResearchContract, target: str, *, by: User, reason: str, released_on: datetime.date | None
) -> ResearchContract:
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    if not can_manage(by, contract):
        raise PermissionDenied("Only the contract's named manager can change its status.")
    step = find_transition(contract, target)
    if step.via:
        raise ValidationError(VIA_MESSAGES[step.via])
    if target == Status.DATA_RELEASED:
        _refuse_approver(by, load_facts(contract))
    return _apply_transition(contract, target, by=by, reason=reason, released_on=released_on)


def _refuse_approver(by: User, facts: ContractFacts) -> None:
    """Two people: whoever approved the data sent from an asset does not also record its release."""
    refuse_unless(
        all(can_release_data_of(by, contract_asset) for contract_asset in facts.assets),
        "You approved data sent under this contract: another person records its release.",
    )


def release_date_problems(
    contract: ResearchContract, released_on: datetime.date | None, today: datetime.date
) -> list[str]:
    if released_on is None:
        return []
    if released_on > today:
        return ["The date the data was sent cannot be in the future"]
    if released_on < contract.start_date:
        return [f"The date the data was sent cannot be before the contract starts ({date_text(contract.start_date)})"]
    return []


def _apply_transition(
    contract: ResearchContract,
    target: str,
    *,
    by: User,
    reason: str = "",
    released_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> ResearchContract:
    """The move itself, for this domain's services that have checked their own rule (certificate,
    extension, daily task). Internal: other domains move a contract through ``transition``.

    Runs inside the caller's transaction with the contract row locked.
    """
    contract = ResearchContract.objects.select_for_update(of=("self",)).get(pk=contract.pk)
    step = find_transition(contract, target)
    facts = load_facts(contract, today=today)
    unmet = step.guard(facts)
    reason = (reason or "").strip()
    if step.reason_required(contract, facts.today) and not reason:
        unmet.append("Give a reason for this change")
    if target == Status.DATA_RELEASED:
        unmet += release_date_problems(contract, released_on, facts.today)
    if unmet:
        raise ValidationError(unmet)
    previous = contract.status
    contract.status = target
    fields = ["status", "updated_at"]
    if target == Status.DATA_RELEASED and contract.data_released_on is None:
        contract.data_released_on = released_on or facts.today
        fields.append("data_released_on")
    contract.save(update_fields=fields)
    _record_status(contract, previous, target, by=by, reason=reason)
    _after(contract, previous, target, facts)
    events.contract_status_changed.send(sender=ResearchContract, contract=contract, previous=previous, target=target)
    return contract


def _request_review(contract_asset: ContractAsset, contract: ResearchContract) -> None:
    """Ask the asset's IAM to review what is sent from it (at most one email per asset per day)."""
    asset = contract_asset.asset
    reviewer = data_reviewer(contract_asset)
    if reviewer is None:
        return
    notify(
        reviewer,
        key=f"contract-review-requested:{contract_asset.pk}:{timezone.localdate().isoformat()}",
        subject=f"Review the data from {asset.name} for contract {contract.reference}",
        template="emails/contract_review_requested.txt",
        context={
            "contract": contract,
            "contract_asset": contract_asset,
            "asset": asset,
            "name": reviewer.first_name or reviewer.display_name,
        },
    )


def _record_status(contract: ResearchContract, previous: str, target: str, *, by: User, reason: str) -> None:
    ContractStatusChange.objects.create(contract=contract, from_status=previous, to_status=target, by=by, reason=reason)


def _after(contract: ResearchContract, previous: str, target: str, facts: ContractFacts) -> None:
    """What a move sets in motion: review requests, and the contractor told when retention ends."""
    if target == Status.UNDER_ASSURANCE and previous == Status.DRAFT:
        for contract_asset in facts.assets:
            if contract_asset.review_state != ContractAsset.Review.APPROVED:
                _request_review(contract_asset, contract)
        # Its data is known now: privacy screens it for a DPIA.
        events.needs_dpia_screening.send(sender=ResearchContract, record=contract)
    if target == Status.RETENTION_ENDED:
        context = {"contract": contract}
        manager = contract.manager
        if manager.is_active:
            notify(
                manager,
                key=f"contract-retention-ended:{contract.pk}:{contract.retention_end_date.isoformat()}:manager",
                subject=f"Retention has ended for {contract.reference}: destruction due "
                f"{date_text(contract.destruction_due_date)}",
                template="emails/contract_retention_ended.txt",
                context={**context, "name": manager.first_name or manager.display_name},
            )
        for address in contract.contact_addresses():
            notify(
                address,
                key=f"contract-retention-ended:{contract.pk}:{contract.retention_end_date.isoformat()}:{address.lower()}",
                subject=f"Contract {contract.reference}: the retention period has ended",
                template="emails/contract_retention_ended.txt",
                context={**context, "name": contact_name_for(contract, address)},
            )


def contact_name_for(contract: ResearchContract, address: str) -> str:
    if contract.security_contact_email and address.lower() == contract.security_contact_email.lower():
        return contract.security_contact_name or contract.contact_name
    return contract.contact_name


# --- scheduled --------------------------------------------------------------------------


def end_due_retention(today: datetime.date | None = None) -> int:
    """Daily, as the system: contracts whose retention end date has passed move to 'retention ended'.

    Safe to run repeatedly: a contract already moved is no longer found.
    """

    today = today or timezone.localdate()
    system = system_user()
    count = 0
    due = ResearchContract.objects.filter(status=Status.DATA_RELEASED, retention_end_date__lt=today).order_by("pk")
    for contract in due:
        with transaction.atomic():
            _apply_transition(
                contract,
                Status.RETENTION_ENDED,
                by=system,
                reason=f"The retention end date ({date_text(contract.retention_end_date)}) has passed.",
                today=today,
            )
        count += 1
    return count
