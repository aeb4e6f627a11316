"""A release's tables are checked by one person and signed off by another: whoever uploaded or
checked a table (the author, or a signer who ran the check again) does not sign the release off."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core import roles
from governance.releases import policy
from governance.releases import workflow as service
from governance.releases.models import OutputTable, ReleaseSignOff
from tests.conftest import fresh_code
from tests.factories import TOTPDeviceFactory, UserFactory
from tests.releases.test_sign_off_verification import chief, ready_release  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_signer_who_checked_a_table_cannot_sign_the_release_off(area, ready_release, chief):  # noqa: F811
    officer = UserFactory(username="sdc", business_area=area, groups=[roles.DISCLOSURE_CONTROL])
    TOTPDeviceFactory(user=officer)
    assert policy.can_sign_off(officer, ready_release)
    table = OutputTable.objects.get(release=ready_release)
    service.check_again(table, by=officer)
    table.refresh_from_db()
    assert table.checked_by == officer
    release = type(ready_release).objects.get(pk=ready_release.pk)
    assert not policy.can_sign_off(officer, release)
    with pytest.raises(PermissionDenied):
        service.sign_off(release, by=officer, token=fresh_code(TOTPDevice.objects.get(user=officer)))
    assert not ReleaseSignOff.objects.exists()
    signed = service.sign_off(release, by=chief, token=fresh_code(TOTPDevice.objects.get(user=chief)))
    assert signed.signed_by == chief and signed.signed_by != table.checked_by


def test_whoever_uploads_a_table_is_one_of_its_preparers(ready_release):  # noqa: F811
    table = OutputTable.objects.get(release=ready_release)
    assert table.uploaded_by == table.checked_by == ready_release.author
    assert policy.preparers(ready_release) == {ready_release.author_id}
