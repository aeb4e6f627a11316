"""Signing in through the identity provider's own pages, then signing a release off with a step-up there.

The test OpenID provider (npm's oidc-provider, tests/oidc_provider) serves its sign-in page to
Chromium; the portal runs on the live server. The Chief Statistician has no portal key and
no authenticator app: the provider's sign-in with the security token is the second factor,
and signing in there again is the fresh proof for the sign-off.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder, SecurityEvent
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow
from governance.releases.models import ReleaseSignOff
from tests.browser.conftest import axe_violations
from tests.core.sso_provider import running_provider, switch_on
from tests.factories import BusinessAreaFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("oidc_provider")]

PROVIDER_NAME = "Test identity provider"
SAFE_CSV = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


@pytest.fixture(scope="module")
def live_provider(live_server):
    """A provider whose client is the live server (its callback and logout addresses)."""
    with running_provider(live_server.url) as provider:
        yield provider


def sign_in_at_provider(page, account: str) -> None:
    """The provider's own page: the username, the security token and its PIN, then Sign in."""
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(account)
    page.get_by_label("I used my security token and its PIN").check()
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_through_the_provider_then_sign_a_release_off_with_a_step_up(
    page, live_server, live_provider, settings
):
    switch_on(settings, live_provider)
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    chief = UserFactory(
        username="chris", first_name="Chris", last_name="Morgan", business_area=area, oidc_subject="subject-alice"
    )
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, chief, by=system_user())
    author = UserFactory(username="sara", business_area=area, groups=[roles.STATISTICIANS])
    release = workflow.create_release(
        by=author,
        title="Benefit caseload: quarterly",
        planned_release_date=timezone.localdate() + datetime.timedelta(30),
    )
    source = workflow.add_source(release, by=author, asset=make_asset(business_area=area), extract_type="full")
    workflow.add_table(release, by=author, title="T", source=source, upload=SimpleUploadedFile("t.csv", SAFE_CSV))

    # Sign in: the portal's button, the provider's page, and back to the home page.
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_provider.issuer)}/interaction/"))
    sign_in_at_provider(page, "subject-alice")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The sign-off asks for a fresh sign-in at the provider, not a code.
    sign_off = f"{live_server.url}/releases/{release.pk}/sign-off/"
    page.goto(sign_off)
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name=f"Sign in again with {PROVIDER_NAME}").click()
    page.wait_for_url(re.compile(rf"^{re.escape(live_provider.issuer)}/interaction/"))
    sign_in_at_provider(page, "subject-alice")
    page.wait_for_url(sign_off)
    expect(page.get_by_text(f"You have signed in again with {PROVIDER_NAME} for this step")).to_be_visible()

    page.get_by_label("I have reviewed the disclosure control of every table").check()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Release signed off.")).to_be_visible()

    assert ReleaseSignOff.objects.get(release=release).signed_by == chief
    assert SecurityEvent.objects.filter(user=chief, detail__startswith="step-up used for").exists()
