"""Demonstration research contracts, in each state of their life, run by carla.contracts.

Everything goes through the services, as the demo users would do it in the
portal: assurance with evidence files, the data chosen item by item, each IAM's
review, the release, the daily retention check, a destruction certificate, an
extension awaiting an IAM. Safe to run again: contracts already there are skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from governance.contracts import extensions as contract_extensions
from governance.contracts import records as service
from governance.contracts import states as contract_states
from governance.contracts.models import AssuranceCheck, ExternalOrganisation, LegalGateway, ResearchContract
from governance.core.models import User
from governance.register.models import DataItem, InformationAsset

Status = ResearchContract.Status

GATEWAYS = [
    (
        "Commissioned research under contract (data processor)",
        "UK GDPR Article 28; Social Security Administration Act 1992",
        "The contractor processes the data only on the department's written instructions, for research the "
        "department commissions in support of its functions.",
    ),
    (
        "Disclosure for research in the public interest",
        "Digital Economy Act 2017, Part 5, Chapter 5",
        "De-identified data shared with accredited researchers for research in the public interest.",
    ),
    (
        "Statistics and research purposes (sharing with public authorities)",
        "Statistics and Registration Service Act 2007, section 45A",
        "Sharing with a public authority for statistical research.",
    ),
]

ORGANISATIONS = [
    ("University of Northshire", ExternalOrganisation.Kind.UNIVERSITY, "RC000123"),
    ("Institute for Pensions Research", ExternalOrganisation.Kind.RESEARCH_INSTITUTE, "08123456"),
    ("Applied Health Economics Ltd", ExternalOrganisation.Kind.COMPANY, "11223344"),
    ("University of Eastmoor", ExternalOrganisation.Kind.UNIVERSITY, "RC000456"),
    ("Centre for Housing Policy", ExternalOrganisation.Kind.CHARITY, "1098765"),
]


@dataclass
class DemoContract:
    reference: str
    title: str
    purpose: str
    organisation: str
    contact: tuple[str, str, str]  # name, role, email
    dates: tuple[int, int, int, int]  # start, end, retention end, destruction due: days from today
    data: dict[str, list[str]]  # asset name -> item names
    stage: str  # the state to reach
    released_days_ago: int = 0
    special_category: bool = False
    extension_days: int = 0
    security_contact: tuple[str, str] = ("", "")
    assurance_done: tuple[str, ...] = field(default_factory=lambda: tuple(AssuranceCheck.Kind.values))


CONTRACTS = [
    DemoContract(
        "DWP-RES-2025-007",
        "Evaluation of Universal Credit work coach support",
        "To evaluate whether more frequent work coach appointments help Universal Credit claimants into "
        "sustained work, to inform the design of employment support.",
        "University of Northshire",
        ("Dr Amara Osei", "Principal investigator", "a.osei@northshire.example.ac.uk"),
        (-300, 60, 20, 50),
        {"Universal Credit claims (full extract)": ["date_of_birth", "sex", "postcode_district", "claim_start_date"]},
        Status.DATA_RELEASED,
        released_days_ago=280,
        security_contact=("Ben Carter", "information.security@northshire.example.ac.uk"),
    ),
    DemoContract(
        "DWP-RES-2025-011",
        "Pension Credit take-up among older households",
        "To understand why eligible older households do not claim Pension Credit, so that the department "
        "can target awareness campaigns.",
        "Institute for Pensions Research",
        ("Professor Helen Ward", "Research director", "h.ward@pensions-research.example.org"),
        (-200, 120, 45, 75),
        {"Pension Credit claims": ["household_type", "award_amount"], "Winter Fuel Payments": ["region"]},
        Status.DATA_RELEASED,
        released_days_ago=180,
        extension_days=90,
    ),
    DemoContract(
        "DWP-RES-2026-002",
        "Health conditions and return to work",
        "To estimate how health conditions affect the time taken to return to work after a referral to the "
        "Work and Health Programme.",
        "Applied Health Economics Ltd",
        ("Sofia Martins", "Lead economist", "s.martins@ahe.example.co.uk"),
        (-10, 365, 395, 425),
        {
            "Work and Health Programme referrals": ["pseudo_id", "health_condition", "region"],
            "Personal Independence Payment assessments": ["assessment_outcome"],
        },
        Status.UNDER_ASSURANCE,
        special_category=True,
        assurance_done=(AssuranceCheck.Kind.DATA_HANDLING, AssuranceCheck.Kind.SECURITY),
    ),
    DemoContract(
        "DWP-RES-2024-019",
        "Longitudinal study of benefit histories",
        "To describe how people move between benefits over ten years, for the department's evidence base "
        "on welfare dynamics.",
        "University of Eastmoor",
        ("Dr Tom Whitfield", "Research fellow", "t.whitfield@eastmoor.example.ac.uk"),
        (-800, -120, -50, -20),
        {"Longitudinal benefit histories": ["pseudo_id", "benefit_type", "claim_start_date", "claim_end_date"]},
        Status.RETENTION_ENDED,
        released_days_ago=760,
    ),
    DemoContract(
        "DWP-RES-2023-004",
        "Housing costs and household finances",
        "To analyse how housing costs affect household finances of Housing Benefit recipients.",
        "Centre for Housing Policy",
        ("Grace Obi", "Senior researcher", "g.obi@housing-policy.example.org"),
        (-900, -400, -300, -270),
        {"Housing Benefit claims": ["household_type", "award_amount", "local_authority"]},
        Status.CLOSED,
        released_days_ago=880,
    ),
    DemoContract(
        "DWP-RES-2026-005",
        "Flows between Jobseeker's Allowance and Universal Credit",
        "To measure flows between legacy benefits and Universal Credit during managed migration.",
        "University of Northshire",
        ("Dr Amara Osei", "Principal investigator", "a.osei@northshire.example.ac.uk"),
        (30, 400, 430, 460),
        {},
        Status.DRAFT,
        assurance_done=(),
    ),
]


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF saying what it stands for (the demo's evidence files)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td (Demonstration evidence: {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return body


def _pdf_upload(name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, demo_pdf(title), content_type="application/pdf")


def load_contracts(system: User) -> int:
    """Create the demonstration contracts (once). Returns how many were created."""
    for name, legislation, description in GATEWAYS:
        LegalGateway.objects.get_or_create(name=name, defaults={"legislation": legislation, "description": description})
    manager = User.objects.get(username="carla.contracts")
    organisations = {}
    for name, kind, number in ORGANISATIONS:
        organisation = ExternalOrganisation.objects.filter(name=name).first()
        if organisation is None:
            organisation = service.create_organisation(by=manager, name=name, kind=kind, registration_number=number)
        organisations[name] = organisation
    gateway = LegalGateway.objects.get(name=GATEWAYS[0][0])
    created = 0
    for plan in CONTRACTS:
        if not ResearchContract.objects.filter(reference=plan.reference).exists():
            _create(plan, manager, organisations[plan.organisation], gateway)
            created += 1
    return created


def _create(plan: DemoContract, manager: User, organisation: ExternalOrganisation, gateway: LegalGateway) -> None:
    today = timezone.localdate()
    start, end, retention, destruction = (today + datetime.timedelta(days=d) for d in plan.dates)
    contract = service.create_contract(
        by=manager,
        manager=manager,
        reference=plan.reference,
        title=plan.title,
        purpose=plan.purpose,
        organisation=organisation,
        contact_name=plan.contact[0],
        contact_role=plan.contact[1],
        contact_email=plan.contact[2],
        security_contact_name=plan.security_contact[0],
        security_contact_email=plan.security_contact[1],
        legal_gateway=gateway if plan.stage != Status.DRAFT else None,
        lawful_basis=InformationAsset.LawfulBasis.PUBLIC_TASK if plan.stage != Status.DRAFT else "",
        special_category_condition=ResearchContract.SpecialCategoryCondition.RESEARCH if plan.special_category else "",
        start_date=start,
        end_date=end,
        retention_end_date=retention,
        destruction_due_date=destruction,
    )
    assessed_on = min(today, start) - datetime.timedelta(days=14)  # assurance comes before the work starts
    for check in contract.assurance_checks.all():
        if check.kind in plan.assurance_done:
            service.record_assurance(
                check,
                by=manager,
                outcome=AssuranceCheck.Outcome.MET,
                assessor=manager,
                assessed_on=assessed_on,
                notes="",
                evidence=_pdf_upload(f"{check.kind}-assessment.pdf", f"{check.get_kind_display()} {plan.reference}"),
            )
    reviewers = []
    for asset_name, item_names in plan.data.items():
        asset = InformationAsset.objects.select_related("manager").get(name=asset_name)
        row = service.add_asset(contract, asset, by=manager)
        items = DataItem.objects.filter(asset=asset, name__in=item_names)
        chosen = {item.pk: f"Needed to analyse {item.description.lower()} for this study." for item in items}
        service.set_items(row, by=manager, chosen=chosen)
        reviewers.append(row)
    if plan.stage == Status.DRAFT:
        return
    service.record_risk_assessment(
        contract,
        by=manager,
        level="low" if not plan.special_category else "medium",
        mitigations="Pseudonymised identifiers only; dates of birth banded by the contractor on receipt; "
        "postcodes at district level; outputs with cells under 10 suppressed; named researchers only.",
        assessor=manager,
        assessed_on=assessed_on,
    )
    contract_states.transition(contract, Status.UNDER_ASSURANCE, by=manager)
    if plan.stage == Status.UNDER_ASSURANCE:
        return
    for row in reviewers:
        iam = cast(User, row.asset.manager)  # every demo asset has its IAM
        service.review_asset(row, by=iam, approved=True, notes="Minimum data; justified item by item.")
    contract_states.transition(contract, Status.APPROVED, by=manager)
    released_on = today - datetime.timedelta(days=plan.released_days_ago)
    with transaction.atomic():  # a release made before the demo began: nobody is at a key to verify it
        contract_states._apply_transition(contract, Status.DATA_RELEASED, by=manager, released_on=released_on)
    if plan.extension_days:
        contract.refresh_from_db()
        contract_extensions.request_extension(
            contract,
            by=manager,
            new_retention_end_date=contract.retention_end_date + datetime.timedelta(days=plan.extension_days),
            new_destruction_due_date=contract.destruction_due_date + datetime.timedelta(days=plan.extension_days),
            reason="Fieldwork delayed by two months; the final report is due later than planned.",
        )
    if plan.stage in (Status.RETENTION_ENDED, Status.CLOSED):
        contract_states.end_due_retention()
    if plan.stage == Status.CLOSED:
        contract.refresh_from_db()
        destroyed_on = contract.destruction_due_date - datetime.timedelta(days=5)
        service.record_destruction(
            contract,
            by=manager,
            destroyed_on=destroyed_on,
            certified_by=f"{plan.contact[0]}, {plan.contact[1]}",
            certificate=_pdf_upload("destruction-certificate.pdf", f"Destruction certificate {plan.reference}"),
        )
        contract_states.transition(contract, Status.CLOSED, by=manager, reason="Data destroyed and certified.")
