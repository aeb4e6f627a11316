"""Signing in: password then a one-time code; set-up for newcomers; backup codes; lockout; sessions."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from governance.core.models import SecurityEvent
from governance.core.security import issue_backup_codes
from tests.conftest import current_code
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

LOGIN = "/account/login/"
STEP = "portal_login_view-current_step"


def post_password(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {STEP: "auth", "auth-username": username, "auth-password": password}, **extra)


def post_code(client, code):
    return client.post(LOGIN, {STEP: "token", "token-otp_token": code})


def kinds(user=None):
    events = SecurityEvent.objects.all() if user is None else SecurityEvent.objects.filter(user=user)
    return list(events.order_by("at", "pk").values_list("kind", flat=True))


@pytest.fixture
def person(db):
    user = UserFactory(username="pat")
    TOTPDeviceFactory(user=user)
    return user


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/"


def test_password_then_code_signs_in_and_is_recorded(client, person):
    response = post_password(client, "pat")
    assert response.status_code == 200
    assert b"Enter your one-time code" in response.content
    # Password alone does not sign in.
    assert client.get("/").status_code == 302

    response = post_code(client, current_code(person.totpdevice_set.get()))
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert person.first_name.encode() in home.content
    assert kinds(person) == [SecurityEvent.Kind.LOGIN]


def test_wrong_password_is_refused_with_a_message(client, person):
    response = post_password(client, "pat", "not-the-password")
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b"govuk-error-summary" in response.content
    assert kinds(person) == [SecurityEvent.Kind.PASSWORD_FAILED]
    assert client.get("/").status_code == 302


def test_wrong_code_is_refused_and_recorded(client, person):
    post_password(client, "pat")
    good = current_code(person.totpdevice_set.get())
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = post_code(client, wrong)
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert client.get("/").status_code == 302
    assert SecurityEvent.Kind.TOKEN_FAILED in kinds(person)


def test_backup_code_signs_in_once_only(client, person):
    codes = issue_backup_codes(person)
    post_password(client, "pat")
    client.post(LOGIN, {STEP: "token", "wizard_goto_step": "backup"})
    response = client.post(LOGIN, {STEP: "backup", "backup-otp_token": codes[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert SecurityEvent.Kind.BACKUP_CODE_USED in kinds(person)
    assert StaticToken.objects.filter(device__user=person).count() == len(codes) - 1

    client.post(reverse("logout"))
    post_password(client, "pat")
    client.post(LOGIN, {STEP: "token", "wizard_goto_step": "backup"})
    response = client.post(LOGIN, {STEP: "backup", "backup-otp_token": codes[0]})
    assert response.status_code == 200  # the used code is refused
    assert client.get("/").status_code == 302


def test_user_without_device_must_set_one_up_and_gets_backup_codes(client, db):
    newcomer = UserFactory(username="newcomer")
    response = post_password(client, "newcomer")
    assert response.status_code == 302
    # Every page sends them to set-up until a device is verified.
    for url in ("/", "/areas/", "/account/security/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/two-factor/setup/"), url

    setup = "/account/two-factor/setup/"
    step = "portal_setup_view-current_step"
    response = client.get(setup)
    assert response.status_code == 200
    response = client.post(setup, {step: "welcome"})
    assert response.status_code == 200
    assert b"Or type this key into the app" in response.content
    assert client.get("/account/two-factor/qrcode/").status_code == 200
    key = response.context["secret_key"]
    assert key.encode() in response.content  # the key is shown as text beside the QR code

    # Compute the code an app would show for that key.
    import base64

    from django_otp.oath import totp

    raw = base64.b32decode(key)
    code = f"{totp(raw):06d}"
    response = client.post(setup, {step: "generator", "generator-token": code})
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/setup/complete/"

    response = client.get(response["Location"])
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    for backup in codes:
        assert backup.encode() in response.content
    # Shown once: a second visit does not show them again.
    again = client.get("/account/two-factor/setup/complete/")
    assert "codes" not in again.context
    assert client.get("/").status_code == 200
    assert kinds(newcomer) == [
        SecurityEvent.Kind.LOGIN,
        SecurityEvent.Kind.DEVICE_ENROLLED,
        SecurityEvent.Kind.BACKUP_CODES_ISSUED,
    ]


def test_setup_refuses_a_wrong_code(client, db):
    UserFactory(username="newcomer")
    post_password(client, "newcomer")
    setup = "/account/two-factor/setup/"
    step = "portal_setup_view-current_step"
    client.post(setup, {step: "welcome"})
    response = client.post(setup, {step: "generator", "generator-token": "000000"})
    assert response.status_code == 200
    assert b"The code is not right" in response.content
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account_and_address_pair(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(client, "pat", "wrong-password")
    response = post_password(client, "pat")  # right password, but locked
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert b"30 minutes" in response.content
    assert SecurityEvent.Kind.LOCKED_OUT in kinds(person)

    # The same account from another address is not locked.
    response = post_password(client, "pat", REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 200
    assert b"Enter your one-time code" in response.content


def test_lockout_ends_after_the_cool_off(client, person, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_password(client, "pat", "wrong-password")
    assert post_password(client, "pat").status_code == 429
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + settings.AXES_COOLOFF_TIME * 2):
        response = post_password(client, "pat")
    assert response.status_code == 200


def test_session_expires_after_inactivity(verified_client, person, settings):
    client = verified_client(person)
    assert client.get("/").status_code == 200
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + idle):
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_activity_keeps_the_session_alive(verified_client, person, settings):
    client = verified_client(person)
    start = datetime.datetime.now(tz=datetime.UTC)
    step = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE * 0.75)
    for n in range(1, 4):
        with time_machine.travel(start + step * n):
            assert client.get("/").status_code == 200


def test_logout_needs_post_and_is_recorded(verified_client, person):
    client = verified_client(person)
    assert client.get("/account/logout/").status_code == 405
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert SecurityEvent.Kind.LOGOUT in kinds(person)


def test_disabling_the_second_factor_is_not_offered(verified_client, person):
    client = verified_client(person)
    assert client.get("/account/two_factor/disable/").status_code == 404
    assert b"disable" not in client.get("/account/security/").content.lower()


def test_backup_codes_can_be_replaced(verified_client, person):
    client = verified_client(person)
    old = issue_backup_codes(person)
    response = client.post("/account/two-factor/backup-codes/", follow=True)
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=person).values_list("token", flat=True))
    assert len(new) == 10
    assert not new & set(old)


def test_account_security_lists_only_own_events(verified_client, person, db):
    other = UserFactory(username="someone-else")
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, user=other, ip_address="10.9.9.9")
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, user=person, ip_address="10.1.1.1")
    response = verified_client(person).get("/account/security/")
    assert b"10.1.1.1" in response.content
    assert b"10.9.9.9" not in response.content
