"""Release forms report their save-time rules together with the missing fields, on the first submit.

The one-time code of a sign-off is the exception: checking it uses it up, so it is checked
only when the sign-off is written, and a right code sent with a missing confirmation still works.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.releases.models import OutputTable, ReleaseSignOff
from tests.conftest import fresh_code
from tests.releases.test_releases import asset, chief, release, source, statistician, table  # noqa: F401


def test_a_right_code_sent_without_the_confirmation_is_not_used_up(verified_client, chief, table):  # noqa: F811
    client = verified_client(chief)
    url = f"/releases/{table.release_id}/sign-off/"
    code = fresh_code(TOTPDevice.objects.get(user=chief))
    response = client.post(url, {"otp_token": code})
    assert response.status_code == 200
    assert "Confirm that you have reviewed the disclosure control" in response.content.decode()
    assert not ReleaseSignOff.objects.exists()
    response = client.post(url, {"confirm": "on", "otp_token": code})
    assert response.status_code == 302
    assert ReleaseSignOff.objects.get().signed_by == chief


def test_a_title_already_used_is_reported_with_the_missing_file(verified_client, statistician, table):  # noqa: F811
    response = verified_client(statistician).post(
        f"/releases/{table.release_id}/tables/new/", {"title": table.title, "source": table.source_id}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a CSV or XLSX file" in page
    assert "The release already has a table with this title" in page
    assert OutputTable.objects.count() == 1
