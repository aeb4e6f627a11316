"""Email notifications: queued once per reason, sent after commit, never twice."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone

from governance.core.models import Notification
from governance.core.notifications import notify, remind
from governance.core.tasks import send_notification, send_pending_notifications
from tests.factories import UserFactory

TEMPLATE = "emails/test_message.txt"


@pytest.fixture
def recipient(db):
    return UserFactory(username="rita", email="rita@example.gov.uk")


def test_notify_sends_after_commit(recipient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(recipient, key="test:1", subject="Hello", template=TEMPLATE, context={"thing": "X"})
        assert len(mail.outbox) == 0  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rita@example.gov.uk"]
    assert message.subject == "Hello"
    assert "Dear Rita" in message.body.replace(recipient.first_name, "Rita")
    notification.refresh_from_db()
    assert notification.sent_at is not None
    assert notification.attempts == 1


def test_the_same_reason_is_never_sent_twice(recipient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient, key="test:same", subject="Hello", template=TEMPLATE)
        second = notify(recipient, key="test:same", subject="Hello", template=TEMPLATE)
    assert first is not None and second is None
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_a_repeated_delivery_of_the_task_sends_nothing_more(recipient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient, key="test:dup", subject="Hello", template=TEMPLATE)
    assert send_notification.apply(args=[notification.pk]).get() == "already sent"
    assert len(mail.outbox) == 1


def test_no_address_no_notification(db):
    nobody = UserFactory(username="noemail", email="")
    assert notify(nobody, key="test:none", subject="Hello", template=TEMPLATE) is None
    assert not Notification.objects.exists()


def test_a_failed_send_is_recorded_and_retried(recipient, django_capture_on_commit_callbacks):
    with mock.patch("governance.core.notifications.EmailMessage.send", side_effect=ConnectionRefusedError("smtp down")):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notification = notify(recipient, key="test:fail", subject="Hello", template=TEMPLATE)
        with pytest.raises(Retry):  # the worker would try again later
            send_notification.apply(args=[notification.pk])
    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.attempts >= 1
    assert "smtp down" in notification.last_error
    assert len(callbacks) == 1


def test_lost_messages_are_swept_up(recipient):
    old = timezone.now() - datetime.timedelta(hours=1)
    Notification.objects.create(
        recipient=recipient, to_email=recipient.email, subject="Lost", body="b", dedupe_key="lost", created_at=old
    )
    Notification.objects.create(
        recipient=recipient,
        to_email=recipient.email,
        subject="Sent",
        body="b",
        dedupe_key="sent",
        created_at=old,
        sent_at=old,
    )
    assert send_pending_notifications.apply().get() == 1
    assert [m.subject for m in mail.outbox] == ["Lost"]
    assert send_pending_notifications.apply().get() == 0


def test_a_scheduled_reminder_goes_once_and_only_to_a_person_in_post(staff):
    message = {"subject": "Due soon", "template": TEMPLATE, "context": {}}
    assert remind(None, key="nobody-in-post", **message) == 0
    assert remind(staff, key="reminder-1", **message) == 1
    assert remind(staff, key="reminder-1", **message) == 0  # a repeated run sends nothing twice
    staff.is_active = False
    staff.save()
    assert remind(staff, key="reminder-2", **message) == 0


def test_a_subject_with_a_line_break_is_made_one_line_and_sent(recipient, django_capture_on_commit_callbacks):
    """Names are free text: a line break in one must not make the message unsendable."""
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient, key="test:newline", subject="Review due:\r\n  Survey\nof   2025", template=TEMPLATE
        )
    assert notification.subject == "Review due: Survey of 2025"
    assert [m.subject for m in mail.outbox] == ["Review due: Survey of 2025"]


def _unsendable(recipient) -> Notification:
    """A message the mail library refuses outright (a line break in a header), queued long ago."""
    return Notification.objects.create(
        recipient=recipient,
        to_email=recipient.email,
        subject="Broken\nsubject",
        body="b",
        dedupe_key="unsendable",
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )


def test_a_message_that_cannot_be_sent_is_counted_and_then_given_up(recipient, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = _unsendable(recipient)
    outcomes = [send_notification.apply(args=[notification.pk]).get() for _ in range(4)]
    assert outcomes == ["failed", "failed", "given up", "given up"]
    notification.refresh_from_db()
    assert notification.attempts == 3 and notification.sent_at is None
    assert "BadHeaderError" in notification.last_error
    assert send_pending_notifications.apply().get() == 0  # never re-queued again
    assert not mail.outbox


def test_administrators_see_the_messages_given_up(recipient, administrator, staff, verified_client, settings):
    from governance.home.todo import task_list

    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    _unsendable(recipient)
    Notification.objects.create(to_email="x@example.gov.uk", subject="Fine", body="b", dedupe_key="fine")
    send_pending_notifications.apply().get()
    assert [t.label for t in task_list(administrator) if "could not be sent" in t.label] == [
        "1 email could not be sent"
    ]
    assert not [t for t in task_list(staff) if "could not be sent" in t.label]
    page = verified_client(administrator).get("/admin/governance/notification/?delivery=failed")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "Given up: could not be sent" in page.content.decode()


def test_an_email_says_names_as_written_not_as_html(db, django_capture_on_commit_callbacks):
    """Email bodies are plain text: an apostrophe or an ampersand is not turned into an HTML entity."""
    person = UserFactory(username="siobhan", first_name="Siobhán", last_name="O'Neill", email="s@example.gov.uk")
    grant = mock.Mock(asset=mock.Mock(), ends_on=timezone.localdate())
    grant.asset.name = "Pensions & Carers' Allowance"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            person,
            key="test:plain",
            subject="Access shortened",
            template="emails/access_shortened.txt",
            context={"grant": grant, "before": timezone.localdate()},
        )
    body = mail.outbox[-1].body
    assert "Pensions & Carers' Allowance" in body
    assert "&amp;" not in body and "&#x27;" not in body
