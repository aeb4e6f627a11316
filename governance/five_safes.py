"""The Five Safes, computed from live records (never typed in): for access requests and
grants, and for research contracts.

Safe people, projects, settings, data and outputs: the Office for National
Statistics' framework for safe access to confidential data. Each line says
whether the portal's records show it met, and which records it rests on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format

from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem
from governance.contracts.models import AssuranceCheck, ReidentificationAssessment, ResearchContract
from governance.contracts.states import ContractFacts, basis_unmet, data_unmet, risk_unmet
from governance.core.plurals import date_text, plural
from governance.register.models import DataItem, InformationAsset
from governance.releases.models import ReleaseSource, StatisticalRelease
from governance.training.courses import personal_data_clearance, training_for

MET, NOT_MET, PENDING, NOT_APPLICABLE = "met", "not_met", "pending", "not_applicable"
STATUS_LABELS = {MET: "Met", NOT_MET: "Not met", PENDING: "Pending", NOT_APPLICABLE: "Not applicable"}


@dataclass
class SafeLine:
    name: str
    question: str
    status: str
    evidence: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)  # the controls behind the safe that are overdue

    def __post_init__(self) -> None:
        # A safe is never met while a control behind it is overdue, whatever the rest of its evidence says.
        if self.overdue and self.status in (MET, PENDING):
            self.status = NOT_MET

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _day(value: datetime.date) -> str:
    return date_format(value, "j F Y")


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


def review_overdue(asset: InformationAsset, today: datetime.date) -> list[str]:
    """The asset's register review, if its date has passed."""
    due = asset.next_review_date
    if due is None or due >= today:
        return []
    return [f"Register review of {asset.name} overdue: due {_day(due)}, {_days((today - due).days)} ago"]


def destruction_overdue(contract: ResearchContract, today: datetime.date) -> list[str]:
    """The contract's destruction, if the data is still held after the date."""
    if not contract.destruction_overdue(today):
        return []
    late = (today - contract.destruction_due_date).days
    return [f"Destruction overdue: due {_day(contract.destruction_due_date)}, {_days(late)} ago, with no certificate"]


def _checks(facts: ContractFacts, kinds: tuple[str, ...]) -> list[AssuranceCheck]:
    return [check for check in facts.checks if check.kind in kinds]


def _check_lines(checks: list[AssuranceCheck]) -> list[str]:
    lines = []
    for check in checks:
        line = f"{check.get_kind_display()}: {check.get_outcome_display().lower()}"
        if check.assessor is not None and check.assessed_on:
            line += f" ({check.assessor.display_name}, {date_text(check.assessed_on)})"
        lines.append(line)
    return lines


def safe_people(facts: ContractFacts) -> SafeLine:
    checks = _checks(
        facts, (AssuranceCheck.Kind.DATA_HANDLING, AssuranceCheck.Kind.STANDARDS, AssuranceCheck.Kind.SARA)
    )
    ok = bool(checks) and all(check.is_complete for check in checks)
    evidence = [f"Contractor: {facts.contract.organisation}", *_check_lines(checks)]
    return SafeLine(
        "Safe people", "Are the contractor's people trained and authorised?", MET if ok else NOT_MET, evidence
    )


def safe_projects(facts: ContractFacts) -> SafeLine:
    contract = facts.contract
    evidence = [
        f"Legal gateway: {contract.legal_gateway or 'not chosen'}",
        f"Lawful basis: {contract.get_lawful_basis_display() or 'not chosen'}",
    ]
    if facts.needs_special_category_condition or contract.special_category_condition:
        evidence.append(f"Article 9 condition: {contract.get_special_category_condition_display() or 'not chosen'}")
    evidence.append(f"Purpose: {contract.purpose}")
    ok = not basis_unmet(facts) and bool(contract.purpose.strip())
    return SafeLine(
        "Safe projects", "Is the use lawful, necessary and for the public good?", MET if ok else NOT_MET, evidence
    )


def safe_settings(facts: ContractFacts) -> SafeLine:
    security = _checks(facts, (AssuranceCheck.Kind.SECURITY,))
    evidence = [f"{row.asset.name} is held in: {row.asset.storage_location}" for row in facts.assets] or [
        "No assets provided yet"
    ]
    evidence.extend(_check_lines(security))
    ok = bool(security) and all(check.is_complete for check in security)
    overdue = [line for row in facts.assets for line in review_overdue(row.asset, facts.today)]
    return SafeLine(
        "Safe settings", "Is the contractor's environment secure?", MET if ok else NOT_MET, evidence, overdue
    )


def safe_data(facts: ContractFacts) -> SafeLine:
    evidence = []
    for row in facts.assets:
        items = list(row.items.all())
        asset: InformationAsset = row.asset
        identifiers = sum(item.sensitivity == DataItem.Sensitivity.DIRECT_IDENTIFIER for item in items)
        special = sum(item.sensitivity == DataItem.Sensitivity.SPECIAL_CATEGORY for item in items)
        line = (
            f"{asset.name} ({asset.get_identifiability_display().lower()}): {len(items)} item{'s' * (len(items) != 1)}"
        )
        if identifiers or special:
            line += (
                f", of which {identifiers} direct identifier{'s' * (identifiers != 1)} and {special} special category"
            )
        line += f"; {row.review_phrase}"
        evidence.append(line)
    if not evidence:
        evidence.append("No data items chosen yet")
    risk: ReidentificationAssessment | None = facts.risk
    if risk is None:
        evidence.append("Re-identification risk: not assessed")
    else:
        evidence.append(
            f"Re-identification risk: {risk.get_level_display().lower()} "
            f"(assessed by {risk.assessor.display_name}, {date_text(risk.assessed_on)})"
        )
    ok = not data_unmet(facts) and not risk_unmet(facts)
    return SafeLine(
        "Safe data",
        "Is it the minimum, with identifiability reduced?",
        MET if ok else NOT_MET,
        evidence,
        destruction_overdue(facts.contract, facts.today),
    )


def safe_outputs(facts: ContractFacts) -> SafeLine:
    contract = facts.contract
    evidence = ["Not applicable: outputs are released by the contractor under the contract."]
    certificate = facts.certificate
    if certificate is not None:
        evidence.append(f"Destruction certified on {date_text(certificate.destroyed_on)} by {certificate.certified_by}")
    elif contract.holds_data:
        evidence.append(
            f"Data held by the contractor: retention ends {date_text(contract.retention_end_date)}, "
            f"destruction due {date_text(contract.destruction_due_date)}"
        )
        if contract.destruction_overdue(facts.today):
            evidence.append("Destruction is overdue")
    elif contract.status == ResearchContract.Status.CLOSED:
        evidence.append("Closed without any data released")
    else:
        evidence.append("No data released yet")
    return SafeLine("Safe outputs", "Are results disclosure-controlled before release?", NOT_APPLICABLE, evidence)


def five_safes(facts: ContractFacts) -> list[SafeLine]:
    """The panel shown on every contract page."""
    return [safe_people(facts), safe_projects(facts), safe_settings(facts), safe_data(facts), safe_outputs(facts)]


# --- access requests and grants ---------------------------------------------------------


def for_access(
    request: AccessRequest,
    grant: AccessGrant | None = None,
    *,
    rows: list[AccessRequestItem] | None = None,
    granted: list[DataItem] | None = None,
) -> list[SafeLine]:
    """The panel shown on every access request and grant page.

    A page that has already read the request's item rows (with their data items) or the grant's
    items passes them as ``rows`` and ``granted``: otherwise they are read here, once each."""
    asset = request.asset
    person = request.requester
    today = timezone.localdate()
    if rows is None:
        rows = list(request.items.select_related("data_item"))
    items = [row.data_item for row in rows]
    if granted is None:
        granted = list(grant.items.all()) if grant is not None else [row.data_item for row in rows if row.granted]
    lines = []

    states = training_for(person)
    lapsed = [s.course.title for s in states if s.status in ("overdue", "never_signed")]
    personal = asset.contains_personal_data and any(i.sensitivity != DataItem.Sensitivity.NON_PERSONAL for i in items)
    clearance = personal_data_clearance(person) if personal else None
    evidence = [f"{person.display_name}'s training: " + (f"not current ({', '.join(lapsed)})" if lapsed else "current")]
    if clearance is not None:
        evidence.append("Cleared for personal data" if clearance.cleared else clearance.reason)
    ok = not lapsed and (clearance is None or clearance.cleared)
    overdue = [f"Training lapsed: {', '.join(lapsed)}"] if lapsed else []
    lines.append(
        SafeLine("Safe people", "Are the people trained and authorised?", MET if ok else NOT_MET, evidence, overdue)
    )

    outcomes: dict[str, str] = {
        AccessRequest.State.APPROVED: MET,
        AccessRequest.State.REJECTED: NOT_MET,
        AccessRequest.State.WITHDRAWN: NOT_MET,
    }
    decided = outcomes.get(request.state, PENDING)
    lines.append(
        SafeLine(
            "Safe projects",
            "Is the use lawful, necessary and for the public good?",
            decided,
            [
                f"Purpose: {request.purpose}",
                f"Lawful basis of the asset: {asset.get_lawful_basis_display() or 'no personal data'}",
                f"Decision: {request.stage}",
            ],
            _grant_overdue(grant, today),
        )
    )

    lines.append(
        SafeLine(
            "Safe settings",
            "Is the environment secure?",
            MET if asset.storage_location else NOT_MET,
            [
                f"Held in: {asset.storage_location or 'not recorded'}",
                f"Classification: {asset.get_classification_display()}",
            ],
            review_overdue(asset, today),
        )
    )

    total = asset.items.count()
    chosen = granted or items
    high_risk = sum(1 for i in chosen if i.is_high_risk)
    minimal = len(chosen) < total or asset.identifiability != InformationAsset.Identifiability.IDENTIFIABLE
    evidence = [
        f"{len(items)} of {total} items asked for" + (f", {len(granted)} granted" if granted else ""),
        f"{asset.get_identifiability_display()} data",
        f"{plural(high_risk, 'identifying or special-category item')}",
    ]
    if not minimal:
        evidence.append("Every item of identifiable data: check each is needed")
    lines.append(
        SafeLine(
            "Safe data",
            "Is it the minimum, with identifiability reduced?",
            MET if chosen and minimal else PENDING,
            evidence,
        )
    )

    lines.append(
        SafeLine(
            "Safe outputs",
            "Are results disclosure-controlled before release?",
            PENDING,
            [
                "Statistics produced from this data must pass the disclosure check and sign-off before release",
                _releases_from(asset),
            ],
        )
    )
    return lines


def _grant_overdue(grant: AccessGrant | None, today: datetime.date) -> list[str]:
    """A live grant past its end date, or not recertified by its review's deadline (one query)."""
    if grant is None or grant.state != AccessGrant.State.ACTIVE:
        return []
    overdue = []
    if grant.ends_on < today:
        overdue.append(f"Access still active after its end date, {_day(grant.ends_on)}")
    late = (
        grant.reviews.filter(decision="", campaign__closed_at__isnull=True, campaign__deadline__lt=today)
        .order_by("campaign__deadline")
        .values_list("campaign__deadline", flat=True)
        .first()
    )
    if late is not None:
        overdue.append(f"Recertification overdue: not confirmed by the deadline, {_day(late)}")
    return overdue


def _releases_from(asset: InformationAsset) -> str:
    """How the asset's statistical releases stand: every one released was checked and signed off (one query)."""
    counts = dict(
        ReleaseSource.objects.filter(asset=asset).values_list("release__status").annotate(n=Count("pk")).order_by()
    )
    released = counts.get(StatisticalRelease.Status.RELEASED, 0)
    preparing = sum(counts.values()) - released
    if not counts:
        return "No statistical release draws on this asset yet"
    return f"Statistical releases from this asset: {released} released after sign-off, {preparing} in preparation"
