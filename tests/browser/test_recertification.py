"""An IAM runs an access review campaign over 30 grants in a browser: keeps, shortens and revokes
them ten at a time with one reason each (the last ten as "all still to review"), every page checked
with axe; then the same without JavaScript."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.access import recertification
from governance.access.models import AccessGrant, AccessReview
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset, make_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASSET = "Caseload extract"


def _world():
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    iam = UserFactory(username="ian", first_name="Ian", last_name="Roberts", business_area=area)
    device = TOTPDeviceFactory(user=iam)
    asset = make_asset(manager=iam, business_area=area, name=ASSET)
    holders = [
        UserFactory(username=f"holder{n:02}", first_name="Holder", last_name=f"{n:02}", business_area=area)
        for n in range(30)
    ]
    for holder in holders:
        make_grant(holder, asset)
    recertification.start_campaign()
    return iam, device, holders


def _decide(page, holders, decision: str, reason: str = "", ends_on: datetime.date | None = None) -> None:
    for holder in holders:
        page.get_by_label(f"{holder.display_name}: {ASSET}").check()
    page.get_by_label(decision, exact=True).check()
    if ends_on is not None:
        page.get_by_label("Day", exact=True).fill(str(ends_on.day))
        page.get_by_label("Month", exact=True).fill(str(ends_on.month))
        page.get_by_label("Year", exact=True).fill(str(ends_on.year))
    if reason:
        page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Record the decision for the selected grants").click()


def _run_campaign(page, live_server, device, holders, *, axe: bool = True) -> None:
    def accessible() -> bool:
        return not axe or axe_violations(page) == []

    sign_in(page, live_server, "ian", PASSWORD, device)
    page.goto(f"{live_server.url}/access/campaigns/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your access reviews")
    assert accessible()
    page.locator("table a.govuk-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review access to your assets")
    expect(page.locator("caption")).to_contain_text("30 grants to review")
    assert accessible()

    # Every mistake at once, nothing written.
    page.get_by_label("Shorten: end the access sooner").check()
    page.get_by_role("button", name="Record the decision for the selected grants").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the grants to decide")
    expect(summary).to_contain_text("Enter the new end date")
    expect(summary).to_contain_text("Give the reason for shortening access")
    assert accessible()

    _decide(page, holders[:10], "Keep")
    expect(page.get_by_text("10 grants kept.")).to_be_visible()
    assert accessible()
    later = datetime.date.today() + datetime.timedelta(days=30)
    _decide(page, holders[10:20], "Shorten: end the access sooner", "The project ends sooner", later)
    expect(page.get_by_text("10 grants shortened to end on")).to_be_visible()
    # The last ten all at once, without ticking each.
    page.get_by_label("All 10 grants still to review").check()
    _decide(page, [], "Revoke", "No longer on the project")
    expect(page.get_by_text("10 grants revoked.")).to_be_visible()
    expect(page.get_by_text("Nothing left to review")).to_be_visible()
    assert accessible()

    page.goto(f"{live_server.url}/access/your-grants/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your grants")
    assert accessible()

    decisions = list(AccessReview.objects.order_by("grant__holder__last_name").values_list("decision", flat=True))
    assert decisions == ["confirm"] * 10 + ["shorten"] * 10 + ["revoke"] * 10
    assert AccessGrant.objects.filter(state="revoked").count() == 10
    assert AccessGrant.objects.filter(ends_on=later).count() == 10


def test_an_iam_runs_a_campaign_over_thirty_grants(page, live_server):
    _, device, holders = _world()
    _run_campaign(page, live_server, device, holders)


def test_the_campaign_works_without_javascript(browser, live_server):
    _, device, holders = _world()
    context = browser.new_context(bypass_csp=True, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _run_campaign(page, live_server, device, holders, axe=False)  # axe itself needs JavaScript
    finally:
        context.close()
