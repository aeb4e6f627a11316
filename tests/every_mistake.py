"""Shared by the "every mistake at once" tests: a one-time code that is surely wrong now."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that is none of the codes the device would accept around now."""
    device.refresh_from_db()
    accepted = set()
    for offset in range(-3, 4):
        generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        generator.time = time.time() + offset * device.step
        accepted.add(f"{generator.token():0{device.digits}d}")
    return next(code for code in ("111111", "222222", "333333", "444444", "555555") if code not in accepted)
