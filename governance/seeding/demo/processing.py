"""Demo record of processing and sharing agreements: four processing activities (one a processor's,
one with a transfer abroad, one overdue for its yearly review) and two agreements (one in force past
its review date, one draft still missing its data items). Safe to run again."""

from __future__ import annotations

import datetime

from django.utils import timezone

from governance.contracts import records as contract_service
from governance.contracts.models import ExternalOrganisation, LegalGateway
from governance.core.models import User
from governance.privacy import activities as activity_service
from governance.privacy import agreements as agreement_service
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.register.models import DataItem, InformationAsset

ACTIVITIES = [
    # (name, owner, assets, purposes, people, extra)
    (
        "Paying Universal Credit",
        "ian.manager",
        ["Universal Credit claims (full extract)"],
        "To assess entitlement to Universal Credit and pay awards.",
        "Claimants and their partners",
        {},
    ),
    (
        "Official statistics on benefits",
        "ian.manager",
        ["Benefit caseload statistics extract", "Longitudinal benefit histories"],
        "To produce official statistics on benefit caseloads and outcomes.",
        "Claimants, past and present",
        {},
    ),
    (
        "Housing Benefit administration for local authorities",
        "priya.iam",
        ["Housing Benefit claims"],
        "To match Housing Benefit claims with benefit records on the councils' instructions.",
        "Housing Benefit claimants",
        {
            "role": ProcessingActivity.Role.PROCESSOR,
            "controller_name": "Local authorities administering Housing Benefit",
        },
    ),
    (
        "Paying State Pension abroad",
        "priya.iam",
        ["State Pension payments"],
        "To pay State Pension to people living outside the UK.",
        "State Pension recipients living abroad",
        {"transfer_countries": "Spain, France, Ireland", "transfer_safeguard": "adequacy"},
    ),
]

COUNCIL = "Northshire County Council"
REVENUE = "HM Revenue and Customs"


def _assets(names: list[str]) -> list[InformationAsset]:
    return list(InformationAsset.objects.filter(name__in=names).order_by("name"))


def load_processing(system: User) -> int:
    """Create the demonstration activities and agreements (once). Returns how many were created."""
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["ian.manager", "priya.iam", "carla.contracts", "deepa.deputy"])
    }
    today = timezone.localdate()
    created = 0
    for name, owner, asset_names, purposes, subjects, extra in ACTIVITIES:
        assets = _assets(asset_names)
        if ProcessingActivity.objects.filter(name=name).exists() or not assets or owner not in people:
            continue
        special = (
            any(asset.special_category for asset in assets)
            or DataItem.objects.filter(asset__in=assets, sensitivity=DataItem.Sensitivity.SPECIAL_CATEGORY).exists()
        )
        activity_service.record_activity(
            by=people[owner],
            assets=assets,
            name=name,
            purposes=purposes,
            role=extra.get("role", ProcessingActivity.Role.CONTROLLER),
            controller_name=extra.get("controller_name", ""),
            business_area=assets[0].business_area,
            lawful_basis="public_task",
            special_category_condition="substantial_public_interest" if special else "",
            schedule_1_condition="statutory_government" if special else "",
            data_subjects=subjects,
            transfer_countries=extra.get("transfer_countries", ""),
            transfer_safeguard=extra.get("transfer_safeguard", ""),
        )
        created += 1
    # One entry overdue for its yearly review, so the owner's and the DPO's home pages show it.
    overdue = ProcessingActivity.objects.filter(name="Official statistics on benefits").first()
    if overdue is not None and overdue.last_reviewed_on is None and overdue.next_review_date > today:
        overdue.next_review_date = today - datetime.timedelta(days=12)
        overdue.save(update_fields=["next_review_date", "updated_at"])

    manager, deputy = people.get("carla.contracts"), people.get("deepa.deputy")
    gateway = LegalGateway.objects.filter(name__startswith="Statistics and research purposes").first()
    if manager is None or deputy is None or gateway is None:
        return created
    organisations = {}
    for name in (COUNCIL, REVENUE):
        organisation = ExternalOrganisation.objects.filter(name=name).first()
        if organisation is None:
            organisation = contract_service.create_organisation(
                by=system, name=name, kind=ExternalOrganisation.Kind.PUBLIC_BODY
            )
        organisations[name] = organisation
    caseload = _assets(["Benefit caseload statistics extract"])
    if caseload and not SharingAgreement.objects.filter(reference="DSA-0001").exists():
        items = list(
            DataItem.objects.filter(asset=caseload[0]).exclude(sensitivity=DataItem.Sensitivity.SPECIAL_CATEGORY)
        )
        agreement = agreement_service.create_agreement(
            by=manager,
            assets=caseload,
            data_items=items,
            reference="DSA-0001",
            title="Benefit caseloads for local labour-market statistics",
            kind=SharingAgreement.Kind.AGREEMENT,
            organisation=organisations[COUNCIL],
            direction=SharingAgreement.Direction.OUT,
            business_area=caseload[0].business_area,
            purpose="Quarterly caseload counts by ward for the council's labour-market statistics.",
            legal_gateway=gateway,
            lawful_basis="public_task",
            frequency=SharingAgreement.Frequency.QUARTERLY,
            security_conditions="Sent by secure file transfer; held in the council's accredited analysis environment.",
            start_date=today - datetime.timedelta(days=380),
            review_date=today + datetime.timedelta(days=30),
            end_date=today + datetime.timedelta(days=350),
        )
        agreement_service.approve_agreement(agreement, by=deputy)
        # In force past its review date: the SIRO's report counts it and the reminders escalate it.
        agreement.review_date = today - datetime.timedelta(days=15)
        agreement.save(update_fields=["review_date", "updated_at"])
        created += 1
    histories = _assets(["Longitudinal benefit histories"])
    if histories and not SharingAgreement.objects.filter(reference="MOU-0002").exists():
        agreement_service.create_agreement(
            by=manager,
            assets=histories,
            reference="MOU-0002",
            title="Earnings records for benefit outcome statistics",
            kind=SharingAgreement.Kind.MEMORANDUM,
            organisation=organisations[REVENUE],
            direction=SharingAgreement.Direction.IN,
            business_area=histories[0].business_area,
            purpose="Employment and earnings records linked to benefit histories for outcome statistics.",
            legal_gateway=gateway,
            lawful_basis="public_task",
            frequency=SharingAgreement.Frequency.YEARLY,
            security_conditions="Received by secure file transfer into the analytical secure environment.",
            start_date=today + datetime.timedelta(days=30),
            review_date=today + datetime.timedelta(days=210),
            end_date=today + datetime.timedelta(days=760),
        )
        created += 1
    return created
