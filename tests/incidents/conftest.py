"""Incident fixtures: a handler, a reporter and a reported incident (the IAM and assets come from tests/conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from governance.core import roles
from governance.incidents import records
from governance.incidents.models import Incident
from tests.factories import UserFactory


def report(by, *, assets=(), minutes_ago: int = 30, **fields) -> Incident:
    """Report an incident through the service, as the form would."""
    values = {
        "title": "Extract emailed to the wrong team",
        "description": "A claimant extract was sent to the wrong distribution list.",
        "kind": Incident.Kind.WRONG_RECIPIENT,
        "found_at": timezone.now() - datetime.timedelta(minutes=minutes_ago),
        "personal_data": True,
        "people_affected": 120,
        "assets": list(assets),
    }
    values.update(fields)
    return records.report_incident(by=by, **values)


def triage(incident, by, risk_level=Incident.Risk.RISK):
    return records.triage(
        incident, by=by, severity=Incident.Severity.HIGH, risk_level=risk_level, risk_assessment="Names and NINOs seen"
    )


@pytest.fixture
def handler(area):
    return UserFactory(username="handler", business_area=area, groups=[roles.INCIDENT_HANDLERS])


@pytest.fixture
def reporter(area):
    return UserFactory(username="reporter", business_area=area, first_name="Rae")


@pytest.fixture
def incident(reporter, asset):
    return report(reporter, assets=[asset])
