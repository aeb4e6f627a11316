"""Access decision forms: every problem on the first submit, each message naming its field, lengths limited."""

from __future__ import annotations

import datetime

from governance.access import requests as service
from governance.access import status as access_status
from governance.access.models import AccessRequest
from tests.access.test_access import form_data, submit

TODAY = datetime.date.today()


def test_an_end_date_later_than_asked_is_reported_with_the_missing_reason(verified_client, staff, asset, iam):
    req = submit(staff, asset, ["claim_count"], end=TODAY + datetime.timedelta(days=30))
    later = TODAY + datetime.timedelta(days=60)
    response = verified_client(iam).post(
        f"/access/requests/{req.pk}/decide/",
        {
            "decision": "approve",
            "granted_items": [asset.items.get(name="claim_count").pk],
            "end_date_day": later.day,
            "end_date_month": later.month,
            "end_date_year": later.year,
        },
    )
    page = response.content.decode()
    assert "Access cannot run longer than was asked for" in page
    assert "Enter reason for your decision" in page
    assert AccessRequest.objects.get(pk=req.pk).state == "submitted"


def test_required_messages_name_their_field_and_long_text_is_refused_with_a_message(
    verified_client, handler, identifiable, iam, deputy_siro, settings
):
    settings.FORM_TEXT_MAX_LENGTH = 50
    req = submit(handler, identifiable, ["nino"])
    service.decide_as_iam(req, by=iam, decision="approve", reason="Sound")
    client = verified_client(deputy_siro)
    page = client.post(f"/access/requests/{req.pk}/approve/", {}).content.decode()
    assert "Select your decision as Deputy SIRO" in page and "Enter reason for your decision" in page
    assert "This field is required" not in page
    page = client.post(f"/access/requests/{req.pk}/approve/", {"decision": "approve", "reason": "x" * 51}).content
    assert "Reason for your decision must be 50 characters or fewer" in page.decode()
    assert AccessRequest.objects.get(pk=req.pk).state == "submitted"


def test_an_end_date_past_the_longest_period_is_reported_with_the_missing_business_case(verified_client, staff, asset):
    too_late = access_status.latest_end_date() + datetime.timedelta(days=1)
    response = verified_client(staff).post(
        f"/access/ask/{asset.pk}/", form_data(asset, {"claim_count": "For the totals"}, end=too_late, business_case="")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter business case" in page
    assert "months at most: the latest end date is" in page
    assert not AccessRequest.objects.exists()
