"""The incident report says every mistake at once, in GOV.UK words, and writes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.incidents.models import Incident
from tests.incidents.test_incident_pages import report_form

pytestmark = pytest.mark.django_db


def test_every_kind_of_mistake_is_reported_on_the_first_response(verified_client, reporter, asset):
    data = report_form(
        asset,
        title="",
        description="",
        found_on_day="31",
        found_on_month="2",
        found_time_hour="25",
        found_time_minute="",
        personal_data="False",
        special_category="True",
        people_affected="lots",
    )
    del data["kind"]
    response = verified_client(reporter).post(reverse("incidents:report"), data)
    page = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Enter a short summary of what happened",
        "Select what kind of incident it is",
        "Enter what happened",
        "The date it was found must be a real date",
        "The time must include the minutes",
        "Special category data is personal data",
        "Enter how many people are affected as a number",
    ):
        assert message in page, message
    assert "This field is required" not in page and "Ensure this value" not in page
    assert not Incident.objects.exists()
