"""Lockout by account across addresses: wrong passwords from several addresses lock the account too."""

from __future__ import annotations

import datetime

import time_machine
from django.core import mail

from governance.core.models import SecurityEvent
from tests.core.test_login import kinds, post_password
from tests.factories import TOTPDeviceFactory, UserFactory

ADDRESSES = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]


def _spread_failures(client, username: str, count: int) -> None:
    """``count`` wrong passwords, spread over four addresses so no account-and-address pair locks."""
    for n in range(count):
        post_password(client, username, "wrong-password", REMOTE_ADDR=ADDRESSES[n % len(ADDRESSES)])


def test_failures_from_four_addresses_lock_the_account_even_for_the_right_password(
    client, db, settings, administrator, django_capture_on_commit_callbacks
):
    settings.AXES_FAILURE_LIMIT = 5
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    person = UserFactory(username="pat", email="pat@example.gov.uk")
    TOTPDeviceFactory(user=person)
    with django_capture_on_commit_callbacks(execute=True):
        _spread_failures(client, "pat", 16)  # 4 per address: the per-address lock never trips
    assert SecurityEvent.Kind.LOCKED_OUT not in kinds(person)
    response = post_password(client, "pat", REMOTE_ADDR="10.0.0.99")  # the right password, a fresh address
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    assert kinds(person).count(SecurityEvent.Kind.ACCOUNT_LOCKED) == 1  # recorded once, not per attempt
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([person.email, administrator.email])
    assert all("locked" in message.subject for message in mail.outbox)


def test_fewer_failures_than_the_account_limit_do_not_lock_it(client, db, settings):
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    person = UserFactory(username="pat")
    TOTPDeviceFactory(user=person)
    _spread_failures(client, "pat", 11)
    response = post_password(client, "pat", REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 200
    assert b"Enter your one-time code" in response.content


def test_the_account_lock_ends_after_the_cool_off(client, db, settings):
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    person = UserFactory(username="pat")
    TOTPDeviceFactory(user=person)
    _spread_failures(client, "pat", 12)
    assert post_password(client, "pat", REMOTE_ADDR="10.0.0.99").status_code == 429
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + settings.AXES_COOLOFF_TIME * 2):
        assert post_password(client, "pat", REMOTE_ADDR="10.0.0.99").status_code == 200


def test_invented_usernames_are_refused_alike_but_neither_recorded_as_locked_nor_told(
    client, db, settings, administrator, django_capture_on_commit_callbacks
):
    """Guessing at names that do not exist must not fill the evidence or the administrators' inboxes."""
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("nobody", "noone", "nemo"):
            _spread_failures(client, name, 13)
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_LOCKED).exists()
    assert mail.outbox == []
    # The sign-in page answers as it would for a locked account, so it does not tell which names exist.
    assert post_password(client, "nobody", "any", REMOTE_ADDR="10.0.0.99").status_code == 429


def test_administrators_are_told_once_a_window_however_many_accounts_lock(
    client, db, settings, administrator, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    settings.ACCOUNT_LOCKOUT_ALERT_WINDOW = datetime.timedelta(minutes=60)
    people = [UserFactory(username=f"pat{n}", email=f"pat{n}@example.gov.uk") for n in range(4)]
    window = settings.ACCOUNT_LOCKOUT_ALERT_WINDOW.total_seconds()
    now = datetime.datetime.now(tz=datetime.UTC)
    period_start = datetime.datetime.fromtimestamp(now.timestamp() // window * window, tz=datetime.UTC)
    first = time_machine.travel(period_start + datetime.timedelta(minutes=1), tick=False)
    with first, django_capture_on_commit_callbacks(execute=True):
        for person in people[:3]:
            _spread_failures(client, person.username, 12)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ACCOUNT_LOCKED).count() == 3
    to_admin = [message for message in mail.outbox if message.to == [administrator.email]]
    assert len(to_admin) == 1 and "at most one of these emails every 60 minutes" in to_admin[0].body
    assert sorted(address for m in mail.outbox for address in m.to if address != administrator.email) == [
        p.email for p in people[:3]
    ]
    next_window = time_machine.travel(period_start + datetime.timedelta(minutes=61), tick=False)
    with next_window, django_capture_on_commit_callbacks(execute=True):
        _spread_failures(client, people[3].username, 12)
    assert len([message for message in mail.outbox if message.to == [administrator.email]]) == 2


def test_the_account_limit_must_exceed_the_per_address_limit(settings):
    from governance.checks import account_lockout_limit

    settings.AXES_FAILURE_LIMIT, settings.ACCOUNT_LOCKOUT_LIMIT = 5, 5
    assert [error.id for error in account_lockout_limit()] == ["governance.E003"]
    settings.ACCOUNT_LOCKOUT_LIMIT = 6
    assert account_lockout_limit() == []


def _failures(username: str) -> int:
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_FAILED, username__iexact=username).count()


def test_the_right_password_during_an_account_lock_is_refused_but_not_counted(client, db, settings):
    """Otherwise the owner's own tries (or anyone replaying them) would keep the account locked."""
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    person = UserFactory(username="pat")
    TOTPDeviceFactory(user=person)
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        _spread_failures(client, "pat", 12)
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME / 2, tick=False):
        for _ in range(12):
            assert post_password(client, "pat", REMOTE_ADDR="10.0.0.99").status_code == 429
        assert _failures("pat") == 12
        # A wrong password during the lock is still a failure.
        assert post_password(client, "pat", "wrong-password", REMOTE_ADDR="10.0.0.98").status_code == 429
        assert _failures("pat") == 13
    after = start + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        assert post_password(client, "pat", REMOTE_ADDR="10.0.0.99").status_code == 200


def test_the_right_password_during_an_address_lock_does_not_restart_it(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.ACCOUNT_LOCKOUT_LIMIT = 12
    person = UserFactory(username="pat")
    TOTPDeviceFactory(user=person)
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            post_password(client, "pat", "wrong-password", REMOTE_ADDR="10.0.0.7")
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME / 2, tick=False):
        for _ in range(8):
            assert post_password(client, "pat", REMOTE_ADDR="10.0.0.7").status_code == 429
        assert _failures("pat") == 5
    after = start + settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        assert post_password(client, "pat", REMOTE_ADDR="10.0.0.7").status_code == 200
