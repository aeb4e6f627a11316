"""Security keys: the role rule, the key pages' refusals, security events, and what an attacker cannot skip.

Successful key ceremonies need a real authenticator: they are in
``tests/browser/test_security_keys.py`` (Chromium's virtual authenticator). These
tests cover the rules around them, with keys written straight to the database.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.checks import run_checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from governance.checks import security_key_settings
from governance.core import roles, security, security_keys
from governance.core.audit import acting_as, system_user
from governance.core.models import AuditEntry, OfficeHolder, SecurityEvent, SecurityKeyRequirement
from governance.core.security import KEY_FIELD, verify_fresh_second_factor, verify_key
from governance.core.webauthn import begin_assertion, begin_registration
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.conftest import fresh_code
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory, make_asset

Role = SecurityKeyRequirement.Role
Kind = SecurityEvent.Kind
LOGIN = "/account/login/"
STEP = "portal_login_view-current_step"


def make_key(user, name: str = "Blue key") -> WebAuthnCredential:
    """A registered key, as the library stores it (no real key material is needed to test the rules)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=f"id-{user.pk}-{name}".encode(),
        public_key=b"not-a-real-public-key",
        sign_count=0,
        confirmed=True,
    )


def require(role: str) -> SecurityKeyRequirement:
    return SecurityKeyRequirement.objects.create(role=role)


def kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("at", "pk").values_list("kind", flat=True))


def session_request(client, user, path: str = "/"):
    """A request carrying a real session, as the services see one."""
    request = RequestFactory().post(path, REMOTE_ADDR="10.0.0.9", HTTP_USER_AGENT="pytest")
    request.session = client.session
    request.user = user
    return request


@pytest.fixture
def person(db):
    user = UserFactory(username="kim")
    TOTPDeviceFactory(user=user)
    return user


# --- the role rule ------------------------------------------------------------------------------


def test_no_role_requires_a_key_until_an_administrator_lists_it(person):
    person.groups.add(_group(roles.ADMINISTRATORS))
    assert security_keys.must_use_security_key(person) is False
    assert security_keys.roles_requiring_key(person) == []


@pytest.mark.parametrize(
    ("role", "give"),
    [
        (Role.ADMINISTRATORS, lambda u: u.groups.add(_group(roles.ADMINISTRATORS))),
        (Role.DISCLOSURE_CONTROL, lambda u: u.groups.add(_group(roles.DISCLOSURE_CONTROL))),
        (Role.SIRO, lambda u: appoint_office_holder(OfficeHolder.Office.SIRO, u, by=system_user())),
        (Role.IAM, lambda u: make_asset(manager=u)),
        (Role.DEPUTY_SIRO, lambda u: set_deputy_siro(u.business_area, u, by=system_user())),
        (Role.DATA_HANDLERS, lambda u: _flag_handler(u)),
    ],
)
def test_each_listed_role_requires_a_key_of_its_holders_only(person, role, give):
    require(role)
    other = UserFactory(username="bystander")
    assert not security_keys.must_use_security_key(person)
    give(person)
    person = type(person).objects.get(pk=person.pk)  # fresh object: role facts are cached per object
    assert security_keys.must_use_security_key(person)
    assert security_keys.roles_requiring_key(person) == [Role(role).label]
    assert not security_keys.must_use_security_key(other)


def _group(name):
    return Group.objects.get(name=name)


def _flag_handler(user):
    user.is_data_handler = True
    user.save()


def test_the_list_of_roles_is_audited(person):
    with acting_as(person):
        rule = require(Role.SIRO)
        rule.delete()
    actions = AuditEntry.objects.filter(content_type__model="securitykeyrequirement").values_list("action", "actor")
    assert sorted(actions) == [(0, person.pk), (2, person.pk)]


# --- what an attacker cannot skip -------------------------------------------------------------------


def test_the_key_must_verify_the_person_at_registration_and_every_assertion(client, person):
    request = session_request(client, person)
    created = begin_registration(request, person)
    asked = begin_assertion(request, person, "approval")
    assert created["authenticatorSelection"]["userVerification"] == "required"
    assert asked["userVerification"] == "required"
    # django-otp-webauthn on its own asks only "discouraged" of a second factor: the helper changes that.
    library_default, _ = WebAuthnHelper(request).authenticate_begin(user=person, require_user_verification=False)
    assert library_default["userVerification"] == "discouraged"


def test_a_person_with_a_key_cannot_approve_with_an_authenticator_code(client, person):
    make_key(person)
    request = session_request(client, person)
    with pytest.raises(ValidationError) as refused:
        verify_fresh_second_factor(person, request=request, token=fresh_code(person.totpdevice_set.get()))
    assert KEY_FIELD in refused.value.error_dict
    assert kinds(person) == [Kind.KEY_FAILED]


def test_a_key_answer_for_another_challenge_or_a_replay_is_refused(client, person):
    make_key(person)
    request = session_request(client, person)
    begin_assertion(request, person, "sign-in")  # a challenge for signing in, not for an approval
    forged = {
        "id": "x",
        "rawId": "x",
        "type": "public-key",
        "response": {"clientDataJSON": "eyJjaGFsbGVuZ2UiOiJub3BlIn0", "authenticatorData": "", "signature": ""},
    }
    for answer in ("", "not json", json.dumps({"error": "NotAllowedError"}), json.dumps(forged)):
        assert verify_key(request, person, answer, purpose="approval") is None
    assert kinds(person) == [Kind.KEY_FAILED] * 4


def test_a_key_sign_in_names_the_person_on_the_keys_audit_entry(client, person, monkeypatch):
    """At sign-in the request has no user yet; the key's own update must still name who used it."""
    key = make_key(person)
    request = session_request(client, person)
    request.user = AnonymousUser()

    def accepted(request, user, answer, purpose):  # what the library does with a good answer
        key.sign_count += 1
        key.save()
        return key

    monkeypatch.setattr(security, "complete_assertion", accepted)
    assert verify_key(request, person, "{}", purpose="sign-in") == key
    updated = AuditEntry.objects.filter(content_type__model="webauthncredential", action=1).get()
    assert updated.actor == person and updated.remote_addr == "10.0.0.9"
    assert kinds(person) == [Kind.KEY_USED]


def test_someone_without_a_key_approves_with_a_fresh_code(client, person):
    request = session_request(client, person)
    verify_fresh_second_factor(person, request=request, token=fresh_code(person.totpdevice_set.get()))
    with pytest.raises(ValidationError):
        verify_fresh_second_factor(person, request=request, token="000000")


def test_a_key_only_person_cannot_sign_in_with_an_authenticator_code(client, person):
    person.groups.add(_group(roles.ADMINISTRATORS))
    require(Role.ADMINISTRATORS)
    make_key(person)
    client.post(LOGIN, {STEP: "auth", "auth-username": "kim", "auth-password": PASSWORD})
    device = person.totpdevice_set.get()
    # Asking for the app, or for backup codes, is ignored: the key is the only way past this step.
    page = client.post(LOGIN, {STEP: "token", "challenge_device": device.persistent_id})
    assert b"Use your security key" in page.content
    assert b"Use your authenticator app instead" not in page.content
    assert b"Use a backup code" not in page.content
    response = client.post(LOGIN, {STEP: "token", "token-otp_token": fresh_code(device)})
    assert response.status_code == 200
    assert b"Your security key was not accepted" in response.content
    assert client.get("/").status_code == 302
    response = client.post(LOGIN, {STEP: "backup", "backup-otp_token": "whatever", "wizard_goto_step": "backup"})
    assert client.get("/").status_code == 302
    assert kinds(person)[-1] == Kind.KEY_FAILED


def test_a_person_with_a_key_may_still_choose_the_app_when_no_role_requires_a_key(client, person):
    make_key(person)
    client.post(LOGIN, {STEP: "auth", "auth-username": "kim", "auth-password": PASSWORD})
    device = person.totpdevice_set.get()
    page = client.post(LOGIN, {STEP: "token", "challenge_device": device.persistent_id})
    assert b"Enter your one-time code" in page.content
    response = client.post(LOGIN, {STEP: "token", "token-otp_token": fresh_code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


# --- enrolment for key-required roles ---------------------------------------------------------------


def test_a_key_required_role_without_a_key_reaches_only_registration(verified_client, person):
    person.groups.add(_group(roles.ADMINISTRATORS))
    require(Role.ADMINISTRATORS)
    client = verified_client(person)
    for path in ("/", "/account/security/", "/assets/", "/admin/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/account/security/keys/add/"), path
    page = client.get("/account/security/keys/add/")
    assert page.status_code == 200
    assert b"Your role (Administrators) requires a security key." in page.content
    make_key(person)
    assert client.get("/").status_code == 200


# --- the key pages ------------------------------------------------------------------------------------


def test_key_pages_refuse_anonymous_and_unverified_people(client, unverified_client, person):
    key = make_key(person)
    for path in ("/account/security/keys/add/", f"/account/security/keys/{key.pk}/remove/"):
        assert client.get(path)["Location"].startswith("/account/login/")
    unverified = unverified_client(person)
    for path in ("/account/security/keys/add/", f"/account/security/keys/{key.pk}/remove/"):
        assert unverified.get(path)["Location"].startswith("/account/login/")
        assert unverified.post(path, {})["Location"].startswith("/account/login/")
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_nobody_removes_another_persons_key(verified_client, person):
    key = make_key(person)
    intruder = UserFactory(username="ivan")
    client = verified_client(intruder)
    assert client.get(f"/account/security/keys/{key.pk}/remove/").status_code == 403
    assert client.post(f"/account/security/keys/{key.pk}/remove/", {"otp_token": "123456"}).status_code == 403
    with pytest.raises(PermissionDenied):
        security_keys.remove_key(key, by=intruder, request=session_request(client, intruder))
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_account_security_lists_own_keys_and_their_events(verified_client, person):
    make_key(person, "Blue key")
    make_key(UserFactory(username="other"), "Someone else's key")
    SecurityEvent.objects.create(kind=Kind.KEY_REGISTERED, user=person)
    page = verified_client(person).get("/account/security/").content.decode()
    assert "Blue key" in page and "Someone else" not in page
    assert "Security key added" in page and "Not used yet" in page


def test_the_last_key_a_role_requires_cannot_be_removed(client, person):
    person.groups.add(_group(roles.DISCLOSURE_CONTROL))
    require(Role.DISCLOSURE_CONTROL)
    key = make_key(person)
    request = session_request(client, person)
    with pytest.raises(ValidationError, match="cannot remove your last security key"):
        security_keys.remove_key(key, by=person, request=request)
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert Kind.KEY_REMOVED not in kinds(person)


def test_removing_a_key_needs_a_fresh_key_answer_not_a_code(client, person):
    key = make_key(person)
    make_key(person, "Spare")
    request = session_request(client, person)
    code = fresh_code(person.totpdevice_set.get())
    with pytest.raises(ValidationError):
        security_keys.remove_key(key, by=person, request=request, token=code, key_assertion="")
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert kinds(person) == [Kind.KEY_FAILED]


def test_a_verified_removal_deletes_the_key_records_it_and_audits_it(client, person, monkeypatch):
    key = make_key(person)
    request = session_request(client, person)
    monkeypatch.setattr(security_keys, "verify_fresh_second_factor", lambda *args, **kwargs: None)
    with acting_as(person):
        security_keys.remove_key(key, by=person, request=request)
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()
    assert kinds(person) == [Kind.KEY_REMOVED]
    deleted = AuditEntry.objects.get(content_type__model="webauthncredential", action=2)
    assert deleted.actor == person
    assert "public_key" not in json.dumps(deleted.changes) and "credential_id" not in json.dumps(deleted.changes)


def test_registration_refusal_is_recorded_and_the_name_is_kept(verified_client, person):
    client = verified_client(person)
    response = client.post(
        "/account/security/keys/add/", {"name": "Blue key", "key_registration": json.dumps({"error": "NotAllowed"})}
    )
    assert response.status_code == 200
    assert b"Your security key was not added" in response.content
    assert b'value="Blue key"' in response.content
    assert kinds(person)[-1] == Kind.KEY_FAILED
    response = client.post("/account/security/keys/add/", {"name": "", "key_registration": ""})
    assert b"Enter a name for the key" in response.content
    assert not WebAuthnCredential.objects.exists()


# --- production settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rp_id", "origins", "codes"),
    [
        ("custodian.example.gov.uk", ["https://custodian.example.gov.uk"], []),
        ("example.gov.uk", ["https://custodian.example.gov.uk"], []),
        ("", [], ["governance.E101", "governance.E102"]),
        ("elsewhere.example.com", ["https://custodian.example.gov.uk"], ["governance.E103", "governance.E105"]),
        ("custodian.example.gov.uk", ["https://other.example.gov.uk"], ["governance.E104", "governance.E105"]),
        ("custodian.example.gov.uk", ["http://custodian.example.gov.uk"], ["governance.E104", "governance.E105"]),
    ],
)
def test_production_refuses_relying_party_settings_at_odds_with_the_portal_address(settings, rp_id, origins, codes):
    settings.PRODUCTION = True
    settings.PORTAL_BASE_URL = "https://custodian.example.gov.uk"
    settings.OTP_WEBAUTHN_RP_ID = rp_id
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = origins
    assert sorted({error.id for error in security_key_settings()}) == codes


def test_the_check_is_registered_and_quiet_in_development(settings):
    settings.PRODUCTION = False
    settings.OTP_WEBAUTHN_RP_ID = ""
    assert [e for e in run_checks() if e.id.startswith("governance.E10")] == []
    settings.WEBAUTHN_ATTESTATION = "always"
    assert [e.id for e in run_checks() if e.id.startswith("governance.E10")] == ["governance.E106"]
