"""Adding a security key reports a missing name and an untouched key together, and adds no key."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

pytestmark = pytest.mark.django_db


def test_no_name_and_no_answer_from_the_key_are_reported_together(verified_client, staff):
    response = verified_client(staff).post(reverse("two_factor:key_add"), {"name": "", "key_registration": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a name for the key" in page
    assert "Insert or touch your security key and enter its PIN when your browser asks" in page
    assert not WebAuthnCredential.objects.exists()
