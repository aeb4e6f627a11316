"""Security keys in a real browser: Chromium's virtual authenticator, driven over the DevTools protocol.

The virtual authenticator is a CTAP2 USB key with a PIN (user verification); each
journey registers a key through the portal's own pages, as a person would.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder, SecurityEvent, SecurityKeyRequirement
from governance.register.organisation import appoint_office_holder
from governance.releases import workflow
from governance.releases.models import ReleaseSignOff, StatisticalRelease
from tests.browser.conftest import axe_violations, sign_in, sign_out
from tests.factories import PASSWORD, BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Kind = SecurityEvent.Kind
SAFE_TABLE = b"region,count\nNorth,120\nSouth,40\nTotal,160\n"


@pytest.fixture(autouse=True)
def relying_party(settings, live_server):
    """The live server's origin is the relying party's (localhost, a secure context for WebAuthn)."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")


def virtual_key(page, *, verified: bool = True) -> tuple[object, str]:
    """Plug a virtual FIDO2 key with a PIN into this page's browser; ``verified`` is whether the PIN is given."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": verified,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def events(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("at", "pk").values_list("kind", flat=True))


def use_key(page, button: str) -> None:
    """Select a button that asks the security key, once the page's script is ready to ask it.

    The script hides the "Security keys need JavaScript" notice when it takes over the form; a
    button selected before then (a busy machine, the module still loading) sends the form without
    the key's answer, and the page rightly says the key was not added or accepted."""
    expect(page.locator("[data-security-key] [data-no-support]")).to_be_hidden()
    page.get_by_role("button", name=button).click()


def add_key(page, live_server, name: str) -> None:
    page.goto(f"{live_server.url}/account/security/")
    page.get_by_role("link", name="Add a security key").click()
    page.get_by_label("Name for this key").fill(name)
    use_key(page, "Add security key")
    expect(page.get_by_text("Security key added.")).to_be_visible()


def password_step(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_register_a_key_sign_out_and_sign_in_with_it(page, live_server):
    user = UserFactory(username="kim.key", first_name="Kim", last_name="Key")
    device = TOTPDeviceFactory(user=user)
    virtual_key(page)
    sign_in(page, live_server, "kim.key", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/account/security/keys/add/")
    assert axe_violations(page) == []
    add_key(page, live_server, "Blue key on my keyring")
    row = page.locator("table", has_text="Your security keys").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Blue key on my keyring")
    expect(row).to_contain_text("Not used yet")
    expect(page.locator("table", has_text="recent sign-in activity")).to_contain_text("Security key added")
    assert axe_violations(page) == []
    key = WebAuthnCredential.objects.get(user=user)
    assert key.name == "Blue key on my keyring" and key.confirmed

    sign_out(page)
    password_step(page, live_server, "kim.key")
    expect(page.get_by_role("heading", level=1)).to_have_text("Use your security key")
    expect(page.get_by_role("button", name="Use your authenticator app instead")).to_be_visible()
    assert axe_violations(page) == []
    use_key(page, "Use security key")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text().endswith("Kim Key")
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert events(user)[-3:] == [Kind.LOGOUT, Kind.KEY_USED, Kind.LOGIN]


def test_a_key_that_fails_user_verification_is_refused(page, live_server):
    user = UserFactory(username="una.pin")
    device = TOTPDeviceFactory(user=user)
    cdp, authenticator = virtual_key(page)
    sign_in(page, live_server, "una.pin", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "Work key")
    sign_out(page)

    # The key is touched but its PIN is not verified: the portal requires user verification.
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False})
    password_step(page, live_server, "una.pin")
    use_key(page, "Use security key")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your security key was not accepted")
    assert page.title().startswith("Error: ")
    assert axe_violations(page) == []
    assert page.url.startswith(f"{live_server.url}/account/login/")
    assert events(user)[-1] == Kind.KEY_FAILED
    page.goto(f"{live_server.url}/")
    assert "/account/login/" in page.url  # still not signed in


def test_a_person_in_a_key_required_role_without_a_key_reaches_only_registration(page, live_server):
    SecurityKeyRequirement.objects.create(role=SecurityKeyRequirement.Role.ADMINISTRATORS, reason="Admin site")
    admin = UserFactory(username="ada.admin", groups=[roles.ADMINISTRATORS])
    device = TOTPDeviceFactory(user=admin)
    virtual_key(page)
    sign_in(page, live_server, "ada.admin", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/account/security/keys/add/")
    expect(page.get_by_text("Your role (Administrators) requires a security key.")).to_be_visible()
    assert axe_violations(page) == []
    for path in ("/", "/account/security/", "/assets/", "/admin/", "/account/two-factor/backup-codes/"):
        page.goto(f"{live_server.url}{path}")
        assert page.url == f"{live_server.url}/account/security/keys/add/", path

    page.get_by_label("Name for this key").fill("Admin key")
    use_key(page, "Add security key")
    expect(page.get_by_text("Security key added.")).to_be_visible()
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/"

    # From now on the key is the only way in: no authenticator app, no backup codes.
    sign_out(page)
    password_step(page, live_server, "ada.admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Use your security key")
    expect(page.get_by_role("button", name="Use your authenticator app instead")).to_have_count(0)
    expect(page.get_by_role("button", name="Use a backup code")).to_have_count(0)
    use_key(page, "Use security key")
    page.wait_for_url(f"{live_server.url}/")


def test_release_sign_off_with_a_key(page, live_server):
    area = BusinessAreaFactory(name="Data as Statistics", code="das")
    statistician = UserFactory(username="sara.stat", business_area=area, groups=[roles.STATISTICIANS])
    chief = UserFactory(username="chris.chief", business_area=area)
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, chief, by=system_user())
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name="Caseload extract")
    release = workflow.create_release(
        by=statistician,
        title="Caseload: quarterly",
        planned_release_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    source = workflow.add_source(release, by=statistician, asset=asset, extract_type="full")
    workflow.add_table(
        release, by=statistician, title="By region", source=source, upload=SimpleUploadedFile("t.csv", SAFE_TABLE)
    )
    device = TOTPDeviceFactory(user=chief)
    virtual_key(page)
    sign_in(page, live_server, "chris.chief", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "Chief's key")

    page.goto(f"{live_server.url}{release.get_absolute_url()}sign-off/")
    expect(page.get_by_role("heading", name="Confirm with your security key")).to_be_visible()
    expect(page.get_by_label("Code from your authenticator app")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_label("I have reviewed the disclosure control").check()
    use_key(page, "Sign off")
    expect(page.get_by_text("Release signed off.")).to_be_visible()
    assert ReleaseSignOff.objects.get().signed_by == chief
    release.refresh_from_db()
    assert release.status == StatisticalRelease.Status.SIGNED_OFF
    assert events(chief)[-1] == Kind.KEY_USED


def test_removing_a_key_after_confirming_with_it(page, live_server):
    user = UserFactory(username="rob.remove")
    device = TOTPDeviceFactory(user=user)
    virtual_key(page)
    sign_in(page, live_server, "rob.remove", PASSWORD, device)
    page.wait_for_url(f"{live_server.url}/")
    add_key(page, live_server, "Old key")

    page.get_by_role("link", name="Remove Old key").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove this security key")
    assert axe_violations(page) == []
    use_key(page, "Remove key")
    expect(
        page.get_by_text("Security key \N{LEFT SINGLE QUOTATION MARK}Old key\N{RIGHT SINGLE QUOTATION MARK} removed.")
    ).to_be_visible()
    expect(page.get_by_text("You have no security keys.")).to_be_visible()
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert events(user)[-2:] == [Kind.KEY_USED, Kind.KEY_REMOVED]
