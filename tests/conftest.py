"""Shared fixtures: people in each role, and clients signed in with or without a second factor."""

from __future__ import annotations

import datetime
import gc
import time

import pytest
import time_machine
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from tests.database_template import django_db_setup, pytest_configure_node, pytest_unconfigure
from tests.factories import BusinessAreaFactory, TOTPDeviceFactory, UserFactory, make_asset


def pytest_configure(config) -> None:
    """Collect cyclic garbage less often than Python's default (every 700 new objects).

    A test builds thousands of short-lived model instances, querysets and template contexts, and
    the default threshold runs the young generation's collection every few hundred of them, each
    collection also walking whatever survived: on the contracts tests, 5,031 collections took
    5.8 s and the run 42.5 s of CPU; at this threshold 1,654 took 2.8 s and the run 37.9 s.
    Every 50,000 objects still clears the young cycles a test leaves; the older generations are
    collected ten and a hundred times less often. Tests only: the portal's own processes keep
    Python's defaults.
    """
    gc.set_threshold(50_000, 50, 100)


# Migrate once per run under pytest-xdist, copying the result for each worker.
__all__ = ["django_db_setup", "pytest_configure_node", "pytest_unconfigure"]


def current_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later).

    django-otp accepts the next step's code too, and never the same step twice:
    a test that signs in and then needs a *fresh* code uses ``steps_ahead=1``.
    """
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def _code_for_step(device: TOTPDevice, t: int) -> str:
    """The code of time step ``t`` as django-otp counts steps (its ``last_t`` already includes the drift)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, drift=0)
    generator.time = device.t0 + t * device.step
    return f"{generator.token():0{device.digits}d}"


def used_code(device: TOTPDevice) -> str:
    """The code of the last time step the device accepted: the one just used, which must be refused again."""
    device.refresh_from_db()
    return _code_for_step(device, device.last_t)


def advance_clock(seconds: float) -> None:
    """Move this test's clock ``seconds`` forward, for this process and its live server's threads.

    Instead of sleeping until a later time step (or a throttle's second) comes round. The clock
    keeps ticking from there, and goes back to real time when the test ends (``_test_clock``).
    Inside a test's own ``time_machine.travel`` the travel in force is moved on instead.
    """
    if time_machine.traveller_stack:
        time_machine.traveller_stack[-1].shift(seconds)
        return
    travel = time_machine.travel(datetime.timedelta(seconds=seconds), tick=True)
    travel.start()
    _CLOCK_TRAVELS.append(travel)


_CLOCK_TRAVELS: list[time_machine.travel] = []


# The day this process collected the tests on. Modules work their dates out when they are collected
# (``TODAY = datetime.date.today()``), so a run that crosses midnight would otherwise compare
# yesterday's dates with today's in its later tests.
_RUN_DAY = datetime.date.today()


@pytest.fixture(autouse=True)
def _the_day_the_run_began():
    """After midnight, put each test back on the day the run began, at the same time of day.

    The clock keeps ticking from there, in this process and its live server's threads; PostgreSQL's
    own clock is never asked for a date (the portal takes its dates from Python).
    """
    days = (datetime.date.today() - _RUN_DAY).days
    if days <= 0:
        yield
        return
    with time_machine.travel(datetime.timedelta(days=-days), tick=True):
        yield


@pytest.fixture(autouse=True)
def _test_clock():
    """Every test ends on real time again, however far ``advance_clock`` moved it."""
    yield
    while _CLOCK_TRAVELS:
        _CLOCK_TRAVELS.pop().stop()


def fresh_code(device: TOTPDevice) -> str:
    """A code django-otp will accept now: never one of a time step already used (it refuses reuse).

    django-otp counts steps with the device's drift (it re-syncs to the code it accepted), and
    accepts one step either side of that; if even the step ahead was used, the clock is moved on
    to the step wanted (``advance_clock``) rather than waited for.
    """
    device.refresh_from_db()

    def synced_step() -> int:
        return int((time.time() - device.t0) // device.step) + device.drift

    wanted = max(synced_step(), device.last_t + 1)
    if wanted > synced_step() + 1:
        # To one second into the wanted step, as django-otp will count it.
        target = device.t0 + (wanted - device.drift) * device.step + 1
        advance_clock(target - time.time())
    return _code_for_step(device, wanted)


def sign_in_verified(client: Client, user) -> Client:
    """Sign ``user`` in with a verified second factor, as the login would."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def area(db):
    return BusinessAreaFactory(name="Data as Statistics", code="das")


@pytest.fixture
def other_area(db):
    return BusinessAreaFactory(name="Working Age Benefits", code="wab")


@pytest.fixture
def staff(area):
    return UserFactory(username="staff", business_area=area)


@pytest.fixture
def deputy_siro(area):
    deputy = UserFactory(username="deputy", business_area=area)
    set_deputy_siro(area, deputy, by=system_user())
    return deputy


@pytest.fixture
def other_deputy_siro(other_area):
    deputy = UserFactory(username="otherdeputy", business_area=other_area)
    set_deputy_siro(other_area, deputy, by=system_user())
    return deputy


@pytest.fixture
def siro(area):
    holder = UserFactory(username="siro", business_area=area)
    appoint_office_holder(OfficeHolder.Office.SIRO, holder, by=system_user())
    return holder


@pytest.fixture
def auditor(area):
    return UserFactory(username="auditor", business_area=area, groups=[roles.AUDITORS])


@pytest.fixture
def administrator(area):
    return UserFactory(username="admin", business_area=area, groups=[roles.ADMINISTRATORS], is_staff=True)


@pytest.fixture
def iam(area):
    """The IAM of ``asset``, in the Deputy SIRO's area, with an authenticator app."""
    user = UserFactory(username="iam", business_area=area)
    TOTPDeviceFactory(user=user)
    return user


@pytest.fixture
def asset(area, iam, deputy_siro):
    return make_asset(manager=iam, business_area=area, name="Claimant counts")


@pytest.fixture
def other_iam(other_area):
    return UserFactory(username="otheriam", business_area=other_area)


@pytest.fixture
def other_asset(other_area, other_iam, other_deputy_siro):
    """An asset in another area, with its own IAM and Deputy SIRO: the records a person must not reach."""
    return make_asset(manager=other_iam, business_area=other_area, name="Housing benefit")


@pytest.fixture
def verified_client(client):
    """Call with a user: returns the test client signed in with a verified second factor."""

    def sign_in(user) -> Client:
        return sign_in_verified(client, user)

    return sign_in


@pytest.fixture
def unverified_client(client):
    """Call with a user: signed in with a password only (no second factor verified)."""

    def sign_in(user, *, with_device: bool = True) -> Client:
        if with_device:
            TOTPDeviceFactory(user=user)
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _eager_celery(request, settings):
    """Run tasks in-process, except in tests that start a real worker on a real broker."""
    from portal.celery import app

    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures must never leak from one test's data into another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing with the production hasher costs ~100 ms per user; tests create hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests never need collected (hashed) static files."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder, never the working copy's private-media."""
    settings.MEDIA_ROOT = tmp_path / "private-media"


@pytest.fixture(autouse=True)
def _audit_checkpoint_folder(settings, tmp_path):
    """Signed audit checkpoints go to a temporary folder, never the working copy's."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "audit-checkpoints")


@pytest.fixture
def signatures_pass(monkeypatch):
    """The key's signature and PIN flag taken as right: the challenge's purpose is what decides."""
    from django_otp_webauthn.models import WebAuthnCredential

    from governance.core.webauthn import UserVerifyingHelper

    def complete(self, *, user, state, data):
        return WebAuthnCredential.objects.filter(user=user, confirmed=True).first()

    monkeypatch.setattr(UserVerifyingHelper, "authenticate_complete", complete)
