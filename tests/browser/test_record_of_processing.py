"""The record of processing and a sharing agreement in a browser: an IAM records a processing activity from
the asset's page, the Data Protection Officer reads it with its recipients; a contract manager drafts an
agreement, the Deputy SIRO is told what is missing, then approves it. Axe checks each page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.privacy.models import ProcessingActivity, SharingAgreement
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    ExternalOrganisationFactory,
    LegalGatewayFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_grant,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page, live_server, username: str, device) -> None:
    sign_in(page, live_server, username, PASSWORD, device)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_record_an_activity_and_approve_an_agreement(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    other_area = BusinessAreaFactory(name="Working Age Benefits", code="wab")
    deputy = UserFactory(username="dee", first_name="Dee", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", business_area=area)
    dpo = UserFactory(username="dot", first_name="Dot", business_area=area)
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, dpo, by=system_user())
    manager = UserFactory(username="cat", first_name="Cat", business_area=area, groups=["Research contract managers"])
    asset = make_asset(manager=iam, business_area=area, name="Caseload extract")
    make_grant(UserFactory(business_area=other_area), asset)
    DataItemFactory(asset=asset, name="nino", description="National Insurance number", sensitivity="identifier")
    ExternalOrganisationFactory(name="Anytown Council", kind="public_body")
    LegalGatewayFactory(name="Statistics and Registration Service Act 2007 s.45A")
    devices = {user.username: TOTPDeviceFactory(user=user) for user in (iam, dpo, manager, deputy)}

    # The IAM records a processing activity from the asset's page.
    _signed_in(page, live_server, "ian", devices["ian"])
    page.goto(f"{live_server.url}{asset.get_absolute_url()}")
    page.get_by_role("link", name="Record processing activity on Caseload extract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a processing activity")
    expect(page.get_by_label("Caseload extract (Data as Statistics)")).to_be_checked()
    assert axe_violations(page) == []
    page.get_by_label("Name of the processing activity").fill("Caseload statistics")
    page.get_by_label("Purposes").fill("To publish caseload statistics.")
    page.get_by_label("Public task (6(1)(e))").check()
    page.get_by_label("Categories of people").fill("Claimants")
    page.get_by_role("button", name="Record the activity").click()
    expect(page.get_by_text("The Data Protection Officer has been told.")).to_be_visible()
    assert axe_violations(page) == []
    activity_url = page.url
    sign_out(page)

    # The DPO reads it: the personal data in words, the recipients from the live grants.
    _signed_in(page, live_server, "dot", devices["dot"])
    page.get_by_role("link", name="Data protection").click()
    expect(page.locator("table")).to_contain_text("Caseload statistics")
    assert axe_violations(page) == []
    page.goto(activity_url)
    expect(page.locator("#personal-data + p + table")).to_contain_text("National Insurance number")
    expect(page.get_by_text("Working Age Benefits: 1 person")).to_be_visible()
    assert axe_violations(page) == []
    sign_out(page)

    # A contract manager drafts an agreement without its data items.
    _signed_in(page, live_server, "cat", devices["cat"])
    page.goto(f"{live_server.url}/privacy/agreements/new/?asset={asset.pk}")
    assert axe_violations(page) == []
    page.get_by_label("Reference").fill("DSA-0001")
    page.get_by_label("Title").fill("Caseloads for the council")
    page.get_by_label("Data-sharing agreement", exact=True).check()
    page.get_by_label("Other party").select_option(label="Anytown Council")
    page.get_by_label("The department gives data").check()
    page.get_by_label("Purpose", exact=True).fill("Local statistics")
    page.get_by_label("Legal gateway").select_option(label="Statistics and Registration Service Act 2007 s.45A")
    page.get_by_label("Public task (6(1)(e))").check()
    page.get_by_label("Frequency").select_option(label="Quarterly")
    page.get_by_label("Security conditions").fill("Secure file transfer")
    today = timezone.localdate()
    for field, day in {
        "review_date": today + datetime.timedelta(days=180),
        "end_date": today + datetime.timedelta(days=365),
    }.items():
        page.locator(f"#id_{field}_day").fill(str(day.day))
        page.locator(f"#id_{field}_month").fill(str(day.month))
        page.locator(f"#id_{field}_year").fill(str(day.year))
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Agreement DSA-0001 drafted.")).to_be_visible()
    assert axe_violations(page) == []
    agreement_url = page.url
    sign_out(page)

    # The Deputy SIRO is told what is missing; once the data items are named, approves it.
    _signed_in(page, live_server, "dee", devices["dee"])
    page.goto(agreement_url)
    page.get_by_role("button", name="Approve the agreement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approve the agreement")
    page.get_by_role("button", name="Approve the agreement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Name the data items the agreement shares")
    assert axe_violations(page) == []
    page.goto(agreement_url)
    page.get_by_role("button", name="Change the agreement").click()
    page.get_by_label("Caseload extract: National Insurance number (direct identifier)").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Agreement updated.")).to_be_visible()
    page.get_by_role("button", name="Approve the agreement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Approve the agreement")
    page.get_by_role("button", name="Approve the agreement").click()
    expect(page.get_by_text("Agreement DSA-0001 approved: it is in force.")).to_be_visible()
    assert axe_violations(page) == []
    assert SharingAgreement.objects.get().status == "active"
    assert ProcessingActivity.objects.get().owner == iam
