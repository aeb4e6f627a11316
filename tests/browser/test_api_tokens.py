"""Creating and revoking an API token in a browser: GOV.UK pages, axe-clean, without JavaScript needed."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from governance.core.models import ApiToken
from tests.browser.conftest import axe_violations, sign_in
from tests.conftest import fresh_code
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_show_once_and_revoke(page, live_server):
    user = UserFactory(username="tess")
    device = TOTPDeviceFactory(user=user)
    sign_in(page, live_server, "tess", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/account/security/")
    page.get_by_role("link", name="Create an API token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an API token")
    assert axe_violations(page) == [], "token form"

    page.get_by_label("What is the token for?").fill("Asset feed from the CMDB")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("What is the token for?")).to_have_value("Asset feed from the CMDB")
    assert axe_violations(page) == [], "token form with errors"

    expires = datetime.date.today() + datetime.timedelta(days=30)
    page.get_by_label("Day").fill(str(expires.day))
    page.get_by_label("Month").fill(str(expires.month))
    page.get_by_label("Year").fill(str(expires.year))
    page.get_by_label("Code from your authenticator app").fill(fresh_code(device))
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name="API token created")).to_be_visible()
    token = ApiToken.objects.get(user=user)
    expect(page.locator("#api-token")).to_contain_text(f"cus_{token.key}.")
    assert axe_violations(page) == [], "token shown once"

    page.goto(f"{live_server.url}/account/security/")
    assert axe_violations(page) == [], "security page with a token"
    page.get_by_role("link", name=f"Revoke token {token.key}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke the token {token.key}")
    assert axe_violations(page) == [], "revoke confirmation"
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    token.refresh_from_db()
    assert token.is_revoked


def test_api_documentation_renders_from_local_static_files(page, live_server):
    user = UserFactory(username="dora")
    device = TOTPDeviceFactory(user=user)
    sign_in(page, live_server, "dora", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    outside = []
    page.on("request", lambda request: outside.append(request.url) if live_server.url not in request.url else None)
    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI builds the page from the schema in the browser: on a busy machine that takes a while.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Custodian API", timeout=30_000)
    assert outside == []
