"""An IAM keeps their asset's record: edit, add a data item, see both in the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, open_section, sign_in
from tests.factories import PASSWORD, BusinessAreaFactory, DataItemFactory, TOTPDeviceFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_iam_edits_asset_adds_item_and_sees_history(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    device = TOTPDeviceFactory(user=iam)
    asset = make_asset(manager=iam, business_area=area, name="Universal Credit claims")
    DataItemFactory(asset=asset, name="nino", sensitivity="identifier")

    sign_in(page, live_server, "ian", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Assets").click()
    page.get_by_role("link", name="Universal Credit claims").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Universal Credit claims")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Change details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change Universal Credit claims")
    assert axe_violations(page) == []
    page.get_by_label("Storage location or secure environment").fill("Secure analytical platform, room 2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Universal Credit claims saved.")).to_be_visible()

    open_section(page, "Data items")
    page.get_by_role("button", name="Add a data item").click()
    page.get_by_label("Name").fill("date_of_birth")
    page.get_by_label("Description").fill("Claimant's date of birth")
    page.get_by_label("Personal data", exact=True).check()
    page.get_by_role("button", name="Save data item").click()
    expect(page.get_by_text("Data item date_of_birth saved.")).to_be_visible()

    open_section(page, "Change history")
    history = page.locator("#history + table")
    expect(history).to_contain_text("date_of_birth")
    expect(history).to_contain_text("Secure analytical platform, room 2")
    expect(history).to_contain_text("Ian Roberts")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Assets").click()
    page.locator("main").get_by_label("Search").fill("credit")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name="Universal Credit claims")).to_be_visible()
    assert axe_violations(page) == []
