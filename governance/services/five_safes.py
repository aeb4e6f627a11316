"""The Five Safes, computed from live records for request, grant and contract pages.

Each line answers the framework's question with the evidence the portal holds; nothing is typed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.models import AccessGrant, AccessRequest, DataItem
from governance.services.training import personal_data_clearance, training_for

MET, NOT_MET, PENDING = "met", "not met", "pending"
TAGS = {MET: "govuk-tag--green", NOT_MET: "govuk-tag--red", PENDING: "govuk-tag--yellow"}


@dataclass(frozen=True)
class SafeLine:
    safe: str
    question: str
    status: str
    evidence: str

    @property
    def tag(self) -> str:
        return TAGS[self.status]


def for_access(request: AccessRequest, grant: AccessGrant | None = None) -> list[SafeLine]:
    asset = request.asset
    person = request.requester
    items = [row.data_item for row in request.items.all()]
    granted = list(grant.items.all()) if grant is not None else [r.data_item for r in request.items.all() if r.granted]
    lines = []

    # Safe people: trained and authorised.
    states = training_for(person)
    lapsed = [s.course.title for s in states if s.status in ("overdue", "never_signed")]
    personal = any(i.sensitivity != DataItem.Sensitivity.NON_PERSONAL for i in items) and asset.contains_personal_data
    clearance = personal_data_clearance(person) if personal else None
    if lapsed or (clearance is not None and not clearance.cleared):
        evidence = "; ".join(
            filter(
                None,
                [
                    f"Not current: {', '.join(lapsed)}" if lapsed else "",
                    clearance.reason if clearance and not clearance.cleared else "",
                ],
            )
        )
        lines.append(SafeLine("Safe people", "Are the people trained and authorised?", NOT_MET, evidence))
    else:
        cleared = " Cleared for personal data." if clearance else ""
        lines.append(
            SafeLine(
                "Safe people",
                "Are the people trained and authorised?",
                MET,
                f"{person.display_name}'s training is current.{cleared}",
            )
        )

    # Safe projects: lawful, necessary, decided.
    decided = {
        AccessRequest.State.APPROVED: MET,
        AccessRequest.State.REJECTED: NOT_MET,
        AccessRequest.State.WITHDRAWN: NOT_MET,
    }.get(request.state, PENDING)
    basis = asset.get_lawful_basis_display() or "no personal data"
    lines.append(
        SafeLine(
            "Safe projects",
            "Is the use lawful, necessary and for the public good?",
            decided,
            f"Purpose: {request.purpose}. Lawful basis of the asset: {basis}. {request.stage}.",
        )
    )

    # Safe settings: the secure environment.
    lines.append(
        SafeLine(
            "Safe settings",
            "Is the environment secure?",
            MET if asset.storage_location else NOT_MET,
            f"Held in: {asset.storage_location or 'not recorded'} ({asset.get_classification_display()}).",
        )
    )

    # Safe data: the minimum, with identifiability reduced.
    total = asset.items.count()
    high_risk = sum(1 for i in (granted or items) if i.is_high_risk)
    chosen = granted or items
    minimal = len(chosen) < total or asset.identifiability != asset.Identifiability.IDENTIFIABLE
    status = MET if chosen and minimal else PENDING
    counted = f"{len(items)} of {total} items asked for" + (f", {len(granted)} granted" if granted else "")
    risk = f"{high_risk} identifying or special-category item{'s' if high_risk != 1 else ''}"
    note = "" if minimal else " Every item of identifiable data: check each is needed."
    lines.append(
        SafeLine(
            "Safe data",
            "Is it the minimum, with identifiability reduced?",
            status,
            f"{counted}; {asset.get_identifiability_display().lower()} data; {risk}.{note}",
        )
    )

    # Safe outputs: results disclosure-controlled before release.
    lines.append(
        SafeLine(
            "Safe outputs",
            "Are results disclosure-controlled before release?",
            PENDING,
            "Any statistics produced must pass the portal's disclosure check and sign-off before release.",
        )
    )
    return lines
