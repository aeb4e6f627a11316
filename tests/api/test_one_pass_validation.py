"""The token form reports its expiry rule together with the missing description, on the first submit."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.core.models import ApiToken
from tests.conftest import fresh_code

pytestmark = pytest.mark.django_db


def test_an_expiry_past_the_longest_lifetime_is_reported_with_the_missing_description(staff, verified_client):
    client = verified_client(staff)
    too_late = timezone.localdate() + datetime.timedelta(days=400)
    response = client.post(
        reverse("two_factor:api_token_create"),
        {
            "description": "",
            "expires_on_day": too_late.day,
            "expires_on_month": too_late.month,
            "expires_on_year": too_late.year,
            "code": fresh_code(staff.totpdevice_set.get()),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter what the token is for" in page
    assert "A token can last at most" in page
    assert not ApiToken.objects.exists()
