"""Administrators create the identity provider's SCIM provisioning token on a page: shown once, audited."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.core.models import ApiToken, AuditEntry, SecurityEvent
from tests.conftest import fresh_code
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/security/scim-tokens/new/"


def form(device, **extra) -> dict:
    expires = timezone.localdate() + datetime.timedelta(days=90)
    return {
        "description": "Entra ID provisioning",
        "expires_on_day": expires.day,
        "expires_on_month": expires.month,
        "expires_on_year": expires.year,
        "code": fresh_code(device),
        **extra,
    }


def test_an_administrator_creates_a_scim_token_shown_once_that_opens_scim_only(administrator, verified_client):
    device = TOTPDeviceFactory(user=administrator)
    client = verified_client(administrator)
    assert reverse("two_factor:scim_token_create") == URL
    assert URL in client.get(reverse("two_factor:profile")).content.decode()

    answer = client.post(URL, form(device, write_enabled=""))

    assert answer.status_code == 200
    token = ApiToken.objects.get(user=administrator)
    assert token.scim_enabled and token.write_enabled
    plaintext = answer.context["issued"].plaintext
    assert plaintext in answer.content.decode() and "SCIM provisioning only" in answer.content.decode()
    assert "no-store" in answer["Cache-Control"] or "no-cache" in answer["Cache-Control"]
    assert plaintext not in client.get(reverse("two_factor:profile")).content.decode()
    created = AuditEntry.objects.get(content_type__model="apitoken", action=AuditEntry.Action.CREATE)
    assert created.actor == administrator and token.key in str(created.changes)
    assert plaintext.split(".", 1)[1] not in str(created.changes)  # never the secret
    assert SecurityEvent.objects.filter(user=administrator, kind=SecurityEvent.Kind.API_TOKEN_CREATED).exists()

    provider = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert provider.get("/scim/v2/Users").status_code == 200
    assert provider.get("/api/training/status/").status_code in (401, 403)


def test_a_wrong_code_makes_no_token_and_every_problem_is_listed(administrator, verified_client):
    TOTPDeviceFactory(user=administrator)
    client = verified_client(administrator)

    answer = client.post(URL, {"description": "", "code": "000000"})

    page = answer.content.decode()
    assert answer.status_code == 200 and "govuk-error-summary" in page
    assert "Enter what the token is for" in page
    assert not ApiToken.objects.exists()


def test_anyone_but_an_administrator_is_refused(verified_client):
    staff = UserFactory(username="staff")
    TOTPDeviceFactory(user=staff)
    client = verified_client(staff)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"description": "x"}).status_code == 403
    assert "scim-tokens" not in client.get(reverse("two_factor:profile")).content.decode()
    assert not ApiToken.objects.exists()
