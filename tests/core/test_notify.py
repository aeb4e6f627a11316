"""GOV.UK Notify: the real client library sends to a local server answering as Notify's API documents.

The server (127.0.0.1, started by the test) checks what Notify checks: the bearer JWT signed
with the key's secret (HS256), ``iss`` the service id and ``iat`` within 30 seconds; it answers
``POST /v2/notifications/email`` with 201 and Notify's response, and errors as ``{"errors": [...]}``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from celery.exceptions import Retry
from django.core import mail

from governance.core.models import Notification
from governance.core.notifications import notify
from governance.core.tasks import send_notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"custodian_test-{SERVICE_ID}-{SECRET}"
LOCKED_TEMPLATE = str(uuid.uuid4())
DEFAULT_TEMPLATE = str(uuid.uuid4())


class FakeNotify(BaseHTTPRequestHandler):
    received: list[dict] = []
    refuse_next: list[int] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, kind: str, message: str) -> None:
        self._answer(status, {"status_code": status, "errors": [{"error": kind, "message": message}]})

    def do_POST(self) -> None:
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["iss", "iat"]})
        except jwt.PyJWTError:
            return self._error(403, "AuthError", "Invalid token: signature, api token not found")
        if scheme != "Bearer" or claims["iss"] != SERVICE_ID or abs(time.time() - claims["iat"]) > 30:
            return self._error(403, "AuthError", "Invalid token: iss or iat")
        if self.path != "/v2/notifications/email":
            return self._error(404, "NotFound", "Not found")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.refuse_next:
            return self._error(self.refuse_next.pop(), "BadRequestError", "Can't send to this recipient")
        self.received.append(body)
        self._answer(
            201,
            {
                "id": str(uuid.uuid4()),
                "reference": body.get("reference"),
                "content": {"subject": body["personalisation"]["subject"], "body": body["personalisation"]["body"]},
                "uri": f"http://127.0.0.1/v2/notifications/{uuid.uuid4()}",
                "template": {"id": body["template_id"], "version": 1, "uri": "http://127.0.0.1/template"},
            },
        )


@pytest.fixture
def notify_server() -> Iterator[type[FakeNotify]]:
    FakeNotify.received = []
    FakeNotify.refuse_next = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNotify.base_url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield FakeNotify
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def notify_configured(settings, notify_server):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = notify_server.base_url
    settings.NOTIFY_TEMPLATES = {"account-locked": LOCKED_TEMPLATE, "default": DEFAULT_TEMPLATE}
    return notify_server


def queue(key: str) -> Notification:
    person = UserFactory(email="person@example.gov.uk")
    notification = Notification.objects.create(
        recipient=person,
        to_email=person.email,
        subject="Sign-in locked",
        body="Your account is locked.",
        dedupe_key=key,
    )
    return notification


def test_a_message_goes_through_notify_with_its_kinds_template_and_key_as_reference(notify_configured):
    notification = queue("account-locked:7:3")

    assert send_notification.run(notification.pk) == "sent"

    [sent] = notify_configured.received
    assert sent["email_address"] == "person@example.gov.uk"
    assert sent["template_id"] == LOCKED_TEMPLATE
    assert sent["reference"] == "account-locked:7:3"
    assert sent["personalisation"]["subject"] == "Sign-in locked"
    assert sent["personalisation"]["body"] == "Your account is locked."
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert mail.outbox == []  # not also by email


def test_a_kind_without_its_own_template_uses_the_default(notify_configured):
    notification = queue("incident-reported:1:2")

    send_notification.run(notification.pk)

    assert notify_configured.received[0]["template_id"] == DEFAULT_TEMPLATE


def test_a_refusal_is_recorded_and_the_message_stays_unsent_for_a_retry(notify_configured):
    notify_configured.refuse_next.append(400)
    notification = queue("account-locked:8:3")

    with pytest.raises(Retry):  # the worker would try again later
        send_notification.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.sent_at is None and notification.attempts >= 1
    assert "Can't send to this recipient" in notification.last_error


def test_a_wrong_key_is_refused_by_notify_and_recorded(notify_configured, settings):
    settings.NOTIFY_API_KEY = f"custodian_test-{SERVICE_ID}-{uuid.uuid4()}"
    notification = queue("account-locked:9:3")

    with pytest.raises(Retry):
        send_notification.apply(args=[notification.pk])

    notification.refresh_from_db()
    assert notification.sent_at is None and "Invalid token" in notification.last_error


def test_without_a_notify_key_messages_go_by_email(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_API_KEY = ""
    person = UserFactory(email="person@example.gov.uk")

    with django_capture_on_commit_callbacks(execute=True):
        notify(person, key="account-locked:10:1", subject="Locked", template="emails/account_locked.txt", context={})

    assert [message.to for message in mail.outbox] == [["person@example.gov.uk"]]
