"""API tokens: created after a fresh code, shown once, stored as a keyed digest only,
expiring, read-only unless asked, limited to address ranges, revocable; each step evidenced."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.core import api_tokens as tokens
from governance.core.models import ApiToken, AuditEntry, SecurityEvent
from tests.api.conftest import TokenClient, issue
from tests.conftest import used_code
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/training/status/"


def test_token_is_shown_once_and_only_its_keyed_digest_is_stored(staff):
    issued = issue(staff)
    key, secret = issued.plaintext.removeprefix("cus_").split(".")
    row = ApiToken.objects.get(pk=issued.token.pk)
    assert row.key == key
    assert secret not in row.token_hash and row.token_hash == tokens.digest(secret)
    assert len(row.token_hash) == 64
    # The secret appears nowhere in the database's copy of the row, nor in the audit trail.
    entries = AuditEntry.objects.filter(object_pk=str(row.pk))
    assert entries.exists()
    for entry in entries:
        text = str(entry.changes) + str(entry.additional_data) + str(entry.serialized_data)
        assert secret not in text and row.token_hash not in text
    assert SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.API_TOKEN_CREATED).count() == 1


def test_digest_is_keyed_with_the_server_pepper(staff, settings):
    issued = issue(staff)
    assert TokenClient(issued.plaintext).get(ME).status_code == 200
    settings.API_TOKEN_PEPPER = "another-pepper"
    response = TokenClient(issued.plaintext).get(ME)
    assert response.status_code == 401


def test_wrong_key_and_wrong_secret_give_the_same_answer(staff):
    issued = issue(staff)
    key, secret = issued.plaintext.removeprefix("cus_").split(".")
    wrong_secret = TokenClient(f"cus_{key}.{secret[:-2]}xx").get(ME)
    wrong_key = TokenClient(f"cus_000000000000.{secret}").get(ME)
    malformed = TokenClient("not-a-token").get(ME)
    assert wrong_secret.status_code == wrong_key.status_code == malformed.status_code == 401
    assert wrong_secret.json() == wrong_key.json() == malformed.json() == {"detail": "Invalid token."}


def test_creation_needs_a_fresh_code_and_is_only_for_oneself(staff):
    device = TOTPDeviceFactory(user=staff)
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(
            staff,
            by=staff,
            description="x",
            expires_on=timezone.localdate() + datetime.timedelta(days=5),
            code="000000",
        )
    assert "code" in refused.value.message_dict
    issue(staff)  # consumes a code
    with pytest.raises(ValidationError):
        tokens.create_token(
            staff,
            by=staff,
            description="x",
            expires_on=timezone.localdate() + datetime.timedelta(days=5),
            code=used_code(device),
        )
    with pytest.raises(PermissionDenied):
        tokens.create_token(
            UserFactory(),
            by=staff,
            description="x",
            expires_on=timezone.localdate() + datetime.timedelta(days=5),
            code="123456",
        )
    assert ApiToken.objects.count() == 1


def test_bad_input_is_refused_field_by_field(staff):
    TOTPDeviceFactory(user=staff)
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(
            staff,
            by=staff,
            description=" ",
            expires_on=timezone.localdate() + datetime.timedelta(days=400),
            allowed_ips=["10.0.0.0/8", "not-a-range"],
            code="123456",
        )
    assert set(refused.value.message_dict) == {"description", "expires_on", "allowed_ips"}
    assert not ApiToken.objects.exists()


def test_expired_token_is_refused(staff):
    issued = issue(staff, days=2)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3)):
        response = TokenClient(issued.plaintext).get(ME)
    assert response.status_code == 401
    assert response.json() == {"detail": "Token expired."}


def test_read_only_token_cannot_write(staff):
    client = TokenClient(issue(staff).plaintext)
    response = client.post("/api/assets/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_address_limits(staff):
    issued = issue(staff, ips=["192.0.2.0/24"])
    assert TokenClient(issued.plaintext).get(ME, REMOTE_ADDR="192.0.2.7").status_code == 200
    refused = TokenClient(issued.plaintext).get(ME, REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 401


def test_revocation_by_owner_and_administrator_only(staff, administrator):
    mine, theirs = issue(staff), issue(staff)
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(mine.token, by=UserFactory())
    tokens.revoke_token(mine.token, by=staff)
    tokens.revoke_token(theirs.token, by=administrator)
    assert TokenClient(mine.plaintext).get(ME).json() == {"detail": "Invalid token."}
    assert TokenClient(theirs.plaintext).get(ME).status_code == 401
    assert SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.API_TOKEN_REVOKED).count() == 2


def test_security_fields_are_fixed_after_creation(staff):
    token = ApiToken.objects.get(pk=issue(staff).token.pk)
    token.write_enabled = True
    with pytest.raises(ValueError, match="fixed"):
        token.save()
    token = ApiToken.objects.get(pk=token.pk)
    token.allowed_ips = ["0.0.0.0/0"]
    with pytest.raises(ValueError, match="fixed"):
        token.save()
    token = ApiToken.objects.get(pk=token.pk)
    token.description = "Renamed"
    token.save()  # the label is not a security field


def test_last_used_is_written_at_most_once_a_minute_and_new_addresses_are_events(staff):
    issued = issue(staff)
    client = TokenClient(issued.plaintext)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(ME, REMOTE_ADDR="192.0.2.1")
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        client.get(ME, REMOTE_ADDR="192.0.2.1")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        client.get(ME, REMOTE_ADDR="192.0.2.1")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first
    with time_machine.travel(start + datetime.timedelta(seconds=62), tick=False):
        client.get(ME, REMOTE_ADDR="198.51.100.9")
    events = SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.API_TOKEN_NEW_ADDRESS)
    assert [event.ip_address for event in events] == ["198.51.100.9", "192.0.2.1"]


# --- pages ------------------------------------------------------------------------------


def test_create_page_shows_the_token_once(staff, verified_client):
    client = verified_client(staff)
    device = staff.totpdevice_set.get()
    url = reverse("two_factor:api_token_create")
    assert client.get(url).status_code == 200
    from tests.conftest import fresh_code

    expires = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        url,
        {
            "description": "Asset feed",
            "expires_on_day": expires.day,
            "expires_on_month": expires.month,
            "expires_on_year": expires.year,
            "allowed_ips": "192.0.2.0/24",
            "code": fresh_code(device),
        },
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=staff)
    plaintext = response.context["issued"].plaintext
    assert plaintext.startswith(f"cus_{token.key}.")
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    page = client.get(reverse("two_factor:profile")).content.decode()
    assert token.key in page and plaintext not in page


def test_create_page_errors_use_the_error_summary_and_keep_input(staff, verified_client):
    client = verified_client(staff)
    response = client.post(reverse("two_factor:api_token_create"), {"description": "Kept text", "code": "000000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Kept text" in page
    assert not ApiToken.objects.exists()


def test_token_pages_refuse_anonymous_and_unverified(client, staff, unverified_client):
    url = reverse("two_factor:api_token_create")
    assert client.get(url).status_code == 302
    assert unverified_client(staff).get(url).status_code == 302


def test_revoke_page_own_token_only(staff, verified_client):
    other = issue(UserFactory())
    mine = issue(staff)
    client = verified_client(staff)
    assert client.post(reverse("two_factor:api_token_revoke", args=[other.token.pk])).status_code == 404
    assert client.post(reverse("two_factor:api_token_revoke", args=[mine.token.pk])).status_code == 302
    assert ApiToken.objects.get(pk=mine.token.pk).is_revoked
    assert not ApiToken.objects.get(pk=other.token.pk).is_revoked


def test_administrators_list_and_revoke_any_token_in_the_admin(administrator, staff, verified_client):
    issued = issue(staff)
    client = verified_client(administrator)
    listing = client.get("/admin/governance/apitoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert issued.token.key in page and issued.token.token_hash not in page
    response = client.post(
        "/admin/governance/apitoken/", {"action": "revoke_tokens", "_selected_action": [issued.token.pk]}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_by == administrator
    assert client.get(f"/admin/governance/apitoken/{issued.token.pk}/change/").status_code == 200  # view only
    assert (
        client.post(f"/admin/governance/apitoken/{issued.token.pk}/change/", {"write_enabled": "on"}).status_code == 403
    )


def test_a_token_works_beside_an_unverified_session(unverified_client, staff):
    """The token is the credential: a password-only session in the same client neither helps nor blocks it."""
    issued = issue(staff)
    client = unverified_client(staff)
    response = client.get(ME, HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    assert response.status_code == 200


# --- tokens follow the sign-in rules of their owner's roles ------------------------------------


def _key_rule_for_auditors():
    from governance.core.models import SecurityKeyRequirement

    return SecurityKeyRequirement.objects.create(role=SecurityKeyRequirement.Role.AUDITORS)


def test_a_token_made_without_a_key_stops_working_when_the_role_comes_to_require_one(auditor):
    from tests.core.test_security_keys import make_key

    client = TokenClient(issue(auditor).plaintext)
    assert client.get(ME).status_code == 200
    make_key(auditor)
    _key_rule_for_auditors()
    response = client.get(ME)
    assert response.status_code == 401
    assert "requires" in response.json()["detail"]


def test_a_person_whose_role_requires_a_key_cannot_make_a_token_with_an_app_code(auditor, client, monkeypatch):
    from django.test import RequestFactory
    from django.urls import resolve
    from django_otp_webauthn.models import WebAuthnCredential

    from governance.core.webauthn import UserVerifyingHelper
    from tests.conftest import fresh_code
    from tests.core.test_fresh_proof_binding import answer_asked_on
    from tests.core.test_security_keys import make_key

    _key_rule_for_auditors()
    device = TOTPDeviceFactory(user=auditor) if not auditor.totpdevice_set.exists() else auditor.totpdevice_set.get()
    expires = timezone.localdate() + datetime.timedelta(days=30)
    fields = {"description": "Feed", "expires_on": expires, "write_enabled": True}

    # Without a key at all: refused, whatever the code.
    with pytest.raises(ValidationError, match="requires a security key"):
        tokens.create_token(auditor, by=auditor, code=fresh_code(device), **fields)
    # With a key: the app code alone is not enough.
    make_key(auditor)
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(auditor, by=auditor, code=fresh_code(device), **fields)
    assert "key_assertion" in refused.value.error_dict
    assert not ApiToken.objects.exists()

    # Confirmed with the key (its signature taken as right), on the token page: made, and it works.
    monkeypatch.setattr(
        UserVerifyingHelper,
        "authenticate_complete",
        lambda self, *, user, state, data: WebAuthnCredential.objects.get(user=user),
    )
    url = reverse("two_factor:api_token_create")
    answer = answer_asked_on(client, auditor, url)
    request = RequestFactory().post(url, REMOTE_ADDR="10.0.0.9")
    request.session, request.user, request.resolver_match = client.session, auditor, resolve(url)
    issued = tokens.create_token(auditor, by=auditor, key_assertion=answer, request=request, **fields)
    assert issued.token.made_with_key
    assert TokenClient(issued.plaintext).get(ME).status_code == 200
