"""The incident journey in a browser: staff report from the asset's page in under ten actions, the Deputy
SIRO triages and links the grant involved, suspends it after the confirmation, records the ICO decision
within the clock, and closes the incident with its lessons. Axe checks each page; the report also works
without JavaScript."""

from __future__ import annotations

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

    # A member of staff reports it from the asset's page, in under ten actions (today is filled in).
    sign_in(page, live_server, "sam", PASSWORD, staff_device)
    page.goto(f"{live_server.url}{asset.get_absolute_url()}")  # 1
    page.get_by_role("link", name="Report an incident involving Caseload extract").click()  # 2
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an information security incident")
    expect(page.get_by_label("Caseload extract")).to_be_checked()
    assert axe_violations(page) == []
    page.get_by_label("Summary").fill("Extract kept past its grant")  # 3
    page.get_by_label("Data kept past its grant or destruction date").check()  # 4
    page.get_by_label("What happened").fill("A copy of the extract was found on a shared drive.")  # 5
    page.locator("#id_personal_data_0").check()  # 6
    page.locator("#id_special_category_1").check()  # 7
    page.get_by_label("Roughly how many people are affected? (optional)").fill("about 200")  # 8
    page.get_by_role("button", name="Send report").click()  # 9
    expect(page.get_by_text("The people responsible have been told.")).to_be_visible()
    expect(page.locator("#clock")).to_contain_text("left")
    expect(page.locator("#clock")).to_contain_text("(UK time)")
    assert axe_violations(page) == []
    incident_url = page.url

    # A report with a mistake in every answer lists them all at once.
    page.goto(f"{live_server.url}/incidents/report/")
    for part in ("Day", "Month", "Year"):
        page.get_by_label(part, exact=True).fill("")
    page.get_by_label("Roughly how many people are affected? (optional)").fill("lots")
    page.get_by_role("button", name="Send report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a short summary of what happened")
    expect(summary).to_contain_text("Enter the date it was found")
    expect(summary).to_contain_text("Enter how many people are affected")
    assert axe_violations(page) == []
    sign_out(page)

    # The Deputy SIRO sees it on their home task list and triages it.
    sign_in(page, live_server, "dee", PASSWORD, deputy_device)
    expect(page.get_by_role("link", name="Decide on reporting 1 incident to the ICO")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Decide on reporting 1 incident to the ICO").click()
    expect(page.locator("table")).to_contain_text("Extract kept past its grant")
    assert axe_violations(page) == []
    page.goto(incident_url)
    expect(page.locator(".govuk-task-list")).to_contain_text("Cannot start yet")
    assert axe_violations(page) == []
    page.locator(".govuk-task-list").get_by_role("link", name="Triage the incident").click()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("A risk to people's rights and freedoms").check()
    page.get_by_label("Risk assessment").fill("Claimant names and NINOs readable by 40 staff")
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_text("Triage recorded.")).to_be_visible()

    # During triage she links the grant involved, chosen from the asset's grants.
    page.locator(".govuk-task-list").get_by_role("link", name="Link the grants and contracts involved").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Link the grants and contracts involved")
    assert axe_violations(page) == []
    page.get_by_label("Hal Holder: Caseload extract", exact=False).check()
    page.get_by_role("button", name="Link records").click()
    expect(page.get_by_text("1 record linked to the incident.")).to_be_visible()
    expect(page.locator("#touches + ul")).to_contain_text("Hal Holder")

    # She suspends it after the confirmation, which asks for her reason; the page then offers to restore it.
    page.get_by_role("link", name="Suspend Hal Holder's access to Caseload extract").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure you want to suspend")
    grant.refresh_from_db()
    assert grant.state == AccessGrant.State.ACTIVE
    page.get_by_role("button", name="Suspend access").click()  # no reason: refused
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you are suspending this access")
    assert axe_violations(page) == []
    page.get_by_label("Why are you suspending this access?").fill("The extract on the shared drive is his copy")
    page.get_by_role("button", name="Suspend access").click()
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

    page.get_by_role("link", name="Decide whether to tell the people affected").first.click()
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
    page.get_by_role("link", name="Close the incident").first.click()
    page.get_by_label("Lessons learned").fill("Shared drives are swept monthly for extracts past their grant")
    page.get_by_role("button", name="Close incident").click()
    expect(page.get_by_text("closed.")).to_be_visible()
    assert axe_violations(page) == []
    incident = Incident.objects.get()
    assert incident.state == Incident.State.CLOSED and incident.ico_reference == "IC-123456"
    assert not incident.decided_late

    # The whole history, one link from the incident's page.
    page.get_by_role("link", name="See the incident's full change history").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Full change history")
    expect(page.locator("#history + table")).to_contain_text("closed")
    assert axe_violations(page) == []


def test_the_report_works_without_javascript(browser, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    staff = UserFactory(username="sam", first_name="Sam", business_area=area)
    make_asset(manager=UserFactory(business_area=area), business_area=area, name="Caseload extract")
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Benefit claims")
    context = browser.new_context(java_script_enabled=False, bypass_csp=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, "sam", PASSWORD, TOTPDeviceFactory(user=staff))
        page.goto(f"{live_server.url}/incidents/report/?asset={asset.pk}")
        expect(page.get_by_label("Filter the assets")).to_be_hidden()  # shown only with JavaScript
        expect(page.get_by_label("Caseload extract")).to_be_visible()
        expect(page.get_by_label("Benefit claims")).to_be_checked()
        page.get_by_label("Summary").fill("Papers left in a meeting room")
        page.get_by_label("Loss or theft of a device or papers").check()
        page.get_by_label("What happened").fill("Printed case notes left on a table.")
        page.locator("#id_personal_data_0").check()
        page.locator("#id_special_category_1").check()
        page.get_by_label("Roughly how many people are affected? (optional)").fill("100\u2013500")
        page.get_by_role("button", name="Send report").click()
        expect(page.get_by_text("The people responsible have been told.")).to_be_visible()
        expect(page.locator("#clock")).to_contain_text("left")
        found = page.locator(".govuk-summary-list__row", has_text="Found")
        expect(found).to_contain_text("time not known")
        incident = Incident.objects.get()
        assert (incident.people_affected, incident.people_affected_max) == (100, 500)
        assert list(incident.links.values_list("asset__name", flat=True)) == ["Benefit claims"]
    finally:
        context.close()
