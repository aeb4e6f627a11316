"""The API documentation renders under the portal's content security policy, with no violation.

The shared ``page`` fixture bypasses the policy (axe is injected as an inline script), so
this test opens a context of its own that enforces it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = (
    "window.violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def enforcing_page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(RECORD_VIOLATIONS)
    yield page
    context.close()


def test_redoc_renders_and_searches_the_api_without_breaking_the_policy(enforcing_page, live_server):
    page = enforcing_page
    reader = UserFactory(username="rita")
    sign_in(page, live_server, "rita", PASSWORD, TOTPDeviceFactory(user=reader))
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", name="Custodian API")).to_be_visible(timeout=20_000)
    page.get_by_placeholder("Search...").fill("grants")
    expect(page.get_by_role("heading", name="grants").first).to_be_visible()
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    # Only Redoc's footer logo, on a third-party server, is refused (and hidden): the page calls nowhere else.
    assert page.evaluate("window.violations") == ["img-src https://cdn.redoc.ly/redoc/logo-mini.svg"]
    # Every other page keeps the policy whole: an inline script there is still refused.
    page.goto(f"{live_server.url}/")
    assert page.evaluate("window.violations") == []
    page.evaluate("document.head.appendChild(Object.assign(document.createElement('style'), {textContent: 'p{}'}))")
    assert page.evaluate("window.violations") == ["style-src-elem inline"]
