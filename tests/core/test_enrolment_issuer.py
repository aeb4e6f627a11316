"""The authenticator app lists the account under the service's name, never the host it was reached by."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import qrcode

from tests.core.test_login import post_password
from tests.factories import UserFactory

SETUP = "/account/two-factor/setup/"
STEP = "portal_setup_view-current_step"


def test_enrolment_address_and_qr_code_name_the_configured_service(client, db, settings, monkeypatch):
    settings.OTP_TOTP_ISSUER = "Custodian"
    settings.ALLOWED_HOSTS = ["*"]
    UserFactory(username="newcomer")
    post_password(client, "newcomer", HTTP_HOST="127.0.0.1:8001")
    response = client.post(SETUP, {STEP: "welcome"}, HTTP_HOST="127.0.0.1:8001")
    assert response.context["issuer"] == "Custodian"
    address = urlparse(response.context["otpauth_url"])
    assert parse_qs(address.query)["issuer"] == ["Custodian"]
    assert "127.0.0.1" not in response.context["otpauth_url"]

    drawn = []
    real_make = qrcode.make
    monkeypatch.setattr(qrcode, "make", lambda data, **kw: drawn.append(data) or real_make(data, **kw))
    assert client.get("/account/two-factor/qrcode/", HTTP_HOST="127.0.0.1:8001").status_code == 200
    assert parse_qs(urlparse(drawn[0]).query)["issuer"] == ["Custodian"]
    assert "127.0.0.1" not in drawn[0]
