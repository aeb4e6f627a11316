"""Single sign-on against a real OpenID provider (npm's oidc-provider on 127.0.0.1).

The browser's part at the provider is played by a ``requests`` session (it signs in an
account with the ``amr`` given); the portal's part by Django's test client. The portal
itself calls the provider's discovery, key, and token endpoints over HTTP.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from governance.core.models import AuditEntry, ProviderSession, SecurityEvent, SecurityKeyRequirement
from governance.core.roles import AUDITORS, STATISTICIANS
from governance.core.sso import SignInRefused, check_token_proof
from tests.core.sso_provider import sign_in
from tests.factories import UserFactory

# One provider for all of them: the file runs on one test process (--dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("oidc_provider")]


def refusals() -> list[str]:
    return list(SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_REFUSED).values_list("detail", flat=True))


def test_sign_in_through_the_provider_verifies_the_session(sso, alice, client):
    answer = sign_in(client, sso, "subject-alice")

    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200  # no one-time code asked for: the provider's sign-in is the second factor
    assert home.wsgi_request.user == alice and home.wsgi_request.user.is_verified()
    verified = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SSO_VERIFIED, user=alice)
    assert "hwk" in verified.detail
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN, user=alice).exists()
    assert ProviderSession.objects.get(user=alice).sid
    assert refusals() == []
    session_key = client.session.session_key
    assert not [e for e in AuditEntry.objects.all() if session_key in str(e.changes) + str(e.additional_data)]


def test_an_answer_without_the_token_proof_is_refused(sso, alice, client):
    answer = sign_in(client, sso, "subject-alice", amr=["pwd"])

    assert answer.status_code == 403
    assert "security token and its PIN" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    [reason] = refusals()
    assert "required amr hwk" in reason and "pwd" in reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"tamper": True}, "signature does not match"),
        ({"set": {"nonce": "not-the-nonce-sent"}}, "nonce does not match"),
        ({"set": {"exp": int(time.time()) - 600, "iat": int(time.time()) - 1200}}, "has expired"),
        ({"set": {"aud": "another-client"}}, "another audience"),
        ({"set": {"iss": "http://127.0.0.1:9"}}, "another issuer"),
        ({"set": {"aud": ["custodian-test", "another-client"]}}, "another party"),
        ({"unset": ["iat"]}, "not valid"),
    ],
    ids=["tampered", "wrong-nonce", "expired", "wrong-audience", "wrong-issuer", "two-audiences-no-azp", "no-iat"],
)
def test_a_forged_or_misdirected_id_token_is_refused(sso, alice, client, change, reason):
    answer = sign_in(client, sso, "subject-alice", change=change)

    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session
    assert any(reason in text for text in refusals()), refusals()


def test_an_unknown_person_is_refused_with_a_page_saying_so(sso, alice, client):
    answer = sign_in(client, sso, "subject-stranger")

    assert answer.status_code == 403
    assert "not set up" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("subject-stranger" in text for text in refusals())


def test_a_matching_email_alone_does_not_sign_anyone_in(sso, client):
    UserFactory(username="bob", email="bob@example.gov.uk")  # same email as the provider's bob, no subject

    answer = sign_in(client, sso, "subject-bob")

    assert answer.status_code == 403
    assert "_auth_user_id" not in client.session


def test_groups_set_the_mapped_roles_at_every_sign_in_audited_with_the_provider(sso, alice, client, settings):
    settings.OIDC_GROUP_ROLES = {"group-auditors": AUDITORS, "group-statisticians": STATISTICIANS}
    unmapped = Group.objects.create(name="Local group")
    alice.groups.add(Group.objects.get(name=STATISTICIANS), unmapped)

    assert sign_in(client, sso, "subject-alice").status_code == 302

    names = set(alice.groups.values_list("name", flat=True))
    assert names == {AUDITORS, "Local group"}  # given Auditors, lost Statisticians, kept what is not mapped
    entries = AuditEntry.objects.filter(additional_data__via="identity_provider")
    assert entries.exists()
    assert all(entry.additional_data["issuer"] == sso.issuer for entry in entries)
    assert all("identity provider" in entry.reason for entry in entries)


def test_step_up_refuses_a_reused_earlier_sign_in(sso, alice, client):
    stale = int(time.time()) - 3600
    answer = sign_in(client, sso, "subject-alice", fresh=True, change={"set": {"auth_time": stale}})

    assert answer.status_code == 403
    assert any("auth_time" in text for text in refusals())


def test_step_up_accepts_a_fresh_sign_in(sso, alice, client):
    start = client.get(reverse("sso:start") + "?fresh=1")
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["max_age"] == ["0"] and query["prompt"] == ["login"]

    assert sign_in(client, sso, "subject-alice", fresh=True).status_code == 302


def test_back_channel_logout_ends_the_session_and_a_replayed_token_is_refused(sso, alice, client):
    assert sign_in(client, sso, "subject-alice").status_code == 302
    assert client.get(reverse("home")).status_code == 200
    sid = ProviderSession.objects.get(user=alice).sid

    token = sso.back_channel_logout("subject-alice", sid)
    provider_side = Client()
    answer = provider_side.post(reverse("sso:back_channel_logout"), {"logout_token": token})

    assert answer.status_code == 200
    after = client.get(reverse("home"))
    assert after.status_code == 302 and reverse("two_factor:login") in after["Location"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SSO_LOGGED_OUT, user=alice).exists()

    replay = provider_side.post(reverse("sso:back_channel_logout"), {"logout_token": token})
    assert replay.status_code == 400
    assert any("replay" in text for text in refusals())


def test_a_logout_token_that_is_not_one_is_refused(sso, alice, client):
    assert sign_in(client, sso, "subject-alice").status_code == 302
    id_token = client.session["sso_signed_in"]["id_token"]  # signed by the provider, but no logout event

    answer = Client().post(reverse("sso:back_channel_logout"), {"logout_token": id_token})

    assert answer.status_code == 400
    assert client.get(reverse("home")).status_code == 200


def test_signing_out_signs_out_at_the_provider_too(sso, alice, client):
    assert sign_in(client, sso, "subject-alice").status_code == 302

    answer = client.post(reverse("logout"))

    assert answer.status_code == 302
    assert answer["Location"].startswith(f"{sso.issuer}/session/end")
    assert "id_token_hint=" in answer["Location"]
    assert not ProviderSession.objects.filter(user=alice).exists()


def test_a_person_is_linked_once_by_the_configured_claim(sso, client, settings):
    settings.OIDC_LINK_CLAIM = "upn"
    person = UserFactory(username="alice@example.gov.uk")

    assert sign_in(client, sso, "subject-alice").status_code == 302

    person.refresh_from_db()
    assert person.oidc_subject == "subject-alice"


def test_single_sign_on_is_off_unless_configured(client, settings):
    settings.OIDC_ENABLED = False
    assert client.get(reverse("sso:start")).status_code == 404
    assert client.get(reverse("sso:callback")).status_code == 404
    assert client.post(reverse("sso:back_channel_logout")).status_code == 404


def test_passwords_can_be_kept_for_break_glass_administrators_only(settings, rf):
    settings.LOCAL_SIGN_IN_FOR_EVERYONE = False
    UserFactory(username="ordinary", password="a-long-enough-password")
    UserFactory(username="breakglass", password="a-long-enough-password", is_superuser=True)
    request = rf.post("/account/login/")

    assert authenticate(request, username="ordinary", password="a-long-enough-password") is None
    assert authenticate(request, username="breakglass", password="a-long-enough-password") is not None


def test_an_entra_authentication_context_in_acrs_is_accepted_as_the_token_proof(settings):
    settings.OIDC_REQUIRED_AMR = []
    settings.OIDC_REQUIRED_ACR = ["c1"]
    settings.OIDC_ACR_CLAIM = "acrs"

    check_token_proof({"acrs": ["c2", "c1"]})
    for claims in ({"acrs": ["c2"]}, {}, {"acr": "c1"}):
        with pytest.raises(SignInRefused):
            check_token_proof(claims)


def test_the_token_proof_satisfies_a_role_that_requires_a_security_key(sso, alice, client):
    SecurityKeyRequirement.objects.create(role=SecurityKeyRequirement.Role.AUDITORS)
    alice.groups.add(Group.objects.get(name=AUDITORS))

    assert sign_in(client, sso, "subject-alice").status_code == 302

    assert client.get(reverse("home")).status_code == 200  # not sent to add a portal security key


def test_without_a_required_token_proof_a_key_role_still_adds_a_portal_key(sso, alice, client, settings):
    settings.OIDC_REQUIRED_AMR = []
    SecurityKeyRequirement.objects.create(role=SecurityKeyRequirement.Role.AUDITORS)
    alice.groups.add(Group.objects.get(name=AUDITORS))

    assert sign_in(client, sso, "subject-alice").status_code == 302

    answer = client.get(reverse("home"))
    assert answer.status_code == 302 and answer["Location"] == reverse("two_factor:key_add")
