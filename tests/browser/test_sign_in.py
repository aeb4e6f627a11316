"""Signing in with a password and an authenticator code, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_with_password_and_code_reaches_home(page, live_server):
    user = UserFactory(username="pat.browser", first_name="Pat", last_name="Browser")
    device = TOTPDeviceFactory(user=user)

    page.goto(f"{live_server.url}/")
    assert page.title() == "Sign in \N{EN DASH} Custodian"
    assert axe_violations(page) == []

    sign_in(page, live_server, "pat.browser", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Pat Browser")
    expect(page.get_by_text(user.business_area.name).first).to_be_visible()
    assert axe_violations(page) == []


def test_wrong_code_shows_the_error_summary(page, live_server):
    user = UserFactory(username="pat.wrong")
    TOTPDeviceFactory(user=user)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Username").fill("pat.wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert "There is a problem" in summary.inner_text()
    assert page.title().startswith("Error: ")
    assert axe_violations(page) == []
