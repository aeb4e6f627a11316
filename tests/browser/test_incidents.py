"""The incident journey in a browser: staff report, the Deputy SIRO triages, suspends the grant involved,
records the ICO decision within the clock, and closes the incident with its lessons."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.access.models import AccessGrant
from governance.core.audit import system_user
from governance.incidents.models import Incident
from governance.register.organisation import set_deputy_siro
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset, make_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_triage_suspend_decide_and_close(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    deputy = UserFactory(username="dee", first_name="Dee", last_name="Okafor", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    iam = UserFactory(username="ian", first_name="Ian", business_area=area)
    staff = UserFactory(username="sam", first_name="Sam", last_name="Patel", business_area=area)
    asset = make_asset(manager=iam, business_area=area, name="Caseload extract")
    grant = make_grant(UserFactory(first_name="Hal", last_name="Holder", business_area=area), asset)
    staff_device, deputy_device = TOTPDeviceFactory(user=staff), TOTPDeviceFactory(user=deputy)

    # A member of staff reports it.
    sign_in(page, live_server, "sam", PASSWORD, staff_device)
    page.goto(f"{live_server.url}/incidents/report/")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send report").click()  # empty: every error is listed
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a short summary of what happened")
    assert axe_violations(page) == []
    page.get_by_label("Summary").fill("Extract kept past its grant")
    page.get_by_label("Data kept past its grant or destruction date").check()
    page.get_by_label("What happened").fill("A copy of the extract was found on a shared drive.")
    found = datetime.date.today()  # the 72-hour clock runs from here: a fixed date would run it out
    page.get_by_label("Day", exact=True).fill(str(found.day))
    page.get_by_label("Month", exact=True).fill(str(found.month))
    page.get_by_label("Year", exact=True).fill(str(found.year))
    page.locator("#id_personal_data_0").check()
    page.locator("#id_special_category_1").check()
    page.get_by_label("Which information assets does it touch? (optional)").select_option(label="Caseload extract")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("The people responsible have been told.")).to_be_visible()
    expect(page.locator("#clock")).to_contain_text("left")
    incident_url = page.url
    sign_out(page)

    # The Deputy SIRO sees it on their home task list and triages it.
    sign_in(page, live_server, "dee", PASSWORD, deputy_device)
    expect(page.get_by_role("link", name="Decide on reporting 1 incident to the ICO")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Decide on reporting 1 incident to the ICO").click()
    expect(page.locator("table")).to_contain_text("Extract kept past its grant")
    assert axe_violations(page) == []
    page.goto(incident_url)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Triage the incident").click()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("A risk to people's rights and freedoms").check()
    page.get_by_label("Risk assessment").fill("Claimant names and NINOs readable by 40 staff")
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_text("Triage recorded.")).to_be_visible()

    # She suspends the grant involved; the incident page now offers to restore it.
    page.get_by_role("button", name=f"Suspend grant {grant.pk}").click()
    expect(page.get_by_text("Access suspended.")).to_be_visible()
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.SUSPENDED
    expect(page.get_by_role("link", name=f"Restore access of grant {grant.pk}")).to_be_visible()

    # The ICO decision, within the clock.
    page.get_by_role("link", name="Decide on reporting to the ICO").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decide on reporting to the ICO")
    assert axe_violations(page) == []
    page.get_by_label("Report to the ICO", exact=True).check()
    page.get_by_label("Reason for the decision").fill("Identifiable data seen by staff without a grant")
    page.get_by_label("ICO case reference (optional)").fill("IC-123456")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("ICO decision recorded.")).to_be_visible()
    expect(page.locator("#clock")).to_contain_text("Decided within 72 hours")

    page.get_by_role("link", name="Decide whether to tell the people affected").click()
    page.get_by_label("Do not tell the people affected").check()
    page.get_by_label("Reason for the decision").fill("Seen only by vetted staff; the risk is not high")
    page.get_by_role("button", name="Record decision").click()

    # Contained: she restores Hal's access from the incident, with her reason; the incident records it.
    page.get_by_role("link", name=f"Restore access of grant {grant.pk}").click()
    page.wait_for_url("**/restore/")
    page.get_by_role("button", name="Restore access").click()  # no reason: refused, nothing changes
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Reason").fill("Contained: the copy on the shared drive was deleted")
    page.get_by_role("button", name="Restore access").click()
    expect(page.get_by_text("Access of Hal Holder to Caseload extract restored.")).to_be_visible()
    expect(page.get_by_text("Restore the access of").first).to_be_visible()
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE

    # And closes it with the lessons.
    page.get_by_role("link", name="Close the incident").click()
    page.get_by_label("Lessons learned").fill("Shared drives are swept monthly for extracts past their grant")
    page.get_by_role("button", name="Close incident").click()
    expect(page.get_by_text("closed.")).to_be_visible()
    assert axe_violations(page) == []
    incident = Incident.objects.get()
    assert incident.state == Incident.State.CLOSED and incident.ico_reference == "IC-123456"
    assert not incident.decided_late
