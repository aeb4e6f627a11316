"""The assurance journey in a browser: the SIRO opens a round, the IAM answers and signs their return
with a fresh code, the Deputy SIRO accepts it, and the SIRO's report shows it; the SIRO reads the report,
writes the narrative, signs it with a security key (Chromium's virtual authenticator) and downloads the PDF."""

from __future__ import annotations

import datetime
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from governance.assurance import returns
from governance.assurance.models import AssuranceReturn, SiroReportApproval
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.browser.test_security_keys import add_key, use_key, virtual_key
from tests.conftest import fresh_code
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _date(page, name, day):
    page.locator(f"[name={name}_day]").fill(str(day.day))
    page.locator(f"[name={name}_month]").fill(str(day.month))
    page.locator(f"[name={name}_year]").fill(str(day.year))


def test_open_sign_accept_and_report(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    deputy = UserFactory(username="dee", first_name="Dee", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    siro = UserFactory(username="sue", first_name="Sue", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", business_area=area)
    make_asset(manager=iam, business_area=area, name="Caseload extract")
    devices = {user.username: TOTPDeviceFactory(user=user) for user in (siro, iam, deputy)}
    today = datetime.date.today()

    # The SIRO opens the round.
    sign_in(page, live_server, "sue", PASSWORD, devices["sue"])
    page.goto(f"{live_server.url}/assurance/")
    page.get_by_role("link", name="Open a round").click()
    page.get_by_role("button", name="Open round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the period the round covers")
    assert axe_violations(page) == []
    page.get_by_label("Period", exact=True).fill("2026 to 2027")
    _date(page, "period_start", today - datetime.timedelta(days=365))
    _date(page, "period_end", today)
    _date(page, "due_date", today + datetime.timedelta(days=30))
    page.get_by_role("button", name="Open round").click()
    expect(page.get_by_text("1 of 1 return prepared")).to_be_visible()
    round_url = page.url
    sign_out(page)

    # The IAM sees the task, checks the facts, answers and signs.
    sign_in(page, live_server, "ian", PASSWORD, devices["ian"])
    page.get_by_role("link", name="Sign 1 assurance return").click()
    page.get_by_role("link", name="2026 to 2027").click()
    expect(page.get_by_role("heading", name="Caseload extract")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Answer and sign").click()
    for name in ("register_accurate", "incidents_reported", "risks_managed", "access_still_needed"):
        page.locator(f"input[name={name}][value=True]").check()
    page.get_by_label("Comments (optional)").fill("Register checked with the team.")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Sign return").click()
    expect(page.get_by_text("Return signed and sent to your Deputy SIRO.")).to_be_visible()
    expect(page.get_by_text("Matches")).to_be_visible()
    sign_out(page)

    # The Deputy SIRO accepts it.
    sign_in(page, live_server, "dee", PASSWORD, devices["dee"])
    page.get_by_role("link", name="Accept or send back 1 assurance return").click()
    page.get_by_role("link", name=iam.display_name).click()
    page.get_by_role("link", name="Accept").click()
    page.get_by_role("button", name="Accept return").click()
    expect(page.get_by_text("Return accepted.")).to_be_visible()
    assert AssuranceReturn.objects.get().state == "accepted"
    sign_out(page)

    # The SIRO's report shows it.
    sign_in(page, live_server, "sue", PASSWORD, devices["sue"])
    page.goto(round_url)
    page.get_by_role("link", name="The SIRO's report").click()
    row = page.get_by_role("row", name="Data as Statistics").first  # the returns table
    expect(row).to_contain_text("1")
    assert axe_violations(page) == []


def test_the_siro_reads_signs_with_a_key_and_downloads_the_report(page, live_server, settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    siro = UserFactory(username="sue", first_name="Sue", last_name="Reed", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", last_name="Moss", business_area=area)
    make_asset(manager=iam, business_area=area, name="Caseload extract")
    today = datetime.date.today()
    round_ = returns.open_round(
        by=siro,
        period="2026 to 2027",
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        due_date=today + datetime.timedelta(days=30),
    )
    returns.prepare_round(round_.pk)
    device = TOTPDeviceFactory(user=siro)
    virtual_key(page)
    sign_in(page, live_server, "sue", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "SIRO's key")

    page.goto(f"{live_server.url}{round_.get_absolute_url()}")
    page.get_by_role("link", name="The SIRO's report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("The SIRO's report")
    expect(page.get_by_role("link", name="Ian Moss")).to_be_visible()  # the IAM whose return is missing
    assert axe_violations(page) == []
    page.get_by_role("link", name="Write the narrative and sign").click()
    expect(page.get_by_role("heading", name="Confirm with your security key")).to_be_visible()
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    assert axe_violations(page) == []
    narrative = "One return is outstanding; the area's Deputy SIRO is chasing it."
    page.get_by_label("Narrative for the annual governance statement").fill(narrative)
    use_key(page, "Sign the report")
    expect(page.get_by_text("Report signed (version 1).")).to_be_visible()
    expect(page.get_by_text("Matches the signed content")).to_be_visible()
    assert axe_violations(page) == []
    approval = SiroReportApproval.objects.get()
    assert approval.signed_by == siro and approval.narrative == narrative

    with page.expect_download() as download:
        page.get_by_role("link", name="the report as PDF").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "OFFICIAL-SENSITIVE" in text and narrative in text
    assert "Sue Reed" in text and approval.digest in text
