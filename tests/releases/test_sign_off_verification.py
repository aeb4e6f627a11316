"""Release sign-off asks a signer with a security key for the key, never for a code instead."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder, SecurityEvent
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow as service
from governance.releases.models import ReleaseSignOff
from tests.conftest import fresh_code
from tests.factories import TOTPDeviceFactory, UserFactory, make_asset

SAFE_CSV = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


@pytest.fixture
def ready_release(area):
    author = UserFactory(username="stat", business_area=area, groups=[roles.STATISTICIANS])
    release = service.create_release(
        by=author, title="Benefit statistics", planned_release_date=datetime.date.today() + datetime.timedelta(30)
    )
    source = service.add_source(release, by=author, asset=make_asset(business_area=area), extract_type="full")
    service.add_table(release, by=author, title="T", source=source, upload=SimpleUploadedFile("t.csv", SAFE_CSV))
    return release


@pytest.fixture
def chief(area):
    user = UserFactory(username="chief", business_area=area)
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, user, by=system_user())
    TOTPDeviceFactory(user=user)
    return user


def test_a_signer_with_a_key_cannot_sign_off_with_a_code(verified_client, ready_release, chief):
    WebAuthnCredential.objects.create(user=chief, name="Key", credential_id=b"k", public_key=b"p", confirmed=True)
    code = fresh_code(TOTPDevice.objects.get(user=chief))
    client = verified_client(chief)
    page = client.get(f"/releases/{ready_release.pk}/sign-off/").content.decode()
    assert "Confirm with your security key" in page and "Code from your authenticator app" not in page
    response = client.post(f"/releases/{ready_release.pk}/sign-off/", {"confirm": "on", "otp_token": code})
    assert "Your security key was not accepted" in response.content.decode()
    with pytest.raises(ValidationError):
        service.sign_off(ready_release, by=chief, token=code)
    assert not ReleaseSignOff.objects.exists()
    assert SecurityEvent.objects.filter(user=chief, kind=SecurityEvent.Kind.KEY_FAILED).count() == 2


def test_a_release_that_cannot_be_signed_asks_for_no_verification(chief, ready_release):
    service.sign_off(ready_release, by=chief, token=fresh_code(TOTPDevice.objects.get(user=chief)))
    with pytest.raises(ValidationError, match="already signed off"):
        service.sign_off(ready_release, by=chief, token="")
