"""The people and records the role and page table runs against, built once per module.

Two parallel worlds: "own" records belong to (or sit in the area of) the role holders
the table signs in as; "other" records belong to other people in another area, so
each role is also tried against someone else's record. ``keys(world)`` gives the
placeholders the table's URL templates use.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from governance.access import recertification
from governance.access import requests as access_service
from governance.assurance import returns as assurance_returns
from governance.assurance import risks as assurance_risks
from governance.assurance.models import AssuranceReturn
from governance.contracts import records as contract_service
from governance.contracts.calendar import issue_feed_token
from governance.contracts.models import AssuranceCheck, ResearchContract, RetentionExtension
from governance.core import roles
from governance.core.api_tokens import create_token
from governance.core.audit import system_user
from governance.core.models import OfficeHolder, User
from governance.incidents import linked as incident_links
from governance.incidents import records as incident_service
from governance.incidents.models import Incident
from governance.outputs.submissions import decide
from governance.privacy import activities as privacy_activities
from governance.privacy import agreements as privacy_agreements
from governance.privacy import dpias as dpia_service
from governance.privacy.screening import dpia_of
from governance.register.models import DataItem
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from governance.releases import workflow as release_service
from tests.conftest import fresh_code
from tests.factories import (
    BusinessAreaFactory,
    DataItemFactory,
    LegalGatewayFactory,
    ProcessingActivityFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_contract,
    make_course,
    make_grant,
    make_researcher,
    make_review,
    make_signoff,
    submit_output,
)

# Every role the table signs in as, in the order its rows are read.
ROLES = (
    "staff",
    "data_handler",
    "iam",
    "deputy_siro",
    "siro",
    "chief_statistician",
    "statistician",
    "disclosure_control",
    "contract_manager",
    "auditor",
    "administrator",
    "incident_handler",
    "dpo",
    "researcher",  # outside the department: one contract's outputs and terms, nothing else
)
ANONYMOUS, UNVERIFIED = "anonymous", "unverified"
ALL_ROLES = (*ROLES, ANONYMOUS, UNVERIFIED)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TABLE_CSV = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


@dataclass
class World:
    people: dict[str, User] = field(default_factory=dict)
    own: dict[str, int | str] = field(default_factory=dict)
    other: dict[str, int | str] = field(default_factory=dict)


def _person(username: str, area, *, groups=(), **extra) -> User:
    user = UserFactory(username=username, business_area=area, **extra)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    TOTPDeviceFactory(user=user)
    return user


def _records(*, area, iam, deputy, holder, manager, author, suffix: str, gateway, course) -> dict[str, int | str]:
    """One world's records: an asset, access to it, a contract providing it, a release drawing on it,
    an incident touching it, and the holder's security key and API token."""
    asset = make_asset(manager=iam, business_area=area, name=f"Benefit claims {suffix}")
    item = DataItemFactory(asset=asset, name="claim_count", sensitivity=DataItem.Sensitivity.NON_PERSONAL)
    grant = make_grant(holder, asset=asset, items=[item], decider=iam)
    review = make_review(grant)
    campaign = recertification.open_campaign(review.campaign, iam)  # the IAM's share of the access review
    draft = access_service.save_request(
        requester=holder,
        asset=asset,
        purpose="Caseload tables",
        business_case="Needed for the published tables.",
        requested_end_date=datetime.date.today() + datetime.timedelta(days=60),
        items={item: "Needed for the tables"},
        submit=False,
    )
    signoff = make_signoff(holder, course)

    contract = make_contract(
        manager=manager, reference=f"RES-{suffix}", legal_gateway=gateway, lawful_basis="public_task"
    )
    row = contract_service.add_asset(contract, asset, by=manager)
    contract_service.flag_for_review(contract, by=iam, reason=f"Incident on {asset.name}: check the extract's handling")
    check = contract.assurance_checks.order_by("pk").first()
    document = contract_service.record_assurance(
        check,
        by=manager,
        outcome=AssuranceCheck.Outcome.MET,
        assessor=manager,
        assessed_on=datetime.date.today(),
        evidence=SimpleUploadedFile("evidence.pdf", PDF),
    ).evidence
    # Extensions are asked for only once data is released; the page is what is tried here, so the
    # request is recorded directly rather than walking the contract through release.
    extension = RetentionExtension.objects.create(
        contract=contract,
        current_retention_end_date=contract.retention_end_date,
        current_destruction_due_date=contract.destruction_due_date,
        new_retention_end_date=contract.retention_end_date + datetime.timedelta(days=30),
        new_destruction_due_date=contract.destruction_due_date + datetime.timedelta(days=30),
        reason="The analysis runs longer",
        requested_by=manager,
    )

    release = release_service.create_release(
        by=author,
        title=f"Benefit statistics {suffix}",
        planned_release_date=timezone.localdate() + datetime.timedelta(days=110),
    )
    source = release_service.add_source(release, by=author, asset=asset, extract_type="full")
    table = release_service.add_table(
        release, by=author, title="Claims by region", source=source, upload=SimpleUploadedFile("t.csv", TABLE_CSV)
    )
    # Reported by the holder against the asset, so its IAM and the area's Deputy SIRO see it; the
    # action is the IAM's, so the IAM may record its progress.
    incident = incident_service.report_incident(
        by=holder,
        title=f"Extract emailed to the wrong team {suffix}",
        description="A claimant extract was sent to the wrong distribution list.",
        kind=Incident.Kind.WRONG_RECIPIENT,
        found_at=timezone.now() - datetime.timedelta(minutes=30),
        personal_data=True,
        people_affected=120,
        assets=[asset],
    )
    action = incident_service.add_action(incident, by=deputy, description="Recall the email", owner=iam)
    # Someone else's access on the asset, suspended while the incident is handled, to be restored.
    suspended = make_grant(UserFactory(business_area=area), asset=asset, items=[item], decider=iam)
    incident_links.suspend_grant(incident, suspended, by=deputy, reason="Sent the extract to the wrong team")
    risk = assurance_risks.record_risk(
        asset,
        by=iam,
        description="Extracts kept past their grant",
        likelihood=3,
        impact=4,
        owner=iam,
        treatment="Monthly sweep of shared drives",
        target_date=datetime.date.today() + datetime.timedelta(days=90),
        review_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    # The token is made before the key is added: with a key, its making would need the key's answer.
    device = TOTPDevice.objects.filter(user=holder, confirmed=True).first()
    api_token = create_token(
        holder,
        by=holder,
        description="HR feed",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        code=fresh_code(device),
    ).token
    key = WebAuthnCredential.objects.create(
        user=holder,
        name=f"Blue key {suffix}",
        credential_id=f"id-{holder.pk}-{suffix}".encode(),
        public_key=b"not-a-real-public-key",
        sign_count=0,
        confirmed=True,
    )
    # A processing activity with special category data, screened for a DPIA by itself; its IAM (the
    # activity's owner) answers the screening and records a risk, so the DPIA is in assessment.
    dpia_activity = ProcessingActivityFactory(
        business_area=area, owner=iam, name=f"Health statistics {suffix}", special_category_condition="research"
    )
    dpia_activity.assets.add(asset)
    dpia = dpia_of(dpia_activity)
    dpia_service.screen(dpia, by=iam, criteria=["data_matching"], outcome="needed", reasons="Health data at scale")
    dpia_risk = dpia_service.save_risk(
        dpia,
        by=iam,
        description="Health conditions disclosed",
        likelihood="possible",
        severity="severe",
        measures="Secure environment",
        residual_risk="low",
    )
    # ropa: a processing activity the IAM owns on the asset; a draft sharing agreement the contract
    # manager keeps (no data items named, so its approval names what is missing) and one in force.
    activity = privacy_activities.record_activity(
        by=iam,
        assets=[asset],
        name=f"Paying benefit claims {suffix}",
        purposes="To assess and pay claims.",
        role="controller",
        business_area=area,
        lawful_basis="public_task",
        data_subjects="Claimants",
    )
    agreement_fields = {
        "title": "Claimant counts for the council",
        "kind": "agreement",
        "organisation": contract.organisation,
        "direction": "out",
        "business_area": area,
        "purpose": "Local labour-market statistics",
        "legal_gateway": gateway,
        "lawful_basis": "public_task",
        "frequency": "quarterly",
        "security_conditions": "Secure file transfer.",
        "start_date": datetime.date.today(),
        "review_date": datetime.date.today() + datetime.timedelta(days=180),
        "end_date": datetime.date.today() + datetime.timedelta(days=365),
    }
    agreement = privacy_agreements.create_agreement(
        by=manager, assets=[asset], reference=f"DSA-{suffix}-1", **agreement_fields
    )
    live_agreement = privacy_agreements.create_agreement(
        by=manager, assets=[asset], data_items=[item], reference=f"DSA-{suffix}-2", **agreement_fields
    )
    privacy_agreements.approve_agreement(live_agreement, by=deputy)
    return {
        "dpia": dpia.pk,
        "dpia_risk": dpia_risk.pk,
        "activity": activity.pk,
        "agreement": agreement.pk,
        "live_agreement": live_agreement.pk,
        "area": area.pk,
        "asset": asset.pk,
        "item": item.pk,
        "request": grant.request_id,
        "draft": draft.pk,
        "grant": grant.pk,
        "suspended_grant": suspended.pk,
        "review": review.pk,
        "campaign": campaign.pk,
        "signoff": signoff.pk,
        "person": holder.pk,
        "contract": contract.pk,
        "contract_asset": row.pk,
        "assurance_kind": check.kind,
        "document": document.pk,
        "extension": extension.pk,
        "organisation": contract.organisation_id,
        "release": release.pk,
        "source": source.pk,
        "table": table.pk,
        "incident": incident.pk,
        "incident_action": action.pk,
        "risk": risk.pk,
        "security_key": key.pk,
        "api_token": api_token.pk,
    }


def build_world() -> World:
    system = system_user()
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    other_area = BusinessAreaFactory(name="Working Age Benefits", code="wab")
    p = {
        "staff": _person("r-staff", area),
        "data_handler": _person("r-handler", area, is_data_handler=True),
        "iam": _person("r-iam", area),
        "deputy_siro": _person("r-deputy", area),
        "siro": _person("r-siro", area),
        "chief_statistician": _person("r-chief", area, groups=[roles.STATISTICIANS]),
        "statistician": _person("r-stat", area, groups=[roles.STATISTICIANS]),
        "disclosure_control": _person("r-sdc", area, groups=[roles.DISCLOSURE_CONTROL]),
        "contract_manager": _person("r-cm", area, groups=[roles.CONTRACT_MANAGERS]),
        "auditor": _person("r-auditor", area, groups=[roles.AUDITORS]),
        "administrator": _person("r-admin", area, groups=[roles.ADMINISTRATORS], is_staff=True),
        "incident_handler": _person("r-incident", area, groups=[roles.INCIDENT_HANDLERS]),
        "dpo": _person("r-dpo", area),
    }
    set_deputy_siro(area, p["deputy_siro"], by=system)
    appoint_office_holder(OfficeHolder.Office.SIRO, p["siro"], by=system)
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, p["chief_statistician"], by=system)
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, p["dpo"], by=system)
    others = {
        "iam": _person("o-iam", other_area),
        "deputy": _person("o-deputy", other_area),
        "holder": _person("o-staff", other_area),
        "manager": _person("o-cm", other_area, groups=[roles.CONTRACT_MANAGERS]),
        "author": _person("o-stat", other_area, groups=[roles.STATISTICIANS]),
    }
    set_deputy_siro(other_area, others["deputy"], by=system)
    gateway = LegalGatewayFactory(name="Commissioned research")
    course = make_course()
    world = World(people=p)
    world.own = _records(
        area=area,
        iam=p["iam"],
        deputy=p["deputy_siro"],
        holder=p["staff"],
        manager=p["contract_manager"],
        author=p["statistician"],
        suffix="A",
        gateway=gateway,
        course=course,
    )
    world.other = _records(
        area=other_area,
        iam=others["iam"],
        deputy=others["deputy"],
        holder=others["holder"],
        manager=others["manager"],
        author=others["author"],
        suffix="B",
        gateway=gateway,
        course=course,
    )
    # The SIRO's assurance round: one return per IAM, each world's IAM with their own (unsigned).
    today = datetime.date.today()
    assurance_round = assurance_returns.open_round(
        by=p["siro"],
        period="2026 to 2027",
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        due_date=today + datetime.timedelta(days=30),
    )
    assurance_returns.prepare_round(assurance_round.pk)  # the task that runs once the round commits
    world.own["return"] = AssuranceReturn.objects.get(round=assurance_round, iam=p["iam"]).pk
    world.other["return"] = AssuranceReturn.objects.get(round=assurance_round, iam=others["iam"]).pk
    # Records with one instance, shared by both worlds.
    shared = {
        "course": course.pk,
        "feed_token": issue_feed_token(p["contract_manager"], by=p["contract_manager"]),
        "round": assurance_round.pk,
    }
    world.own |= shared
    world.other |= shared
    # Safe outputs: each world's contract has a researcher (own: the role table's "researcher")
    # with an output waiting for checking, one sent back for changes and one cleared.
    contracts = ResearchContract.objects.in_bulk([world.own["contract"], world.other["contract"]])
    for records, first in ((world.own, "Rosa"), (world.other, "Omar")):
        researcher = make_researcher(contracts[records["contract"]], first_name=first, last_name="Field")
        if records is world.own:
            p["researcher"] = researcher.user
        records["researcher_row"] = researcher.pk
        records["output"] = submit_output(researcher, title="Waiting").pk
        changes, cleared = submit_output(researcher, title="Sent back"), submit_output(researcher, title="Cleared")
        decide(changes, by=p["disclosure_control"], outcome="changes_requested", reason="Suppress the small cell")
        decide(cleared, by=p["disclosure_control"], outcome="cleared", reason="Safe counts")
        records["changes_output"], records["cleared_output"] = changes.pk, cleared.pk
        records["welcome_uid"], records["welcome_token"] = "MTIz", "no-such-token"
    return world
