"""The whole access journey in a browser: ask, IAM approves, open the data, IAM revokes, refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from governance.access.extracts import upload_extract
from tests.browser.conftest import axe_violations, open_section, sign_in, sign_out
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_approval_data_revocation_refusal(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    analyst = UserFactory(username="sam", first_name="Sam", last_name="Patel", business_area=area)
    iam_device, analyst_device = TOTPDeviceFactory(user=iam), TOTPDeviceFactory(user=analyst)
    asset = make_asset(manager=iam, business_area=area, name="Caseload extract", identifiability="pseudonymised")
    DataItemFactory(asset=asset, name="claim_count", description="Claims in the month", sensitivity="non_personal")
    DataItemFactory(asset=asset, name="region", description="Region", sensitivity="non_personal")
    upload_extract(asset, SimpleUploadedFile("e.csv", b"claim_count,region\n120,North East\n95,Wales\n"), by=iam)

    # The analyst asks for one item.
    sign_in(page, live_server, "sam", PASSWORD, analyst_device)
    page.goto(f"{live_server.url}{asset.get_absolute_url()}")
    open_section(page, "Access")
    page.get_by_role("button", name="Ask for access").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ask for access")
    assert axe_violations(page) == []
    page.get_by_label("Purpose").fill("Regional caseload tables")
    page.get_by_label("Business case").fill("The quarterly release needs counts by region.")
    end = datetime.date.today() + datetime.timedelta(days=60)  # never a fixed date that will pass
    page.get_by_label("Day", exact=True).fill(str(end.day))
    page.get_by_label("Month", exact=True).fill(str(end.month))
    page.get_by_label("Year", exact=True).fill(str(end.year))
    page.get_by_label("claim_count: Claims in the month").check()
    page.get_by_label("Why do you need claim_count?").fill("The counts are the statistic")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Request submitted.")).to_be_visible()
    request_url = page.url
    sign_out(page)

    # The IAM approves.
    sign_in(page, live_server, "ian", PASSWORD, iam_device)
    page.goto(request_url)
    expect(page.locator("h2", has_text="Five Safes")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Counts only: no personal data")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded: approved.")).to_be_visible()
    grant_url = page.get_by_role("link", name="grant").get_attribute("href")
    sign_out(page)

    # The analyst opens the granted data.
    sign_in(page, live_server, "sam", PASSWORD, analyst_device)
    page.goto(f"{live_server.url}/access/data/{asset.pk}/")
    expect(page.locator("table")).to_contain_text("120")
    expect(page.locator("table")).not_to_contain_text("region")
    assert axe_violations(page) == []
    sign_out(page)

    # The IAM revokes.
    sign_in(page, live_server, "ian", PASSWORD, iam_device)
    page.goto(f"{live_server.url}{grant_url}")
    page.get_by_role("button", name="Revoke access").click()
    page.get_by_label("Reason").fill("Release published")
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_text("revoked.")).to_be_visible()
    sign_out(page)

    # The analyst is refused.
    sign_in(page, live_server, "sam", PASSWORD, analyst_device)
    response = page.goto(f"{live_server.url}/access/data/{asset.pk}/")
    assert response.status == 403
    expect(page.get_by_text("You have no active access to this asset's data")).to_be_visible()
