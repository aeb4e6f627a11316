"""A returned request is changed on "Change your request", with the decider's words on top, and sent only from there.

Sending it back unchanged is refused: the decider would only return it again.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from governance.access import requests as service
from governance.access.models import AccessRequest
from tests.access.test_access import TODAY, form_data, items, submit

R = AccessRequest.State
WORDS = "Say which quarter you need and why benefit type is needed"


@pytest.fixture
def returned(staff, asset, iam):
    req = submit(staff, asset, ["claim_count"], end=TODAY + datetime.timedelta(days=90))
    return service.return_for_changes(req, by=iam, reason=WORDS)


def test_the_change_page_is_titled_change_your_request_with_the_deciders_words_on_top(verified_client, staff, returned):
    page = verified_client(staff).get(f"/access/requests/{returned.pk}/edit/").content.decode()
    assert "<title>Change your request" in page or "Change your request for" in page
    assert ">Change your request</h1>" in page.replace("\n", "")
    assert "Ask for access</h1>" not in page
    banner = page.index("govuk-notification-banner")
    assert banner < page.index("<h1") and WORDS in page[banner : page.index("<h1")]
    assert "Send the changed request" in page


def test_the_request_page_offers_only_change_for_a_returned_request(verified_client, staff, returned):
    page = verified_client(staff).get(f"/access/requests/{returned.pk}/").content.decode()
    assert "Change your request" in page
    assert f"/access/requests/{returned.pk}/submit/" not in page and "Submit request" not in page


def test_submitting_a_returned_request_from_the_request_page_is_refused(verified_client, staff, returned):
    response = verified_client(staff).post(f"/access/requests/{returned.pk}/submit/")
    assert response.status_code == 302 and response["Location"].endswith(f"/access/requests/{returned.pk}/edit/")
    returned.refresh_from_db()
    assert returned.state == R.RETURNED


def test_sending_it_back_unchanged_is_refused_and_a_change_lets_it_go(verified_client, staff, asset, returned):
    client = verified_client(staff)
    url = f"/access/requests/{returned.pk}/edit/"
    unchanged = form_data(
        asset, {"claim_count": "needed"}, end=returned.requested_end_date, business_case="Quarterly publication"
    )
    response = client.post(url, unchanged)
    assert response.status_code == 200
    assert "Change your request as the decider asked before you send it again" in response.content.decode()
    returned.refresh_from_db()
    assert returned.state == R.RETURNED
    changed = {**unchanged, "business_case": "Quarterly publication: Q3 only, by benefit type"}
    assert client.post(url, changed).status_code == 302
    returned.refresh_from_db()
    assert returned.state == R.SUBMITTED


def test_the_service_refuses_an_unchanged_resubmission_whoever_calls_it(staff, asset, returned):
    with pytest.raises(ValidationError):
        service.save_request(
            requester=staff,
            asset=asset,
            purpose=returned.purpose,
            business_case=returned.business_case,
            requested_end_date=returned.requested_end_date,
            items={item: "needed" for item in items(asset, "claim_count")},
            submit=True,
            request=returned,
        )
    assert AccessRequest.objects.get(pk=returned.pk).state == R.RETURNED
