"""Assurance fixtures: an open round (the IAM, asset and other area come from tests/conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from governance.assurance import returns
from governance.assurance.models import AssuranceReturn


def open_round(siro, period="2026 to 2027"):
    today = timezone.localdate()
    return returns.open_round(
        by=siro,
        period=period,
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        due_date=today + datetime.timedelta(days=30),
    )


@pytest.fixture
def round_(siro, asset, other_asset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = open_round(siro)
    created.refresh_from_db()
    return created


@pytest.fixture
def my_return(round_, iam) -> AssuranceReturn:
    return AssuranceReturn.objects.get(round=round_, iam=iam)


@pytest.fixture
def other_return(round_, other_iam) -> AssuranceReturn:
    return AssuranceReturn.objects.get(round=round_, iam=other_iam)


ANSWERS = {
    "register_accurate": True,
    "changes": "",
    "incidents_reported": True,
    "risks_managed": True,
    "access_still_needed": True,
    "comments": "All in order.",
}
