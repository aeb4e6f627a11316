"""Rounds and returns: prepared from live records in constant queries, signed with a fresh code, locked
by a digest, corrected as new versions, decided by the area's Deputy SIRO, reminded and escalated."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.assurance import returns
from governance.assurance.facts import compute_facts
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.reminders import send_return_reminders
from governance.assurance.risks import record_risk
from governance.assurance.tasks import send_assurance_reminders
from governance.assurance.todo import items_for as tasks_for
from governance.contracts.models import ContractAsset
from governance.core.models import Notification
from tests.assurance.conftest import ANSWERS, open_round
from tests.conftest import fresh_code
from tests.factories import DataItemFactory, UserFactory, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def code_for(user):
    return fresh_code(TOTPDevice.objects.get(user=user))


def sign(ret, user, **overrides):
    return returns.sign_return(ret, by=user, code=code_for(user), **{**ANSWERS, **overrides})


def test_only_the_siro_opens_a_round(iam, deputy_siro, auditor, asset):
    for user in (iam, deputy_siro, auditor):
        with pytest.raises(PermissionDenied):
            open_round(user)
    assert not AssuranceRound.objects.exists()


def test_opening_a_round_prepares_one_return_per_iam_from_live_records(round_, iam, other_iam, asset):
    assert round_.state == AssuranceRound.State.OPEN
    assert (round_.prepared, round_.iam_total) == (2, 2)
    mine = AssuranceReturn.objects.get(round=round_, iam=iam)
    assert mine.business_area == asset.business_area
    assert [a["name"] for a in mine.facts["assets"]] == ["Claimant counts"]
    # Preparing again (a retried task) creates nothing new.
    returns.prepare_round(round_.pk)
    assert AssuranceReturn.objects.filter(round=round_).count() == 2


def test_a_second_round_for_the_same_period_is_refused(round_, siro):
    with pytest.raises(ValidationError):
        open_round(siro)


def _populate(iam, area, n):
    for i in range(n):
        asset = make_asset(manager=iam, business_area=area, name=f"Asset {iam.pk}-{i}")
        DataItemFactory(asset=asset, name=f"item{i}", sensitivity="non_personal")
        make_grant(UserFactory(business_area=area), asset)
        record_risk(
            asset,
            by=iam,
            description=f"Risk {i}",
            likelihood=2,
            impact=3,
            owner=iam,
            treatment="t",
            target_date=TODAY,
            review_date=TODAY - datetime.timedelta(days=1),
        )
        ContractAsset.objects.create(contract=make_contract(reference=f"RES-{iam.pk}-{i}"), asset=asset)


def test_facts_take_the_same_number_of_queries_at_two_sizes(siro, area, deputy_siro):
    small, large = UserFactory(business_area=area), UserFactory(business_area=area)
    _populate(small, area, 1)
    _populate(large, area, 6)
    round_ = AssuranceRound.objects.create(
        period="p", period_start=TODAY - datetime.timedelta(days=30), period_end=TODAY, due_date=TODAY, opened_by=siro
    )
    counts = []
    for iam in (small, large):
        with CaptureQueriesContext(connection) as queries:
            facts = compute_facts(iam, round_)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10
    assert facts["summary"]["assets"] == 6 and facts["summary"]["grants"] == 6
    assert facts["summary"]["risk_reviews_overdue"] == 6
    assert facts["summary"]["recertification_not_yet_due"] == 6  # granted since no review began


def test_signing_needs_every_answer_and_a_fresh_code(my_return, iam):
    with pytest.raises(ValidationError) as missing:
        returns.sign_return(my_return, by=iam, code=code_for(iam), **{**ANSWERS, "risks_managed": None})
    assert "risks_managed" in missing.value.error_dict
    with pytest.raises(ValidationError) as wrong:
        returns.sign_return(my_return, by=iam, code="000000", **ANSWERS)
    assert "otp_token" in wrong.value.error_dict
    my_return.refresh_from_db()
    assert my_return.state == "draft" and not my_return.digest


def test_only_the_iam_signs_their_return(my_return, other_iam, deputy_siro, siro):
    for user in (other_iam, deputy_siro, siro):
        with pytest.raises(PermissionDenied):
            returns.sign_return(my_return, by=user, code="123456", **ANSWERS)


def test_a_signed_return_is_locked_by_its_digest_from_every_path(my_return, iam):
    signed = sign(my_return, iam)
    assert signed.state == "signed" and len(signed.digest) == 64 and returns.verify_digest(signed)
    # The service refuses, and so does the model itself (admin, shell, any code path).
    with pytest.raises(PermissionDenied):
        returns.save_answers(signed, by=iam, comments="changed")
    tampered = AssuranceReturn.objects.get(pk=signed.pk)
    tampered.facts = {**tampered.facts, "summary": {}}
    with pytest.raises(ValidationError):
        tampered.save()
    tampered = AssuranceReturn.objects.get(pk=signed.pk)
    tampered.comments = "rewritten"
    with pytest.raises(ValidationError):
        tampered.save()
    with pytest.raises(ValidationError):
        AssuranceReturn.objects.get(pk=signed.pk).delete()
    assert AssuranceReturn.objects.get(pk=signed.pk).comments == "All in order."


def test_a_correction_is_a_new_version_and_the_signed_one_is_kept(my_return, iam):
    signed = sign(my_return, iam)
    correction = returns.start_correction(signed, by=iam)
    signed.refresh_from_db()
    assert (signed.state, signed.digest != "") == ("superseded", True) and returns.verify_digest(signed)
    assert (correction.version, correction.state, correction.comments) == (2, "draft", "All in order.")
    sign(correction, iam, comments="Corrected")
    assert AssuranceReturn.objects.filter(round=my_return.round, iam=iam).count() == 2


def test_the_area_deputy_accepts_and_nobody_else(my_return, iam, deputy_siro, other_deputy_siro, siro):
    with pytest.raises(PermissionDenied):
        returns.accept_return(my_return, by=deputy_siro)  # not signed yet
    signed = sign(my_return, iam)
    for user in (other_deputy_siro, siro, iam):
        with pytest.raises(PermissionDenied):
            returns.accept_return(signed, by=user)
    accepted = returns.accept_return(signed, by=deputy_siro)
    assert (accepted.state, accepted.decided_by) == ("accepted", deputy_siro)
    assert returns.verify_digest(AssuranceReturn.objects.get(pk=signed.pk))


def test_sending_back_needs_a_reason_and_the_iam_corrects(my_return, iam, deputy_siro):
    signed = sign(my_return, iam)
    with pytest.raises(ValidationError):
        returns.send_back_return(signed, by=deputy_siro, reason=" ")
    sent = returns.send_back_return(signed, by=deputy_siro, reason="Access list is out of date")
    assert sent.state == "sent_back" and sent.sent_back_reason == "Access list is out of date"
    assert returns.start_correction(sent, by=iam).version == 2


def test_reminders_before_the_due_date_and_escalation_after_it_are_sent_once(round_, my_return, iam, deputy_siro):
    due = round_.due_date
    run = send_return_reminders(due - datetime.timedelta(days=10))
    assert run.reminded == 2 and send_return_reminders(due - datetime.timedelta(days=9)).reminded == 0
    assert send_return_reminders(due - datetime.timedelta(days=2)).reminded == 2  # the next step
    sign(my_return, iam)
    late = send_return_reminders(due + datetime.timedelta(days=1))
    assert late.escalated == 1  # only the other area's unsigned return
    assert send_return_reminders(due + datetime.timedelta(days=2)).escalated == 0
    assert not Notification.objects.filter(recipient=deputy_siro).exists()


def test_home_tasks_count_returns_to_sign_and_to_accept(my_return, iam, deputy_siro):
    assert [(t.label, t.count) for t in tasks_for(iam)] == [("Sign 1 assurance return", 1)]
    assert tasks_for(deputy_siro) == []
    sign(my_return, iam)
    assert tasks_for(iam) == []
    assert [(t.label, t.count) for t in tasks_for(deputy_siro)] == [("Accept or send back 1 assurance return", 1)]


def test_the_daily_task_runs_as_the_system_account_and_reports(round_, my_return):
    result = send_assurance_reminders()
    assert set(result) == {"returns_reminded", "returns_escalated", "risks_reminded", "risks_escalated"}
