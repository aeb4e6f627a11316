"""API test helpers: tokens issued through the service, and a client that sends one."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core.api_tokens import create_token
from tests.conftest import fresh_code
from tests.factories import TOTPDeviceFactory


def issue(user, *, write: bool = False, ips: list[str] | None = None, days: int = 30, description: str = "HR feed"):
    """A token for ``user`` created the way the page creates one (fresh one-time code included)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
    return create_token(
        user,
        by=user,
        description=description,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        write_enabled=write,
        allowed_ips=ips or [],
        code=fresh_code(device),
    )


class TokenClient(Client):
    """The test client, sending ``Authorization: Bearer <token>`` and JSON."""

    def __init__(self, token: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.token = token

    def request(self, **request):
        if self.token:
            request.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return super().request(**request)

    def post_json(self, path, data, **extra):
        return self.post(path, data, content_type="application/json", **extra)

    def patch_json(self, path, data, **extra):
        return self.patch(path, data, content_type="application/json", **extra)


@pytest.fixture
def api():
    """Call with a user (and ``write=True`` etc.): a client authenticated by a fresh token of theirs."""

    def make(user=None, **kwargs) -> TokenClient:
        if user is None:
            return TokenClient()
        return TokenClient(issue(user, **kwargs).plaintext)

    return make
