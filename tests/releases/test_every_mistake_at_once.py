"""The release sign-off reports an unticked confirmation and a wrong code together, and writes nothing."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.releases.models import ReleaseSignOff
from tests.every_mistake import wrong_code
from tests.releases.test_releases import asset, chief, release, source, statistician, table  # noqa: F401


def test_an_unticked_confirmation_and_a_wrong_code_are_reported_together(verified_client, chief, table):  # noqa: F811
    response = verified_client(chief).post(
        f"/releases/{table.release_id}/sign-off/", {"otp_token": wrong_code(TOTPDevice.objects.get(user=chief))}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that you have reviewed the disclosure control" in page
    assert "Enter a new code from your authenticator app" in page
    assert not ReleaseSignOff.objects.exists()
