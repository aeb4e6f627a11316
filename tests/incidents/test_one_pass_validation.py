"""Incident forms report their save-time rules together with the missing fields, on the first submit."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.incidents import records
from governance.incidents.models import Incident, IncidentAction
from tests.incidents.conftest import triage
from tests.incidents.test_incident_pages import report_form

pytestmark = pytest.mark.django_db


def test_special_category_without_personal_data_is_reported_with_the_missing_summary(verified_client, reporter, asset):
    response = verified_client(reporter).post(
        reverse("incidents:report"), report_form(asset, title="", personal_data="False", special_category="True")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a short summary of what happened" in page
    assert "Special category data is personal data: say personal data is involved too" in page
    assert not Incident.objects.exists()


def test_a_past_due_date_is_reported_with_the_missing_action(verified_client, handler, incident):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = verified_client(handler).post(
        reverse("incidents:action-create", args=[incident.pk]),
        {
            "description": "",
            "owner": handler.username,
            "due_on_day": yesterday.day,
            "due_on_month": yesterday.month,
            "due_on_year": yesterday.year,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Describe the action" in page
    assert "The date the action is due must be today or later" in page
    assert not IncidentAction.objects.exists()


def test_not_reporting_a_risky_breach_is_reported_with_the_missing_reason(verified_client, handler, incident):
    triage(incident, handler, risk_level=Incident.Risk.RISK)
    response = verified_client(handler).post(
        reverse("incidents:ico", args=[incident.pk]), {"decision": Incident.IcoDecision.NOT_REPORT, "reason": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the reason for the decision" in page
    assert "must be reported to the ICO" in page
    assert Incident.objects.get(pk=incident.pk).ico_decision == ""


def test_an_untriaged_incident_is_reported_with_the_missing_reason(verified_client, handler, incident):
    response = verified_client(handler).post(
        reverse("incidents:subjects", args=[incident.pk]), {"decision": Incident.SubjectsDecision.TELL}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give the reason for the decision" in page
    assert "Triage the incident first" in page
    assert Incident.objects.get(pk=incident.pk).subjects_decision == ""


def test_what_stops_closing_is_reported_with_the_missing_lessons(verified_client, handler, incident):
    triage(incident, handler)
    records.add_action(incident, by=handler, description="Recall the email", owner=handler)
    response = verified_client(handler).post(reverse("incidents:close", args=[incident.pk]), {"lessons": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Record the lessons learned" in page
    assert "Action still open: Recall the email" in page
    assert "Record the decision on reporting to the ICO" in page
    assert Incident.objects.get(pk=incident.pk).state != Incident.State.CLOSED
