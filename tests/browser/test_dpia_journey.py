"""The DPIA journey in a browser: a new access request for special category data is screened and its
approval refused; the IAM writes the DPIA, the DPO advises, the IAM signs with a fresh code and the
Deputy SIRO with a security key (Chromium's virtual authenticator); the request is then approved."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.access import requests as access_service
from governance.access.models import AccessRequest
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.privacy.models import DPIA
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.browser.test_security_keys import add_key, password_step, virtual_key
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


def test_a_dpia_gates_the_approval_of_special_category_access(page, live_server, settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    deputy = UserFactory(username="dee", first_name="Dee", last_name="Shah", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    dpo = UserFactory(username="dora", first_name="Dora", last_name="Price", business_area=area)
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, dpo, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    analyst = UserFactory(username="sam", first_name="Sam", last_name="Patel", business_area=area, is_data_handler=True)
    make_signoff(analyst, make_data_protection_course())
    devices = {user.username: TOTPDeviceFactory(user=user) for user in (deputy, dpo, iam)}
    asset = make_asset(manager=iam, business_area=area, name="Health assessments", identifiability="pseudonymised")
    DataItemFactory(asset=asset, name="health_condition", description="Condition", sensitivity="special_category")
    request = access_service.save_request(
        requester=analyst,
        asset=asset,
        purpose="Health and work statistics",
        business_case="The published tables need the condition.",
        requested_end_date=datetime.date.today() + datetime.timedelta(days=60),
        items={asset.items.get(): "The condition is the statistic"},
        submit=True,
    )
    dpia = DPIA.objects.get(access_request=request)  # screened as it was submitted
    request_url = f"{live_server.url}{request.get_absolute_url()}"
    dpia_url = f"{live_server.url}{dpia.get_absolute_url()}"

    # The IAM is refused approval: the request names its DPIA.
    sign_in(page, live_server, "ian", PASSWORD, devices["ian"])
    page.goto(request_url)
    expect(page.get_by_text("This cannot be approved yet")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Needed for the tables")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The DPIA screening of this access request")
    assert AccessRequest.objects.get(pk=request.pk).iam_decision == ""

    # The IAM answers the screening and writes the assessment.
    page.goto(request_url)
    page.get_by_role("link", name="The DPIA screening of this access request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dpia.title)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Screening", exact=True).click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether a DPIA is needed")
    assert axe_violations(page) == []
    page.get_by_label("Combining, comparing or matching data from several sources").check()
    page.get_by_label("A DPIA is needed").check()
    page.get_by_label("Reasons").fill("Health data matched with benefit records")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Screening recorded: a DPIA is needed.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Add a risk").click()
    assert axe_violations(page) == []
    page.get_by_label("The risk to people").fill("A person's health condition is disclosed")
    page.get_by_label("Possible").check()
    page.get_by_label("Severe").check()
    page.get_by_label("Measures to reduce or remove it").fill("Secure environment; tables rounded")
    page.locator("input[name=residual_risk][value=low]").check()
    page.get_by_role("button", name="Add the risk").click()
    expect(page.get_by_text("Risk added.")).to_be_visible()
    page.get_by_label("Description of the processing").fill("Tables of health conditions by benefit")
    page.get_by_label("Necessity and proportionality").fill("Public task; only the condition is taken")
    page.locator("input[name=residual_risk][value=low]").check()
    page.get_by_label("The assessment is complete").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Assessment sent to the Data Protection Officer for advice.")).to_be_visible()
    sign_out(page)

    # The DPO advises.
    sign_in(page, live_server, "dora", PASSWORD, devices["dora"])
    page.goto(dpia_url)
    page.get_by_role("link", name="The Data Protection Officer's advice").click()
    assert axe_violations(page) == []
    page.get_by_label("Your advice as Data Protection Officer").fill("Proceed with the measures described")
    page.get_by_role("button", name="Record the advice").click()
    expect(page.get_by_text("Advice recorded.")).to_be_visible()
    sign_out(page)

    # The IAM signs with a fresh code.
    sign_in(page, live_server, "ian", PASSWORD, devices["ian"])
    page.goto(dpia_url)
    page.get_by_role("link", name="Sign-off by the IAM and the Deputy SIRO").click()
    assert axe_violations(page) == []
    page.get_by_label("Yes").check()
    page.get_by_label("I have read the assessment").check()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Your sign-off is recorded.")).to_be_visible()
    sign_out(page)

    # The Deputy SIRO signs with a security key.
    virtual_key(page)
    sign_in(page, live_server, "dee", PASSWORD, devices["dee"])
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "Deputy's key")
    page.goto(dpia_url)
    page.get_by_role("link", name="Sign-off by the IAM and the Deputy SIRO").click()
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("I have read the assessment").check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("DPIA signed off by both the IAM and the Deputy SIRO.")).to_be_visible()
    assert axe_violations(page) == []
    assert DPIA.objects.get(pk=dpia.pk).state == DPIA.State.SIGNED
    sign_out(page)

    # The request is now approved: by the IAM, then the Deputy SIRO.
    sign_in(page, live_server, "ian", PASSWORD, devices["ian"])
    page.goto(request_url)
    expect(page.get_by_text("This cannot be approved yet")).to_have_count(0)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Needed for the tables; the DPIA is signed")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(devices["ian"]))
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    sign_out(page)
    password_step(page, live_server, "dee")
    page.get_by_role("button", name="Use security key").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(request_url)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason for your decision").fill("Second approval: the DPIA is signed")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    assert AccessRequest.objects.get(pk=request.pk).state == AccessRequest.State.APPROVED
