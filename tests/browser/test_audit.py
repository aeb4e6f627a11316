"""An auditor mistypes a date and is told, then filters the audit explorer to one asset's changes in a date
range and downloads the CSV."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.core import roles
from governance.core.audit import acting_as
from tests.browser.conftest import axe_violations, open_section, sign_in
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_filters_one_assets_changes_and_downloads_them(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    auditor = UserFactory(username="alex", business_area=area, groups=[roles.AUDITORS])
    device = TOTPDeviceFactory(user=auditor)
    iam = UserFactory(username="ian", business_area=area)
    with acting_as(iam):
        asset = make_asset(manager=iam, business_area=area, name="Pension payments")
        asset.storage_location = "Secure room 4"
        asset.save()
        make_asset(manager=iam, business_area=area, name="Unrelated asset")

    sign_in(page, live_server, "alex", PASSWORD, device)
    page.goto(f"{live_server.url}{asset.get_absolute_url()}")
    open_section(page, "Change history")
    page.get_by_role("link", name="See the full timeline in the audit trail").click()
    today = datetime.date.today()
    # Today typed as one would elsewhere, all in the day box: an error, and no entries until corrected.
    page.locator("#id_since_day").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Earliest date must include a month and year")
    expect(page.locator("main")).to_contain_text("Correct the filters to see the entries")
    assert axe_violations(page) == []
    for name in ("since", "until"):
        page.locator(f"#id_{name}_day").fill(str(today.day))
        page.locator(f"#id_{name}_month").fill(str(today.month))
        page.locator(f"#id_{name}_year").fill(str(today.year))
    page.get_by_role("button", name="Apply filters").click()
    table = page.locator("table")
    expect(table).to_contain_text("Secure room 4")
    expect(table).not_to_contain_text("Unrelated asset")
    assert axe_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    path = download_info.value.path()
    content = path.read_text(encoding="utf-8-sig")
    assert "Secure room 4" in content and "Unrelated asset" not in content
