"""Returning a request for changes, the requester's resubmission, and the request's timeline in working days."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.access import requests as service
from governance.access import timeline
from governance.access.models import AccessRequest
from governance.core.working_days import working_days_between
from tests.access.test_access import form_data, submit
from tests.factories import UserFactory

R = AccessRequest.State


def return_via_web(client, req, reason="Say which quarter you need"):
    return client.post(f"/access/requests/{req.pk}/decide/", {"decision": "return", "reason": reason})


def test_iam_returns_a_request_and_the_requester_changes_and_resubmits(
    verified_client, client, staff, asset, iam, django_capture_on_commit_callbacks
):
    req = submit(staff, asset, ["claim_count"])
    with django_capture_on_commit_callbacks(execute=True):
        response = return_via_web(verified_client(iam), req)
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == R.RETURNED and not req.iam_decision
    assert mail.outbox[-1].to == [staff.email] and "needs changes" in mail.outbox[-1].subject
    client.logout()
    requester = verified_client(staff)
    page = requester.get(f"/access/requests/{req.pk}/").content.decode()
    assert "Returned for changes" in page and "Say which quarter you need" in page
    assert requester.get(f"/access/requests/{req.pk}/edit/").status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = requester.post(
            f"/access/requests/{req.pk}/edit/",
            form_data(asset, {"claim_count": "Quarterly totals for Q3", "benefit_type": "By benefit"}),
        )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == R.SUBMITTED and req.items.count() == 2
    assert [m.to for m in mail.outbox] == [[iam.email]]  # the IAM is told again, in the new round
    assert list(req.changes.values_list("from_state", "to_state")) == [
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
    ]


def test_returning_needs_a_reason_and_the_decider_at_the_current_step(staff, asset, iam, deputy_siro):
    req = submit(staff, asset, ["claim_count"])
    with pytest.raises(ValidationError) as caught:
        service.return_for_changes(req, by=iam, reason="  ")
    assert caught.value.message_dict == {"reason": ["Enter what the requester needs to change"]}
    for outsider in (staff, deputy_siro, UserFactory()):  # the requester, the wrong step's decider, anyone
        with pytest.raises(PermissionDenied):
            service.return_for_changes(req, by=outsider, reason="Change it")
    assert AccessRequest.objects.get(pk=req.pk).state == R.SUBMITTED


def test_deputy_siro_returns_after_the_iam_approved_and_the_approval_is_cleared(
    handler, identifiable, iam, deputy_siro
):
    req = submit(handler, identifiable, ["claim_count", "nino"])
    service.decide_as_iam(req, by=iam, decision="approve", reason="Fine")
    with pytest.raises(PermissionDenied):  # now the IAM's step is over
        service.return_for_changes(req, by=iam, reason="Change")
    service.decide_as_deputy(req, by=deputy_siro, decision="return", reason="Do you need names?")
    req.refresh_from_db()
    assert req.state == R.RETURNED
    assert (req.iam_decision, req.iam_decided_by, req.approved_end_date) == ("", None, None)
    assert set(req.items.values_list("granted", flat=True)) == {None}


def test_only_the_requester_edits_a_returned_request_and_nobody_edits_a_submitted_one(
    verified_client, client, staff, asset, iam
):
    req = submit(staff, asset, ["claim_count"])
    assert verified_client(staff).get(f"/access/requests/{req.pk}/edit/").status_code == 403  # submitted
    service.return_for_changes(req, by=iam, reason="Change")
    client.logout()
    assert verified_client(iam).get(f"/access/requests/{req.pk}/edit/").status_code == 403  # not the requester
    with pytest.raises(PermissionDenied):
        service.save_request(
            requester=iam,
            asset=asset,
            purpose="x",
            business_case="y",
            requested_end_date=req.requested_end_date,
            items={},
            submit=False,
            request=req,
        )


def test_a_returned_request_cannot_be_decided_until_resubmitted(staff, asset, iam):
    req = submit(staff, asset, ["claim_count"])
    service.return_for_changes(req, by=iam, reason="Change")
    with pytest.raises(ValidationError):
        service.decide_as_iam(req, by=iam, decision="approve", reason="ok")
    with pytest.raises(ValidationError):
        service.return_for_changes(req, by=iam, reason="Again")
    service.withdraw(req, by=staff)
    assert AccessRequest.objects.get(pk=req.pk).state == R.WITHDRAWN


def test_working_days_skip_weekends_and_england_and_wales_bank_holidays():
    friday, tuesday = datetime.date(2026, 12, 18), datetime.date(2026, 12, 29)
    # Mon 21, Tue 22, Wed 23, Thu 24 are working; 25 and 28 (Boxing Day substitute) are bank holidays.
    assert working_days_between(friday, tuesday) == 5
    assert working_days_between(datetime.date(2026, 4, 2), datetime.date(2026, 4, 7)) == 1  # Easter
    assert working_days_between(tuesday, tuesday) == 0


def test_the_timeline_shows_each_step_who_ended_it_its_working_days_and_target(
    verified_client, staff, asset, iam, settings
):
    settings.ACCESS_STEP_TARGET_DAYS = {"iam": 2, "deputy": 5, "changes": 10}
    with time_machine.travel(datetime.datetime(2026, 12, 18, 10, 0, tzinfo=datetime.UTC), tick=False):
        req = submit(staff, asset, ["claim_count"])  # Friday 18 December
    with time_machine.travel(datetime.datetime(2026, 12, 29, 10, 0, tzinfo=datetime.UTC), tick=False):
        service.return_for_changes(req, by=iam, reason="Which quarter?")  # Tuesday 29th, after Christmas
    steps = timeline.timeline(req, now=timezone.make_aware(datetime.datetime(2026, 12, 30, 9, 0)))
    assert [(s.kind, s.by, s.working_days) for s in steps] == [
        ("draft", staff, 0),
        ("iam", iam, 5),
        ("changes", None, 1),
    ]
    assert steps[1].target == 2 and steps[1].over_target
    assert steps[2].in_progress and steps[2].target == 10 and not steps[2].over_target
    page = verified_client(staff).get(f"/access/requests/{req.pk}/").content.decode()
    assert "Information Asset Manager&#x27;s decision" in page and "Requester&#x27;s changes" in page
    assert "Over target" in page and "Which quarter?" in page


def test_a_step_over_its_target_is_flagged(staff, asset, iam, settings):
    settings.ACCESS_STEP_TARGET_DAYS = {"iam": 1, "deputy": 5, "changes": 10}
    req = submit(staff, asset, ["claim_count"])
    later = timezone.now() + datetime.timedelta(days=14)
    steps = timeline.timeline(req, now=later)
    waiting = steps[-1]
    assert waiting.kind == "iam" and waiting.in_progress
    assert waiting.working_days >= 8 and waiting.over_target
