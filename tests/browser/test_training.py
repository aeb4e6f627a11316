"""A data handler signs their data-protection declaration with a fresh code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance.training.models import TrainingSignOff
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import fresh_code, used_code
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_data_protection_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_data_handler_signs_with_a_fresh_code_and_is_current(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    handler = UserFactory(
        username="dana", first_name="Dana", last_name="Okafor", business_area=area, is_data_handler=True
    )
    device = TOTPDeviceFactory(user=handler)
    course = make_data_protection_course()

    sign_in(page, live_server, "dana", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My training").click()
    expect(page.get_by_text("Not cleared for personal data").first).to_be_visible()
    expect(page.get_by_text("Never signed")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name=f"Sign {course.title}").click()
    expect(page.locator("#declaration")).to_contain_text("I have completed Data protection.")
    assert axe_violations(page) == []
    page.get_by_label("I confirm that I have received this training").check()
    # The code used to sign in cannot be used again: the next one is needed.
    page.get_by_label("Code from your authenticator app").fill(used_code(device))
    page.get_by_role("button", name="Sign the declaration").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a new code from your authenticator app")
    assert axe_violations(page) == []

    page.get_by_label("I confirm that I have received this training").check()
    page.get_by_label("Code from your authenticator app").fill(fresh_code(device))
    page.get_by_role("button", name="Sign the declaration").click()
    expect(page.get_by_text("You have signed Data protection (version 1).")).to_be_visible()
    expect(page.get_by_text("Cleared for personal data")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Current until")
    assert TrainingSignOff.objects.filter(user=handler).count() == 1
    assert axe_violations(page) == []
