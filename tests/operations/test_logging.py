"""JSON log lines: read back, they carry the request's facts and none of its secrets."""

from __future__ import annotations

import io
import json
import logging

import pytest

from governance.contracts.calendar import issue_feed_token
from governance.core.logging_json import PortalJsonFormatter
from tests.conftest import fresh_code
from tests.factories import TOTPDeviceFactory, UserFactory, contract_manager

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-2026"


@pytest.fixture
def log_lines():
    """Every line the portal logs during the test, as the production formatter writes it, parsed back."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PortalJsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield read
    root.removeHandler(handler)
    root.setLevel(previous)
    read.raw = stream.getvalue()


def test_a_request_line_carries_correlation_id_person_path_status_and_duration(verified_client, log_lines):
    person = UserFactory(first_name="Priya", last_name="Sharma", email="priya.sharma@example.gov.uk")
    response = verified_client(person).get("/training/?search=Sharma&page=1")
    lines = [line for line in log_lines() if line.get("logger") == "custodian.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["correlation_id"] == response["X-Correlation-ID"]
    assert line["user_id"] == person.pk
    assert line["path"] == "/training/"  # no query string
    assert line["status"] == response.status_code
    assert line["method"] == "GET"
    assert line["view"]
    assert isinstance(line["duration_ms"], float)
    assert set(line) <= {"time", "level", "logger", "message", "correlation_id", "user_id", "method", "path"} | {
        "view",
        "status",
        "duration_ms",
    }
    text = json.dumps(log_lines())
    for personal in ("Priya", "Sharma", "priya.sharma", person.username):
        assert personal not in text


def test_signing_in_logs_neither_password_nor_code(client, log_lines):
    user = UserFactory(password=PASSWORD)
    device = TOTPDeviceFactory(user=user)
    client.get("/account/login/")
    client.post(
        "/account/login/",
        {"portal_login_view-current_step": "auth", "auth-username": user.username, "auth-password": PASSWORD},
    )
    code = fresh_code(device)
    client.post("/account/login/", {"portal_login_view-current_step": "token", "token-otp_token": code})
    client.post(
        "/account/login/",
        {"portal_login_view-current_step": "auth", "auth-username": user.username, "auth-password": "wrong-guess"},
    )
    lines = log_lines()
    assert any(line.get("view") == "two_factor:login" and line.get("status") for line in lines)
    text = json.dumps(lines)
    for secret in (PASSWORD, "wrong-guess", code, device.key, user.username):
        assert secret not in text
    assert all(line.get("user_id") in (None, user.pk) for line in lines)


def test_a_calendar_feed_key_in_the_path_is_redacted(client, log_lines):
    manager = contract_manager()
    token = issue_feed_token(manager, by=manager)
    assert client.get(f"/contracts/calendar/feed/{token}.ics").status_code == 200
    assert client.get(f"/contracts/calendar/feed/{token}x.ics").status_code == 404  # Django's own "Not Found" line too
    lines = log_lines()
    assert token not in json.dumps(lines)
    assert "/contracts/calendar/feed/[redacted].ics" in [line.get("path") for line in lines]
    assert any(line.get("logger") == "django.request" and "[redacted]" in line["message"] for line in lines)


def test_probes_are_not_logged(client, log_lines):
    client.get("/health/live/")
    assert not [line for line in log_lines() if line.get("logger") == "custodian.requests"]


def test_extra_values_passed_to_a_logger_are_dropped(log_lines):
    logging.getLogger("governance.test").warning("something happened", extra={"email": "x@example.gov.uk"})
    (line,) = [line for line in log_lines() if line.get("logger") == "governance.test"]
    assert line["message"] == "something happened"
    assert "email" not in line and "x@example.gov.uk" not in json.dumps(line)
    assert line["level"] == "WARNING"
    assert line["time"].endswith("+00:00") and "T" in line["time"]  # ISO 8601, UTC
