"""A contract manager records a contract, completes assurance, is refused release until the IAM has
reviewed the data, releases it, and later closes the contract with a destruction certificate."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.contracts.models import ResearchContract
from governance.core import roles
from governance.register.models import DataItem
from tests.browser.conftest import axe_violations, open_section, sign_in
from tests.conftest import fresh_code
from tests.contract_fixtures import PDF
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    ExternalOrganisationFactory,
    LegalGatewayFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = datetime.date.today()


def fill_date(page, name: str, value: datetime.date) -> None:
    page.locator(f"#id_{name}_day").fill(str(value.day))
    page.locator(f"#id_{name}_month").fill(str(value.month))
    page.locator(f"#id_{name}_year").fill(str(value.year))


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def test_contract_manager_runs_a_contract_from_draft_to_closed(page, browser, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    carla = UserFactory(
        username="carla", first_name="Carla", last_name="Jones", business_area=area, groups=[roles.CONTRACT_MANAGERS]
    )
    ian = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    carla_device, ian_device = TOTPDeviceFactory(user=carla), TOTPDeviceFactory(user=ian)
    asset = make_asset(manager=ian, business_area=area, name="Universal Credit claims")
    DataItemFactory(asset=asset, name="nino", sensitivity=DataItem.Sensitivity.DIRECT_IDENTIFIER)
    DataItemFactory(asset=asset, name="date_of_birth", sensitivity=DataItem.Sensitivity.PERSONAL)
    ExternalOrganisationFactory(name="University of Northshire")
    LegalGatewayFactory(name="Commissioned research (data processor)")

    # --- the contract manager records the contract
    sign_in(page, live_server, "carla", PASSWORD, carla_device)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Research contracts")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record a contract").click()
    page.get_by_label("Reference").fill("DWP-RES-2026-014")
    page.get_by_label("Project title").fill("Evaluation of Universal Credit work coach support")
    page.get_by_label("Purpose").fill("To evaluate whether work coach support helps claimants into work.")
    page.get_by_label("Contractor", exact=True).select_option(label="University of Northshire")
    page.get_by_label("Contractor contact", exact=True).fill("Dr Amara Osei")
    page.get_by_label("Contact's email address", exact=True).fill("a.osei@northshire.example.ac.uk")
    page.get_by_label("Legal gateway").select_option(label="Commissioned research (data processor)")
    page.get_by_label("Public task (6(1)(e))").check()
    fill_date(page, "start_date", TODAY)
    fill_date(page, "end_date", TODAY + datetime.timedelta(days=365))
    fill_date(page, "retention_end_date", TODAY + datetime.timedelta(days=395))
    fill_date(page, "destruction_due_date", TODAY + datetime.timedelta(days=425))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record contract").click()
    expect(page.get_by_text("Contract DWP-RES-2026-014 recorded as a draft.")).to_be_visible()
    assert axe_violations(page) == []

    # --- the data to be provided, item by item
    open_section(page, "Data, risk and outputs")
    page.get_by_role("button", name="Add an asset").click()
    page.get_by_label("Information asset").select_option(label="Universal Credit claims (Data as Statistics)")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Send date_of_birth").check()
    page.get_by_label("Why is date_of_birth needed?").fill("Age at the start of the claim, banded on receipt.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save data items").click()
    expect(page.get_by_text("Data items from Universal Credit claims saved.")).to_be_visible()

    # --- security assurance: each item with its outcome, assessor, date and evidence
    for name in ("Data handling conditions", "Security requirements", "Prescribed standards", "SARA assessment"):
        open_section(page, "Basis and assurance")
        page.get_by_role("link", name=f"Record {name}").click()
        page.get_by_label("Met", exact=True).check()
        page.get_by_label("Evidence document").set_input_files(files=[pdf(f"{name}.pdf")])
        page.get_by_role("button", name="Save assessment").click()
        expect(page.get_by_text(f"{name} recorded.")).to_be_visible()
    open_section(page, "Data, risk and outputs")
    page.get_by_role("link", name="Record the risk assessment").click()
    page.get_by_label("Low").check()
    page.get_by_label("Mitigations").fill("Pseudonymised identifiers; postcode district only; small cells suppressed.")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_text("Re-identification risk assessment recorded.")).to_be_visible()

    page.get_by_role("button", name="Start assurance").click()
    page.get_by_role("button", name="Start assurance").click()
    expect(page.get_by_text("is now under assurance")).to_be_visible()
    page.get_by_role("button", name="Approve the contract").click()
    page.get_by_role("button", name="Approve the contract").click()
    expect(page.get_by_text("is now approved")).to_be_visible()

    # --- release is refused: the IAM has not reviewed the data yet
    page.get_by_role("button", name="Record data release").click()
    expect(page.get_by_text("Universal Credit claims: awaiting review by its IAM (Ian Roberts)").first).to_be_visible()
    page.get_by_role("button", name="Record data release").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("awaiting review by its IAM (Ian Roberts)")
    assert axe_violations(page) == []
    contract = ResearchContract.objects.get(reference="DWP-RES-2026-014")
    assert contract.status == ResearchContract.Status.APPROVED

    # --- the IAM reviews, in their own session
    iam_context = browser.new_context(bypass_csp=True, locale="en-GB")
    iam_page = iam_context.new_page()
    iam_page.set_default_timeout(15_000)
    sign_in(iam_page, live_server, "ian", PASSWORD, ian_device)
    iam_page.wait_for_url(f"{live_server.url}/")
    iam_page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    open_section(iam_page, "Data, risk and outputs")
    iam_page.get_by_role("link", name="Review the data from Universal Credit claims").click()
    expect(iam_page.get_by_role("heading", level=1)).to_contain_text("Review the data from Universal Credit claims")
    assert axe_violations(iam_page) == []
    iam_page.get_by_label("Yes, approve the data to be provided").check()
    iam_page.get_by_role("button", name="Save review").click()
    expect(iam_page.get_by_text("Review of Universal Credit claims recorded: approved by IAM.")).to_be_visible()
    iam_context.close()

    # --- now the release goes through
    page.goto(f"{live_server.url}/contracts/{contract.pk}/status/data_released/")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(carla_device))
    page.get_by_role("button", name="Record data release").click()
    expect(page.get_by_text("is now data released")).to_be_visible()
    assert axe_violations(page) == []

    # --- later: the contractor certifies destruction, and the contract closes
    page.get_by_role("button", name="Record destruction certificate").click()
    fill_date(page, "destroyed_on", TODAY)
    page.get_by_label("Certified by").fill("Dr Amara Osei, Principal investigator")
    page.get_by_label("Signed destruction certificate").set_input_files(files=[pdf("destruction-certificate.pdf")])
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record certificate").click()
    expect(page.get_by_text("Destruction certificate recorded.")).to_be_visible()
    page.get_by_role("button", name="Close the contract").click()
    page.get_by_role("button", name="Close the contract").click()
    expect(page.get_by_text("is now closed")).to_be_visible()
    open_section(page, "Dates and history")
    expect(page.locator("#status-history + table")).to_contain_text("Destruction certified → Closed")
    expect(page.get_by_role("link", name="destruction-certificate.pdf").first).to_be_visible()
    assert axe_violations(page) == []
    contract.refresh_from_db()
    assert contract.status == ResearchContract.Status.CLOSED
    assert len(contract.destruction_certificate.document.sha256) == 64


def test_contract_pages_pass_axe(page, live_server):
    """The calendar, feed settings, contractors and history pages, in their normal state."""
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    carla = UserFactory(username="carla", business_area=area, groups=[roles.CONTRACT_MANAGERS])
    device = TOTPDeviceFactory(user=carla)
    from tests.factories import make_contract

    contract = make_contract(manager=carla)
    flagger = UserFactory(username="ivy", business_area=area, groups=[roles.INCIDENT_HANDLERS])
    from governance.contracts.records import flag_for_review

    flag_for_review(contract, by=flagger, reason="INC-2026-0001: an extract was emailed to the wrong team")
    sign_in(page, live_server, "carla", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    for path in (
        "/contracts/",
        "/contracts/calendar/",
        "/contracts/calendar/feed/",
        "/contracts/contractors/",
        f"/contracts/contractors/{contract.organisation_id}/",
        "/contracts/contractors/new/",
        f"/contracts/{contract.pk}/",
        f"/contracts/{contract.pk}/history/",
        f"/contracts/{contract.pk}/edit/",
        f"/contracts/{contract.pk}/manager/",
        f"/contracts/{contract.pk}/flag/",
        f"/contracts/{contract.pk}/risk/",
        f"/contracts/{contract.pk}/assurance/sara/",
        f"/contracts/{contract.pk}/status/closed/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path
    page.goto(f"{live_server.url}/contracts/calendar/feed/")
    page.get_by_role("button", name="Create a feed address").click()
    expect(page.get_by_label("Calendar feed address")).to_be_visible()
    assert axe_violations(page) == [], "feed address shown"
    page.goto(f"{live_server.url}/contracts/{contract.pk}/flag/")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the outcome of the review")
    assert axe_violations(page) == [], "review outcome with errors"
    page.get_by_label("Outcome of the review").fill("Contractor confirmed deletion of the misdirected copy")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("the flag is cleared")).to_be_visible()
