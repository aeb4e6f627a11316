"""The tests' code helpers follow django-otp's own step count, drift included.

django-otp re-syncs a device to the step of the code it accepted (``OTP_TOTP_SYNC``): a
code typed just before a step ends and checked just after leaves the device one step
slow. A helper that counted steps from the clock alone then offered the step just used,
and a browser journey failed now and then with "Enter a new code".
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import fresh_code, used_code
from tests.factories import TOTPDeviceFactory

pytestmark = pytest.mark.django_db


def _clock_step(device) -> int:
    return int((time.time() - device.t0) // device.step)


@pytest.mark.parametrize("drift", [-1, 0, 1])
def test_a_fresh_code_is_accepted_whatever_the_devices_drift(drift):
    device = TOTPDeviceFactory()
    device.drift = drift
    device.last_t = _clock_step(device) + drift  # the code of the current step was just used
    device.save()

    assert device.verify_token(used_code(device)) is False
    device.throttle_reset()
    assert device.verify_token(fresh_code(device)) is True


def test_a_device_left_one_step_slow_accepts_the_next_fresh_code():
    """A code accepted one step late leaves the device one step slow (drift -1)."""
    device = TOTPDeviceFactory()
    device.drift = -1
    device.last_t = _clock_step(device) - 1
    device.save()

    assert device.verify_token(fresh_code(device)) is True


@pytest.mark.parametrize("drift", [-1, 0, 1])
def test_when_even_the_next_steps_code_was_used_the_clock_moves_on_instead_of_waiting(drift):
    """A test that needs a third code within one 30-second step is not made to wait for it."""
    device = TOTPDeviceFactory()
    device.drift = drift
    device.last_t = _clock_step(device) + drift + 1  # the codes of this step and the next were used
    device.save()

    started = time.monotonic()  # the real clock: time-machine moves only the wall clock
    assert device.verify_token(fresh_code(device)) is True
    assert time.monotonic() - started < 5
