"""The privacy journey of issue 30 in a browser, axe on every page.

An IAM records a processing activity on an asset of health data. A member of staff in another business
area asks for its special category data; the request is screened, needs a DPIA, and its approval is
refused, naming the DPIA. The IAM writes the DPIA (screening, assessment, a risk), the Data Protection
Officer advises, the IAM signs with a fresh code and the Deputy SIRO with a security key (Chromium's
virtual authenticator). The request is then approved by the IAM and, for special category data, the
Deputy SIRO. The record of processing export lists the activity with the requester's business area
among its recipients, and the maps of the asset and of the department show the flow to that area.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.access.models import AccessGrant, AccessRequest
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.privacy.models import DPIA, ProcessingActivity
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.browser.conftest import axe_violations, open_section, sign_in, sign_out
from tests.browser.test_security_keys import add_key, password_step, use_key, virtual_key
from tests.conftest import fresh_code
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    DataItemFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_data_protection_course,
    make_signoff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(page, live_server, username: str, device) -> None:
    sign_in(page, live_server, username, PASSWORD, device)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_processing_activity_a_gated_request_its_dpia_the_record_and_the_map(page, live_server, settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    other_area = BusinessAreaFactory(name="Working Age Benefits", code="wab")
    deputy = UserFactory(username="dee", first_name="Dee", last_name="Shah", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    dpo = UserFactory(username="dora", first_name="Dora", last_name="Price", business_area=area)
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, dpo, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    analyst = UserFactory(
        username="sam", first_name="Sam", last_name="Patel", business_area=other_area, is_data_handler=True
    )
    make_signoff(analyst, make_data_protection_course())
    devices = {user.username: TOTPDeviceFactory(user=user) for user in (deputy, dpo, iam, analyst)}
    asset = make_asset(
        manager=iam,
        business_area=area,
        name="Health assessments",
        identifiability="pseudonymised",
        contains_personal_data=True,
        special_category=True,
    )
    DataItemFactory(asset=asset, name="health_condition", description="Condition", sensitivity="special_category")
    asset_url = f"{live_server.url}{asset.get_absolute_url()}"

    # 1. The IAM records a processing activity from the asset's page.
    _signed_in(page, live_server, "ian", devices["ian"])
    page.goto(asset_url)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Record processing activity on Health assessments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a processing activity")
    expect(page.get_by_label("Health assessments (Data as Statistics)")).to_be_checked()
    assert axe_violations(page) == []
    page.get_by_label("Name of the processing activity").fill("Health and work statistics")
    page.get_by_label("Purposes").fill("To publish statistics of health conditions by benefit.")
    page.get_by_label("Public task (6(1)(e))").check()
    page.get_by_label("Categories of people").fill("Claimants")
    page.get_by_role("button", name="Record the activity").click()
    # Every problem at once: the asset holds special category data, so the Article 9 condition is asked for.
    expect(page.locator(".govuk-error-summary")).to_contain_text("select the Article 9 condition")
    assert axe_violations(page) == []
    page.get_by_label("Special category condition (UK GDPR Article 9), if any").select_option(
        label="Archiving, research and statistics (9(2)(j))"
    )
    page.get_by_label("Data Protection Act 2018 Schedule 1 condition, if any").select_option(
        label="Research, statistics and archiving (Sch. 1 para 4)"
    )
    page.get_by_role("button", name="Record the activity").click()
    expect(page.get_by_text("The Data Protection Officer has been told.")).to_be_visible()
    assert axe_violations(page) == []
    activity = ProcessingActivity.objects.get()
    assert activity.owner == iam
    sign_out(page)

    # 2. A member of staff in another business area asks for the special category item.
    _signed_in(page, live_server, "sam", devices["sam"])
    page.goto(asset_url)
    open_section(page, "Access")
    page.get_by_role("button", name="Ask for access").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ask for access")
    assert axe_violations(page) == []
    page.get_by_label("Purpose").fill("Health and work statistics")
    page.get_by_label("Business case").fill("The published tables need the condition.")
    end = timezone.localdate() + datetime.timedelta(days=60)
    page.get_by_label("Day", exact=True).fill(str(end.day))
    page.get_by_label("Month", exact=True).fill(str(end.month))
    page.get_by_label("Year", exact=True).fill(str(end.year))
    page.get_by_label("health_condition: Condition").check()
    page.get_by_label("Why do you need health_condition?").fill("The condition is the statistic")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Request submitted.")).to_be_visible()
    assert axe_violations(page) == []
    request = AccessRequest.objects.get()
    assert request.requester == analyst and request.needs_deputy_approval
    dpia = DPIA.objects.get(access_request=request)  # screened as it was submitted
    request_url = f"{live_server.url}{request.get_absolute_url()}"
    dpia_url = f"{live_server.url}{dpia.get_absolute_url()}"
    sign_out(page)

    # 3. The IAM is refused approval until the DPIA is signed: the refusal names the DPIA.
    _signed_in(page, live_server, "ian", devices["ian"])
    page.goto(request_url)
    expect(page.get_by_text("This cannot be approved yet")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Needed for the tables")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The DPIA screening of this access request")
    assert axe_violations(page) == []
    assert AccessRequest.objects.get(pk=request.pk).iam_decision == ""

    # 4. The IAM answers the screening, adds a risk and completes the assessment.
    page.goto(request_url)
    page.get_by_role("link", name="The DPIA screening of this access request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dpia.title)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Screening", exact=True).click()
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Combining, comparing or matching data from several sources").check()
    page.get_by_label("A DPIA is needed").check()
    page.get_by_label("Reasons").fill("Health data matched with benefit records")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Screening recorded: a DPIA is needed.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a risk").click()
    expect(page.get_by_role("button", name="Add the risk")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("The risk to people").fill("A person's health condition is disclosed")
    page.get_by_label("Possible").check()
    page.get_by_label("Severe").check()
    page.get_by_label("Measures to reduce or remove it").fill("Secure environment; tables rounded")
    page.locator("input[name=residual_risk][value=low]").check()
    page.get_by_role("button", name="Add the risk").click()
    expect(page.get_by_text("Risk added.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Description of the processing").fill("Tables of health conditions by benefit")
    page.get_by_label("Necessity and proportionality").fill("Public task; only the condition is taken")
    page.locator("input[name=residual_risk][value=low]").check()
    page.get_by_label("The assessment is complete").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Assessment sent to the Data Protection Officer for advice.")).to_be_visible()
    assert axe_violations(page) == []
    sign_out(page)

    # 5. The Data Protection Officer advises.
    _signed_in(page, live_server, "dora", devices["dora"])
    page.goto(dpia_url)
    assert axe_violations(page) == []
    page.get_by_role("link", name="The Data Protection Officer's advice").click()
    expect(page.get_by_role("button", name="Record the advice")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Your advice as Data Protection Officer").fill("Proceed with the measures described")
    page.get_by_role("button", name="Record the advice").click()
    expect(page.get_by_text("Advice recorded.")).to_be_visible()
    assert axe_violations(page) == []
    sign_out(page)

    # 6. The IAM signs with a fresh code.
    _signed_in(page, live_server, "ian", devices["ian"])
    page.goto(dpia_url)
    page.get_by_role("link", name="Sign-off by the IAM and the Deputy SIRO").click()
    expect(page.get_by_role("button", name="Sign off")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Yes").check()
    page.get_by_label("I have read the assessment").check()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Your sign-off is recorded.")).to_be_visible()
    assert axe_violations(page) == []
    sign_out(page)

    # 7. The Deputy SIRO signs with a security key.
    virtual_key(page)
    sign_in(page, live_server, "dee", PASSWORD, devices["dee"])
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "Deputy's key")
    page.goto(dpia_url)
    page.get_by_role("link", name="Sign-off by the IAM and the Deputy SIRO").click()
    expect(page.get_by_role("button", name="Sign off")).to_be_visible()
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("I have read the assessment").check()
    use_key(page, "Sign off")
    expect(page.get_by_text("DPIA signed off by both the IAM and the Deputy SIRO.")).to_be_visible()
    assert axe_violations(page) == []
    assert DPIA.objects.get(pk=dpia.pk).state == DPIA.State.SIGNED
    sign_out(page)

    # 8. The request is approved: by the IAM, then (special category data) by the Deputy SIRO.
    _signed_in(page, live_server, "ian", devices["ian"])
    page.goto(request_url)
    expect(page.get_by_text("This cannot be approved yet")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Needed for the tables; the DPIA is signed")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    assert axe_violations(page) == []
    assert AccessRequest.objects.get(pk=request.pk).state == AccessRequest.State.SUBMITTED  # the second approval
    sign_out(page)
    password_step(page, live_server, "dee")
    use_key(page, "Use security key")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(request_url)
    assert axe_violations(page) == []
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Second approval: the DPIA is signed")
    use_key(page, "Record decision")
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    assert axe_violations(page) == []
    assert AccessRequest.objects.get(pk=request.pk).state == AccessRequest.State.APPROVED
    assert AccessGrant.objects.get(request=request).state == AccessGrant.State.ACTIVE
    sign_out(page)

    # 9. The Data Protection Officer exports the record of processing: the requester's area is a recipient.
    _signed_in(page, live_server, "dora", devices["dora"])
    page.get_by_role("link", name="Data protection").click()
    expect(page.locator("table")).to_contain_text("Health and work statistics")
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the controller's record (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = {row["Processing activity"]: row for row in csv.DictReader(text.splitlines())}
    row = rows["Health and work statistics"]
    assert "Working Age Benefits: 1 person" in row["Categories of recipients"]
    assert row["Article 9 basis for processing special category data"] == "Archiving, research and statistics (9(2)(j))"
    assert row["Owner"] == iam.display_name

    # 10. The map of the asset, then of the department, shows the flow to that business area.
    page.goto(asset_url)
    page.get_by_role("link", name="Where this data goes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the data of Health assessments goes")
    expect(page.get_by_role("group", name="Where the data of Health assessments goes")).to_be_visible()
    flow = page.get_by_role("row").filter(has_text="Staff in Working Age Benefits")
    expect(flow).to_contain_text("Health assessments")
    expect(page.locator("figure.app-data-map-figure svg")).to_contain_text("Staff in Working Age Benefits")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/privacy/map/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the department's data goes")
    expect(page.get_by_role("table")).to_contain_text("Staff in Working Age Benefits")
    assert axe_violations(page) == []
    page.get_by_label("Business area").select_option(label="Data as Statistics")
    page.get_by_role("button", name="Show the map").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Where the data of Data as Statistics goes")
    flow = page.get_by_role("row").filter(has_text="Staff in Working Age Benefits")
    expect(flow).to_contain_text("Health assessments")
    assert axe_violations(page) == []
