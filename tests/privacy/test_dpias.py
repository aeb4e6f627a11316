"""DPIAs: screening new records, the gate on approvals, the DPO's advice and the two fresh sign-offs."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from governance.access import requests as access_service
from governance.access.models import AccessRequest
from governance.contracts import records as contract_records
from governance.contracts import states
from governance.contracts.models import ResearchContract
from governance.core.audit import system_user
from governance.core.models import AuditEntry, Notification, OfficeHolder
from governance.privacy import dpias as service
from governance.privacy.models import DPIA, RiskLevel
from governance.privacy.policy import can_sign_dpia_as_deputy, can_sign_dpia_as_iam
from governance.privacy.screening import approval_problems, dpia_of, screen
from governance.register.models import DataItem
from governance.register.organisation import appoint_office_holder
from tests.conftest import fresh_code
from tests.factories import (
    DataItemFactory,
    ProcessingActivityFactory,
    SharingAgreementFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_data_protection_course,
    make_signoff,
)

pytestmark = pytest.mark.django_db
S = DataItem.Sensitivity
TODAY = datetime.date.today()


@pytest.fixture
def dpo(area):
    person = UserFactory(username="dpo", business_area=area)
    TOTPDeviceFactory(user=person)
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, person, by=system_user())
    return person


@pytest.fixture
def deputy(deputy_siro):
    TOTPDeviceFactory(user=deputy_siro)
    return deputy_siro


@pytest.fixture
def health(area, iam, deputy, dpo):
    asset = make_asset(manager=iam, business_area=area, name="Health assessments", identifiability="pseudonymised")
    DataItemFactory(asset=asset, name="claim_count", sensitivity=S.NON_PERSONAL)
    DataItemFactory(asset=asset, name="health_condition", sensitivity=S.SPECIAL_CATEGORY)
    return asset


def submitted(asset, *names) -> AccessRequest:
    requester = UserFactory(business_area=asset.business_area, is_data_handler=True)
    make_signoff(requester, make_data_protection_course())
    return access_service.save_request(
        requester=requester,
        asset=asset,
        purpose="Health and work statistics",
        business_case="The published tables need it.",
        requested_end_date=TODAY + datetime.timedelta(days=60),
        items={item: "Needed" for item in asset.items.filter(name__in=names)},
        submit=True,
    )


def code(user) -> str:
    return fresh_code(TOTPDevice.objects.filter(user=user, confirmed=True).first())


def write_and_advise(dpia: DPIA, *, author, dpo, residual=RiskLevel.LOW) -> DPIA:
    service.screen(dpia, by=author, criteria=["data_matching"], outcome="needed", reasons="Health data")
    service.save_risk(
        dpia,
        by=author,
        description="Health conditions disclosed",
        likelihood="possible",
        severity="severe",
        measures="Secure environment; no direct identifiers",
        residual_risk=residual,
    )
    service.save_assessment(
        dpia,
        by=author,
        description="Tables of health conditions",
        necessity="Needed for the statistics; the least data",
        residual_risk=residual,
        submit=True,
    )
    return service.advise(dpia, by=dpo, advice="Go ahead with the measures")


def sign_both(dpia: DPIA, iam, deputy) -> DPIA:
    service.sign(dpia, by=iam, advice_followed=True, token=code(iam))
    return service.sign(dpia, by=deputy, token=code(deputy))


# --- screening ----------------------------------------------------------------------------------------


def test_a_submitted_request_for_special_category_data_is_screened_and_the_iam_and_dpo_told(health, iam, dpo):
    request = submitted(health, "health_condition")
    dpia = dpia_of(request)
    assert dpia is not None and dpia.state == DPIA.State.SCREENING
    assert dpia.special_category and dpia.iam == iam and dpia.business_area == health.business_area
    told = set(
        Notification.objects.filter(dedupe_key__startswith="dpia-screening:").values_list("recipient", flat=True)
    )
    assert told == {iam.pk, dpo.pk}
    assert Notification.objects.filter(subject__startswith="DPIA screening to answer").count() == 2


def test_a_request_for_data_that_is_neither_special_nor_identifiable_at_scale_is_not_screened(health):
    assert dpia_of(submitted(health, "claim_count")) is None


def test_identifiable_data_counts_at_scale_from_the_threshold(area, iam, deputy, dpo, settings):
    asset = make_asset(manager=iam, business_area=area, name="Claimant records", identifiability="identifiable")
    DataItemFactory(asset=asset, name="nino", sensitivity=S.DIRECT_IDENTIFIER)
    settings.DPIA_SCALE_THRESHOLD = 2
    assert dpia_of(submitted(asset, "nino")) is None
    settings.DPIA_SCALE_THRESHOLD = 1
    dpia = dpia_of(submitted(asset, "nino"))
    assert dpia is not None and dpia.identifiable_at_scale and not dpia.special_category


def test_screening_is_started_once(health):
    request = submitted(health, "health_condition")
    assert screen(request) is None
    assert DPIA.objects.filter(access_request=request).count() == 1


def test_a_new_processing_activity_and_agreement_with_special_category_data_are_screened(area, iam):
    activity = ProcessingActivityFactory(business_area=area, owner=iam, special_category_condition="research")
    agreement = SharingAgreementFactory(business_area=area, special_category_condition="research")
    plain = ProcessingActivityFactory(business_area=area, owner=iam)
    assert dpia_of(activity).iam == iam
    assert dpia_of(agreement).iam == agreement.manager
    assert dpia_of(plain) is None
    assert approval_problems(agreement) and approval_problems(activity) == []


def _contract_with(asset, manager, *names):
    from tests.factories import make_contract

    contract = make_contract(manager=manager, lawful_basis="public_task", special_category_condition="research")
    row = contract_records.add_asset(contract, asset, by=manager)
    chosen = {asset.items.get(name=name).pk: "Needed" for name in names}
    contract_records.set_items(row, by=manager, chosen=chosen)
    return contract


# --- the rules of each step -------------------------------------------------------------------------


def test_screening_refuses_not_needed_when_two_criteria_are_met(health, iam):
    dpia = dpia_of(submitted(health, "health_condition"))
    with pytest.raises(ValidationError) as refused:
        service.screen(dpia, by=iam, criteria=["profiling"], outcome="not_needed", reasons="Small")
    assert "a DPIA is needed" in str(refused.value)
    service.screen(dpia, by=iam, criteria=[], outcome="not_needed", reasons="Aggregate tables only")
    dpia.refresh_from_db()
    assert dpia.state == DPIA.State.NOT_NEEDED and approval_problems(dpia.access_request) == []


def test_only_the_dpo_advises(health, iam, deputy, dpo, siro):
    dpia = dpia_of(submitted(health, "health_condition"))
    service.screen(dpia, by=iam, criteria=["data_matching"], outcome="needed", reasons="Health data")
    service.save_risk(
        dpia,
        by=iam,
        description="Disclosure",
        likelihood="remote",
        severity="severe",
        measures="Rounding",
        residual_risk="low",
    )
    service.save_assessment(dpia, by=iam, description="d", necessity="n", residual_risk="low", submit=True)
    for person in (iam, deputy, siro):
        with pytest.raises(PermissionDenied):
            service.advise(dpia, by=person, advice="Fine")
    service.advise(dpia, by=dpo, advice="Fine")
    dpia.refresh_from_db()
    assert dpia.state == DPIA.State.AWAITING_SIGN_OFF and dpia.dpo_advice_by == dpo


def test_the_assessment_is_sent_for_advice_only_when_complete(health, iam):
    dpia = dpia_of(submitted(health, "health_condition"))
    service.screen(dpia, by=iam, criteria=["data_matching"], outcome="needed", reasons="Health data")
    with pytest.raises(ValidationError) as refused:
        service.save_assessment(dpia, by=iam, description="", necessity="", residual_risk="", submit=True)
    assert len(refused.value.messages) == 4  # every problem at once


def test_the_two_sign_offs_are_two_people_and_the_author_does_not_sign_alone(health, iam, deputy, dpo):
    dpia = write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo)
    assert can_sign_dpia_as_iam(iam, dpia) and not can_sign_dpia_as_deputy(iam, dpia)
    service.sign(dpia, by=iam, advice_followed=True, token=code(iam))
    dpia.refresh_from_db()
    assert dpia.state == DPIA.State.AWAITING_SIGN_OFF
    with pytest.raises((PermissionDenied, ValidationError)):
        service.sign(dpia, by=iam, token=code(iam))
    service.sign(dpia, by=deputy, token=code(deputy))
    dpia.refresh_from_db()
    assert dpia.state == DPIA.State.SIGNED and {dpia.iam_signed_by, dpia.deputy_signed_by} == {iam, deputy}
    assert dpia.review_date and dpia.review_date > TODAY


def test_the_siro_signs_when_the_deputy_is_the_iam(area, deputy, dpo, siro):
    TOTPDeviceFactory(user=siro)
    asset = make_asset(manager=deputy, business_area=area, name="Deputy's own")
    DataItemFactory(asset=asset, name="health_condition", sensitivity=S.SPECIAL_CATEGORY)
    dpia = write_and_advise(dpia_of(submitted(asset, "health_condition")), author=deputy, dpo=dpo)
    service.sign(dpia, by=deputy, advice_followed=True, token=code(deputy))
    dpia.refresh_from_db()
    assert not can_sign_dpia_as_deputy(deputy, dpia) and can_sign_dpia_as_deputy(siro, dpia)
    service.sign(dpia, by=siro, token=code(siro))
    dpia.refresh_from_db()
    assert dpia.state == DPIA.State.SIGNED


def test_sign_off_without_a_fresh_code_or_key_is_refused(health, iam, dpo):
    dpia = write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo)
    with pytest.raises(ValidationError):
        service.sign(dpia, by=iam, advice_followed=True, token="")
    WebAuthnCredential.objects.create(user=iam, name="Key", credential_id=b"k", public_key=b"p", confirmed=True)
    with pytest.raises(ValidationError):
        service.sign(dpia, by=iam, advice_followed=True, token=code(iam))  # a key holder answers with the key
    dpia.refresh_from_db()
    assert dpia.iam_signed_by is None


def test_the_first_signer_says_whether_the_advice_was_followed(health, iam, dpo):
    dpia = write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo)
    with pytest.raises(ValidationError) as refused:
        service.sign(dpia, by=iam, advice_followed=False, token=code(iam))
    assert "advice_not_followed_reasons" in refused.value.message_dict


# --- the gate ------------------------------------------------------------------------------------------


def test_an_access_request_is_not_approved_until_its_dpia_is_signed(health, iam, deputy, dpo):
    request = submitted(health, "health_condition")

    def approve():
        return access_service.decide_as_iam(request, by=iam, decision="approve", reason="Needed", token=code(iam))

    with pytest.raises(ValidationError) as refused:
        approve()
    assert "DPIA screening" in " ".join(refused.value.messages)
    dpia = write_and_advise(dpia_of(request), author=iam, dpo=dpo)
    with pytest.raises(ValidationError) as refused:
        approve()
    assert "A DPIA is needed before this can be approved" in " ".join(refused.value.messages)
    sign_both(dpia, iam, deputy)
    approve()
    request.refresh_from_db()
    assert request.iam_decision == AccessRequest.Decision.APPROVE


def test_a_high_residual_risk_waits_for_the_icos_answer(health, iam, deputy, dpo):
    request = submitted(health, "health_condition")
    dpia = write_and_advise(dpia_of(request), author=iam, dpo=dpo, residual=RiskLevel.HIGH)
    sign_both(dpia, iam, deputy)
    assert "prior consultation" in " ".join(approval_problems(request))
    started = TODAY - datetime.timedelta(days=10)
    dpia = service.record_consultation(dpia, by=dpo, started_on=started, extended=True, response_on=None, outcome="")
    assert dpia.consultation_due_on == started + datetime.timedelta(weeks=14)
    service.record_consultation(dpia, by=dpo, started_on=started, extended=True, response_on=TODAY, outcome="proceed")
    assert approval_problems(request) == []


def test_a_contract_is_not_approved_until_its_dpia_is_signed(health, iam, deputy, dpo):
    from governance.contracts.models import AssuranceCheck

    manager = UserFactory(username="cm")
    from django.contrib.auth.models import Group

    from governance.core import roles

    manager.groups.add(Group.objects.get(name=roles.CONTRACT_MANAGERS))
    contract = _contract_with(health, manager, "health_condition")
    states.transition(contract, ResearchContract.Status.UNDER_ASSURANCE, by=manager)
    contract.refresh_from_db()
    dpia = dpia_of(contract)
    assert dpia is not None and dpia.iam == iam
    assert any("DPIA screening" in problem for problem in states.unmet_for(contract, "approved"))
    write_and_advise(dpia, author=iam, dpo=dpo)
    assert any("A DPIA is needed" in problem for problem in states.unmet_for(contract, "approved"))
    sign_both(dpia, iam, deputy)
    assert not any("DPIA" in problem for problem in states.unmet_for(contract, "approved"))
    assert AssuranceCheck.objects.filter(contract=contract).exists()


# --- reminders -------------------------------------------------------------------------------------


def test_review_reminders_are_sent_once(health, iam, deputy, dpo):
    dpia = sign_both(write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo), iam, deputy)
    assert dpia.review_date is not None
    day = dpia.review_date + datetime.timedelta(days=1)
    first = service.send_review_reminders(today=day)
    again = service.send_review_reminders(today=day)
    assert (first.reminded, first.escalated) == (2, 1)
    assert (again.reminded, again.escalated) == (0, 0)


def test_special_category_data_added_under_assurance_is_screened(health, iam):
    from django.contrib.auth.models import Group

    from governance.core import roles

    manager = UserFactory(username="cm")
    manager.groups.add(Group.objects.get(name=roles.CONTRACT_MANAGERS))
    contract = _contract_with(health, manager, "claim_count")
    states.transition(contract, ResearchContract.Status.UNDER_ASSURANCE, by=manager)
    assert dpia_of(contract) is None
    row = contract.contract_assets.get()
    chosen = {item.pk: "Needed" for item in health.items.all()}
    contract_records.set_items(row, by=manager, chosen=chosen)
    assert dpia_of(contract).special_category


# --- reviews ---------------------------------------------------------------------------------------


def _signed(health, iam, deputy, dpo) -> DPIA:
    return sign_both(write_and_advise(dpia_of(submitted(health, "health_condition")), author=iam, dpo=dpo), iam, deputy)


def test_a_review_that_finds_the_dpia_still_holds_sets_the_next_and_ends_the_reminders(
    health, iam, deputy, dpo, settings
):
    dpia = _signed(health, iam, deputy, dpo)
    due = dpia.review_date
    assert due is not None
    assert service.send_review_reminders(today=due).reminded == 2
    reviewed = service.record_review(dpia, by=iam, outcome=service.STILL_ACCURATE, notes="  Nothing has changed. ")
    today = datetime.date.today()
    assert reviewed.state == DPIA.State.SIGNED and reviewed.review_notes == "Nothing has changed."
    assert (reviewed.last_reviewed_on, reviewed.last_reviewed_by) == (today, iam)
    assert reviewed.review_date is not None and reviewed.review_date > today
    assert service.send_review_reminders(today=today).reminded == 0  # the review that was due is done


def test_a_review_that_finds_changes_sends_it_back_to_be_advised_on_and_signed_again(health, iam, deputy, dpo):
    dpia = _signed(health, iam, deputy, dpo)
    revised = service.record_review(dpia, by=dpo, outcome=service.REVISE, notes="A new data source was added.")
    assert revised.state == DPIA.State.IN_ASSESSMENT and revised.review_date is None
    assert (revised.iam_signed_by, revised.deputy_signed_by, revised.dpo_advice_at) == (None, None, None)
    assert set(
        Notification.objects.filter(dedupe_key__startswith="dpia-revise:").values_list("recipient", flat=True)
    ) == {iam.pk, dpo.pk, deputy.pk}
    # The old signatures are gone from the record, not from its audit trail.
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DPIA), object_pk=str(dpia.pk)
    ).latest("pk")
    assert str(entry.changes["iam_signed_by"][0]) == str(iam.pk) and entry.changes["state"][1] == "in_assessment"
    # It goes round again: advice, then two signatures.
    service.save_assessment(
        revised,
        by=iam,
        description="Tables of health conditions, now with the new source",
        necessity="Needed for the statistics; the least data",
        residual_risk=RiskLevel.LOW,
        submit=True,
    )
    service.advise(revised, by=dpo, advice="Still fine with the measures")
    assert sign_both(revised, iam, deputy).state == DPIA.State.SIGNED


def test_a_review_is_for_signed_dpias_only_and_says_every_problem_at_once(health, iam, deputy, dpo):
    dpia = dpia_of(submitted(health, "health_condition"))
    with pytest.raises(ValidationError) as raised:
        service.record_review(dpia, by=iam, outcome="", notes=" ")
    assert set(raised.value.message_dict) == {"__all__", "outcome", "notes"}
    signed = _signed(health, iam, deputy, dpo)
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        service.record_review(signed, by=outsider, outcome=service.STILL_ACCURATE, notes="Looks fine")
    signed.refresh_from_db()
    assert signed.last_reviewed_on is None
