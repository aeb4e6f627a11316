"""An IAM's decision on special category data is a high-risk step: fresh verification, key first."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from governance.access import requests as service
from governance.access.models import AccessRequest
from governance.core.models import SecurityEvent
from governance.register.models import DataItem
from tests.conftest import fresh_code
from tests.factories import (
    DataItemFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_data_protection_course,
    make_signoff,
)

S = DataItem.Sensitivity
TODAY = datetime.date.today()


@pytest.fixture
def iam(area):
    user = UserFactory(username="iam", business_area=area)
    TOTPDeviceFactory(user=user)
    return user


def submitted(asset, *names) -> AccessRequest:
    requester = UserFactory(business_area=asset.business_area, is_data_handler=True)
    make_signoff(requester, make_data_protection_course())
    return service.save_request(
        requester=requester,
        asset=asset,
        purpose="Health and work statistics",
        business_case="The published tables need it.",
        requested_end_date=TODAY + datetime.timedelta(days=60),
        items={item: "Needed" for item in asset.items.filter(name__in=names)},
        submit=True,
    )


@pytest.fixture
def health(area, iam, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name="Health assessments", identifiability="pseudonymised")
    DataItemFactory(asset=asset, name="claim_count", sensitivity=S.NON_PERSONAL)
    DataItemFactory(asset=asset, name="health_condition", sensitivity=S.SPECIAL_CATEGORY)
    return asset


def decide(client, req, **extra):
    return client.post(f"/access/requests/{req.pk}/decide/", {"decision": "reject", "reason": "Not needed", **extra})


def test_a_decision_on_special_category_data_needs_a_fresh_code(verified_client, iam, health):
    req = submitted(health, "health_condition")
    client = verified_client(iam)
    page = client.get(f"/access/requests/{req.pk}/").content.decode()
    assert "Code from your authenticator app" in page
    response = decide(client, req)
    assert "Enter a new code from your authenticator app" in response.content.decode()
    req.refresh_from_db()
    assert not req.iam_decision
    response = decide(client, req, otp_token=fresh_code(TOTPDevice.objects.get(user=iam)))
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.iam_decision == AccessRequest.Decision.REJECT


def test_an_iam_with_a_key_cannot_decide_with_a_code_instead(verified_client, iam, health):
    WebAuthnCredential.objects.create(user=iam, name="Key", credential_id=b"k", public_key=b"p", confirmed=True)
    req = submitted(health, "health_condition")
    client = verified_client(iam)
    page = client.get(f"/access/requests/{req.pk}/").content.decode()
    assert "Confirm with your security key" in page and "security-key-options" in page
    response = decide(client, req, otp_token=fresh_code(TOTPDevice.objects.get(user=iam)), key_assertion="")
    assert "Your security key was not accepted" in response.content.decode()
    req.refresh_from_db()
    assert not req.iam_decision
    assert SecurityEvent.objects.filter(user=iam, kind=SecurityEvent.Kind.KEY_FAILED).count() == 1
    with pytest.raises(ValidationError):
        service.decide_as_iam(req, by=iam, decision="reject", reason="No")


def test_other_decisions_ask_for_nothing_more(verified_client, iam, health):
    req = submitted(health, "claim_count")
    assert not health.special_category
    client = verified_client(iam)
    assert "Code from your authenticator app" not in client.get(f"/access/requests/{req.pk}/").content.decode()
    assert decide(client, req).status_code == 302
