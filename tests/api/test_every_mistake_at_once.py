"""The API token form reports every mistake on the first response: nothing in stages, nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.core.models import ApiToken
from tests.conftest import fresh_code
from tests.every_mistake import wrong_code

pytestmark = pytest.mark.django_db


def _post(client, *, code: str, expires: datetime.date, ips: str = "10.0.0.0/8", description: str = "Nightly sync"):
    return client.post(
        reverse("two_factor:api_token_create"),
        {
            "description": description,
            "expires_on_day": expires.day,
            "expires_on_month": expires.month,
            "expires_on_year": expires.year,
            "allowed_ips": ips,
            "code": code,
        },
    )


def test_a_long_expiry_a_made_up_range_a_wrong_code_and_no_description_are_all_reported(staff, verified_client):
    client = verified_client(staff)
    too_late = timezone.localdate() + datetime.timedelta(days=400)
    response = _post(
        client,
        code=wrong_code(staff.totpdevice_set.get()),
        expires=too_late,
        ips="192.0.2.0/24\n10.300.0.0/99",
        description="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter what the token is for" in page
    assert "A token can last at most" in page
    assert "10.300.0.0/99" in page and "192.0.2.0/24: “10.300.0.0/99” is neither" in page
    assert "Enter a new code from your authenticator app" in page
    assert page.count("govuk-error-summary__list") == 1
    assert not ApiToken.objects.exists()


def test_a_right_code_sent_with_other_mistakes_is_kept_for_the_next_submit(staff, verified_client):
    client = verified_client(staff)
    code = fresh_code(staff.totpdevice_set.get())
    bad = _post(client, code=code, expires=timezone.localdate() + datetime.timedelta(days=400))
    assert bad.status_code == 200 and "Enter a new code from your authenticator app" not in bad.content.decode()
    good = _post(client, code=code, expires=timezone.localdate() + datetime.timedelta(days=30))
    assert good.status_code == 200 and ApiToken.objects.filter(user=staff).count() == 1


def test_the_expiry_is_asked_for_in_govuk_words(staff, verified_client):
    page = verified_client(staff).post(reverse("two_factor:api_token_create"), {}).content.decode()
    assert "Enter the date the token expires" in page and "Enter token expires on" not in page
