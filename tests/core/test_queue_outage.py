"""A broker outage after a commit: the page does not fail and the notification is sent by the sweep."""

from __future__ import annotations

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from governance.core.models import Notification
from governance.core.notifications import notify
from governance.core.tasks import send_notification, send_pending_notifications
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unreachable_broker_is_logged_and_the_sweep_delivers_later(
    django_capture_on_commit_callbacks, caplog, monkeypatch
):
    person = UserFactory(email="person@example.gov.uk")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as outage:
        outage.setattr(send_notification, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):  # raised out of here before the change
            notification = notify(person, key="outage-test", subject="Hello", template="emails/audit_chain_broken.txt")
    assert "Broker unavailable" in caplog.text
    assert Notification.objects.get(pk=notification.pk).sent_at is None
    assert mail.outbox == []

    send_pending_notifications(older_than_minutes=-1)  # the broker is back: the sweep finds it
    assert Notification.objects.get(pk=notification.pk).sent_at is not None
    assert len(mail.outbox) == 1


def test_other_errors_while_enqueueing_still_propagate(django_capture_on_commit_callbacks, monkeypatch):
    """Only a broker outage is absorbed: a programming error must not be hidden."""
    person = UserFactory(email="person@example.gov.uk")

    def broken(*args, **kwargs):
        raise TypeError("bad arguments")

    monkeypatch.setattr(send_notification, "apply_async", broken)
    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        notify(person, key="broken-test", subject="Hello", template="emails/audit_chain_broken.txt")
