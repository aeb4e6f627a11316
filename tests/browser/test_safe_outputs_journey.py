"""Safe outputs in a browser: a contract manager invites a researcher, who sets a password, signs in and
submits a table with a small cell and a model with six residual degrees of freedom; the checks flag both;
a disclosure-control officer asks for changes to the table, the researcher resubmits it, the officer clears
it, and the researcher downloads it with a digest that matches. Axe checks every page."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect

from governance.core.models import Notification
from governance.outputs.models import OutputSubmission, Researcher
from tests.browser.conftest import axe_violations, open_section, sign_in, sign_out
from tests.factories import PASSWORD, TOTPDeviceFactory, contract_manager, disclosure_officer, make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMALL_CELL = b"region,count\nNorth,120\nSouth,3\n"
SAFE = b"region,count\nNorth,120\nSouth and West,43\n"
MODEL = b"term,estimate,standard_error\nintercept,1.2,0.3\nage,0.05,0.01\n"
RESEARCHER_PASSWORD = "a-long-research-password-2026"


def banner(page):
    return page.locator(".govuk-notification-banner__heading")


def upload(page, label: str, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.get_by_label(label).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])


def test_invite_submit_check_resubmit_clear_and_download(page, live_server, tmp_path):
    manager = contract_manager(username="cath", first_name="Cath", last_name="Morgan")
    checker = disclosure_officer(username="sid", first_name="Sid", last_name="Chowdhury")
    contract = make_contract(manager=manager, reference="RES-2026-031", title="Benefit take-up study")
    manager_device, checker_device = TOTPDeviceFactory(user=manager), TOTPDeviceFactory(user=checker)

    # The contract manager invites a researcher from the contract's Outputs tab.
    sign_in(page, live_server, "cath", PASSWORD, manager_device)
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    open_section(page, "Data, risk and outputs")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Invite a researcher").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invite a researcher")
    assert axe_violations(page) == []
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Field")
    page.get_by_label("Email address").fill("rosa.field@uni.example.ac.uk")
    page.get_by_role("button", name="Send invitation").click()
    expect(banner(page)).to_contain_text("Rosa Field is invited")
    assert axe_violations(page) == []
    sign_out(page)

    # The researcher follows the emailed link, chooses a password, and signs in with a second factor.
    researcher = Researcher.objects.select_related("user").get(contract=contract)
    body = Notification.objects.get(recipient=researcher.user).body
    link = re.search(r"(/outputs/welcome/\S+/)", body).group(1)
    page.goto(f"{live_server.url}{link}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    assert axe_violations(page) == []
    page.get_by_label("New password", exact=True).fill(RESEARCHER_PASSWORD)
    page.get_by_label("New password confirmation").fill(RESEARCHER_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(banner(page)).to_contain_text("Your password is set")
    device = TOTPDeviceFactory(user=researcher.user)  # the authenticator app they set up
    sign_in(page, live_server, researcher.user.username, RESEARCHER_PASSWORD, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your outputs")
    expect(page.get_by_role("link", name="Contracts")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Read the data-handling terms of your contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data-handling terms")
    assert axe_violations(page) == []

    # A table with a small cell: flagged, the cell named.
    page.goto(f"{live_server.url}/outputs/")
    page.get_by_role("button", name="Submit a table").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a table")
    assert axe_violations(page) == []
    page.get_by_label("Title").fill("Claimants by region")
    page.get_by_label("What does it show?").fill("Claimants of the benefit by region, 2025")
    page.get_by_label("Where will it be published?").fill("Final report, spring")
    upload(page, "Output file", "regions.csv", SMALL_CELL)
    page.get_by_role("button", name="Submit for checking").click()
    expect(banner(page)).to_contain_text("submitted for checking")
    expect(page.locator(".app-findings")).to_contain_text("South")
    assert axe_violations(page) == []

    # A model with six residual degrees of freedom: flagged.
    page.goto(f"{live_server.url}/outputs/")
    page.get_by_role("button", name="Submit model results").click()
    page.get_by_label("Title").fill("Take-up by age")
    page.get_by_label("What does it show?").fill("A logistic model of take-up by age")
    page.get_by_label("Where will it be published?").fill("Final report, annex")
    upload(page, "Output file", "model.csv", MODEL)
    page.get_by_label("Residual degrees of freedom").fill("6")
    page.get_by_label("Number of observations").fill("8")
    page.get_by_role("button", name="Submit for checking").click()
    expect(banner(page)).to_contain_text("submitted for checking")
    expect(page.locator(".app-findings")).to_contain_text("6")
    assert axe_violations(page) == []
    sign_out(page)

    # The checker asks for changes to the table.
    table = OutputSubmission.objects.get(title="Claimants by region")
    sign_in(page, live_server, "sid", PASSWORD, checker_device)
    page.goto(f"{live_server.url}/outputs/queue/")
    expect(page.locator("table")).to_contain_text("Take-up by age")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Claimants by region").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Decide on this output").click()
    expect(page.locator(".app-findings")).to_contain_text("South")
    assert axe_violations(page) == []
    page.get_by_label("Ask for changes").check()
    page.get_by_label("Reason").fill("Combine South with West so no count is below 10")
    page.get_by_role("button", name="Record decision").click()
    expect(banner(page)).to_contain_text("changes requested")
    assert axe_violations(page) == []
    sign_out(page)

    # The researcher resubmits.
    sign_in(page, live_server, researcher.user.username, RESEARCHER_PASSWORD, device)
    page.get_by_role("link", name="Claimants by region").click()
    page.get_by_role("button", name="Resubmit with changes").click()
    expect(page.get_by_text("Combine South with West")).to_be_visible()
    assert axe_violations(page) == []
    upload(page, "Changed output file", "regions-2.csv", SAFE)
    page.get_by_role("button", name="Resubmit for checking").click()
    expect(banner(page)).to_contain_text("submitted for checking again")
    assert axe_violations(page) == []
    sign_out(page)

    # The checker clears it.
    sign_in(page, live_server, "sid", PASSWORD, checker_device)
    page.goto(f"{live_server.url}/outputs/{table.pk}/decide/")
    page.get_by_label("Clear it").check()
    page.get_by_label("Reason").fill("Every count is 10 or more")
    page.get_by_role("button", name="Record decision").click()
    expect(banner(page)).to_contain_text("': cleared.")
    sign_out(page)

    # The researcher downloads it; its digest matches the one shown.
    sign_in(page, live_server, researcher.user.username, RESEARCHER_PASSWORD, device)
    page.get_by_role("link", name="Claimants by region").click()
    expect(page.locator("#digest")).to_be_visible()
    assert axe_violations(page) == []
    shown = page.locator("#digest").inner_text().strip()
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download regions-2.csv").click()
    saved = tmp_path / "regions-2.csv"
    downloading.value.save_as(saved)
    assert saved.read_bytes() == SAFE
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == shown
