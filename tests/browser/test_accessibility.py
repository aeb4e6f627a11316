"""Every page passes axe-core's WCAG 2.2 AA checks, in their normal and error states."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.core import roles
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import (
    PASSWORD,
    BusinessAreaFactory,
    TOTPDeviceFactory,
    UserFactory,
    make_asset,
    make_course,
    make_signoff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_pass_axe(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    admin = UserFactory(username="ada", business_area=area, groups=[roles.ADMINISTRATORS], is_staff=True)
    device = TOTPDeviceFactory(user=admin)
    sign_in(page, live_server, "ada", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")

    course = make_course()
    asset = make_asset(manager=admin, business_area=area, name="Claims")
    signoff = make_signoff(admin, course, days_ago=350)
    pages = [
        "/",
        "/training/",
        f"/training/{course.pk}/sign/",
        f"/training/signoffs/{signoff.pk}/",
        "/training/courses/",
        f"/training/courses/{course.pk}/",
        f"/training/courses/{course.pk}/publish/",
        "/training/courses/new/",
        "/training/compliance/",
        f"/training/compliance/{area.pk}/{course.pk}/",
        "/people/import/",
        "/assets/",
        f"/assets/{asset.pk}/",
        f"/assets/{asset.pk}/edit/",
        f"/assets/{asset.pk}/iam/",
        f"/assets/{asset.pk}/review/",
        f"/assets/{asset.pk}/items/new/",
        "/assets/accountability/",
        "/assets/import/",
        "/audit/",
        "/audit/verifications/",
        "/access/",
        "/access/grants/",
        "/access/requests/",
        "/access/register/",
        "/access/decisions/",
        "/access/reviews/",
        "/areas/",
        f"/areas/{area.pk}/",
        f"/areas/{area.pk}/edit/",
        "/areas/new/",
        f"/areas/{area.pk}/delete/",
        f"/people/{admin.pk}/",
        "/account/security/",
        "/account/two-factor/backup-codes/",
        "/no-such-page/",
    ]
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page) == [], path

    # A form in its error state: summary, messages and field styling.
    page.goto(f"{live_server.url}/areas/new/")
    page.get_by_label("Short code").fill("not a slug")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == [], "area form with errors"


def test_setup_pages_pass_axe(page, live_server):
    UserFactory(username="newcomer")
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/account/two-factor/setup/**")
    assert axe_violations(page) == [], "set-up welcome"
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#secret-key")).to_be_visible()
    assert axe_violations(page) == [], "set-up QR code"


@pytest.mark.django_db(transaction=False)
def test_the_check_names_each_violation_and_the_elements_it_found(page):
    """The check itself: a clean page passes, and a page that breaks a rule fails naming the rule
    and each element (found by the second, slower run a page with violations is given)."""
    page.set_content('<html lang="en"><head><title>Clean</title></head><body><main><h1>Clean</h1></main></body></html>')
    assert axe_violations(page) == []
    page.set_content(
        '<html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1>'
        '<img id="first" src="data:,"><img id="second" src="data:,"></main></body></html>'
    )
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt"]
    assert violations[0]["nodes"] == [["#first"], ["#second"]]
