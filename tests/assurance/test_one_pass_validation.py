"""Opening an assurance round reports its date rules together with the missing period, on the first submit."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from governance.assurance.models import AssuranceRound

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _date(name: str, day: datetime.date) -> dict[str, int]:
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def test_dates_out_of_order_and_a_past_due_date_are_reported_with_the_missing_period(verified_client, siro):
    response = verified_client(siro).post(
        reverse("assurance:round-open"),
        {
            "period": "",
            **_date("period_start", TODAY),
            **_date("period_end", TODAY - datetime.timedelta(days=30)),
            **_date("due_date", TODAY - datetime.timedelta(days=1)),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the period the round covers" in page
    assert "The end of the period must be on or after its start" in page
    assert "The date returns are due must be today or in the future" in page
    assert not AssuranceRound.objects.exists()
