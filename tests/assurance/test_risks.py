"""Information risks: recorded by the IAM or Deputy SIRO only, shown on the asset, reviews reminded and escalated."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from governance.assurance.models import InformationRisk
from governance.assurance.risks import record_risk, send_risk_review_reminders, update_risk
from governance.core.models import Notification

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def risk_fields(owner, **overrides):
    fields = {
        "description": "Extract copied to an unmanaged share",
        "likelihood": 3,
        "impact": 5,
        "owner": owner,
        "treatment": "Quarterly scan of shares",
        "target_date": TODAY + datetime.timedelta(days=60),
        "review_date": TODAY + datetime.timedelta(days=90),
        "status": InformationRisk.Status.OPEN,
    }
    fields.update(overrides)
    return fields


def form_data(owner, **overrides):
    target, review = TODAY + datetime.timedelta(days=60), TODAY + datetime.timedelta(days=90)
    data = {
        "description": "Extract copied to an unmanaged share",
        "likelihood": "4",
        "impact": "4",
        "owner": owner.username,
        "treatment": "Quarterly scan of shares",
        "target_date_day": target.day,
        "target_date_month": target.month,
        "target_date_year": target.year,
        "review_date_day": review.day,
        "review_date_month": review.month,
        "review_date_year": review.year,
        "status": "open",
    }
    data.update(overrides)
    return data


def test_iam_records_a_risk_and_the_asset_page_shows_it(verified_client, iam, asset):
    client = verified_client(iam)
    response = client.post(reverse("assurance:risk-create", args=[asset.pk]), form_data(iam))
    assert response.status_code == 302
    risk = InformationRisk.objects.get()
    assert (risk.asset, risk.rating, risk.band) == (asset, 16, "high")
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "Extract copied to an unmanaged share" in page and "Record a risk" in page


def test_bad_input_shows_the_error_summary_and_keeps_what_was_typed(verified_client, iam, asset):
    response = verified_client(iam).post(
        reverse("assurance:risk-create", args=[asset.pk]),
        form_data(iam, likelihood="", review_date_day="31", review_date_month="2"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Choose how likely the risk is" in page and "Extract copied to an unmanaged share" in page
    assert not InformationRisk.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "unverified", "staff", "other_deputy"])
def test_refused_to_record_a_risk(who, client, unverified_client, verified_client, staff, other_deputy_siro, asset):
    url = reverse("assurance:risk-create", args=[asset.pk])
    if who == "anonymous":
        response = client.post(url, form_data(staff))
        assert response.status_code == 302 and "login" in response["Location"]
    elif who == "unverified":
        response = unverified_client(staff).post(url, form_data(staff))
        assert response.status_code == 302
    else:
        user = staff if who == "staff" else other_deputy_siro
        assert verified_client(user).post(url, form_data(user)).status_code == 403
        assert verified_client(user).get(url).status_code == 403
    assert not InformationRisk.objects.exists()


def test_staff_do_not_see_an_assets_risks(verified_client, staff, iam, asset):
    record_risk(asset, by=iam, **risk_fields(iam))
    page = verified_client(staff).get(asset.get_absolute_url()).content.decode()
    assert "Information risks" not in page and "Extract copied" not in page


def test_deputy_siro_updates_a_risk_and_another_areas_cannot(
    verified_client, iam, asset, deputy_siro, other_deputy_siro
):
    risk = record_risk(asset, by=iam, **risk_fields(iam))
    with pytest.raises(PermissionDenied):
        update_risk(risk, by=other_deputy_siro, status="closed")
    assert verified_client(other_deputy_siro).get(risk.get_absolute_url()).status_code == 403
    update_risk(risk, by=deputy_siro, status=InformationRisk.Status.CLOSED)
    risk.refresh_from_db()
    assert risk.status == "closed"


def test_overdue_review_reminds_the_iam_and_escalates_to_the_deputy_once(iam, asset, deputy_siro):
    risk = record_risk(asset, by=iam, **risk_fields(iam, review_date=TODAY - datetime.timedelta(days=3)))
    first = send_risk_review_reminders()
    again = send_risk_review_reminders()
    assert (first.reminded, first.escalated) == (1, 1)
    assert (again.reminded, again.escalated) == (0, 0)
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"iam", "deputy"}
    assert "3 days overdue" in Notification.objects.get(recipient=deputy_siro).body
    update_risk(risk, by=iam, status=InformationRisk.Status.CLOSED)
    assert send_risk_review_reminders(TODAY + datetime.timedelta(days=10)).reminded == 0
