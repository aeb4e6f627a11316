"""Email to people, at most once per reason.

``notify`` writes a ``Notification`` row keyed by the reason and enqueues the
send after the surrounding transaction commits. A repeated or retried caller
finds the key taken and sends nothing: that is what makes reminders idempotent.

``deliver`` sends one through GOV.UK Notify when ``NOTIFY_API_KEY`` is set (the kind of
message, the key's first part, names its Notify template in ``NOTIFY_TEMPLATES``; the key
is Notify's reference), and by email (SMTP) otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template import engines
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from requests import RequestException

from governance.core.models import Notification, User
from governance.core.queue import enqueue

if TYPE_CHECKING:
    from governance.core.audit_bulk import AuditBatch

logger = logging.getLogger(__name__)


def one_line_subject(subject: str) -> str:
    """A subject fit for an email header: line breaks and runs of spaces made one space, at most 200 characters.

    Subjects carry free text (an asset's or a person's name); a line break in a header is
    refused by Django (``BadHeaderError``), and such a message could never be sent.
    """
    return " ".join(str(subject).split())[: Notification._meta.get_field("subject").max_length]


def undeliverable():
    """Messages given up after ``NOTIFICATION_MAX_ATTEMPTS`` failed attempts, newest first."""
    return Notification.objects.filter(sent_at__isnull=True, attempts__gte=settings.NOTIFICATION_MAX_ATTEMPTS)


def notify(
    recipient: User | str, *, key: str, subject: str, template: str, context: dict | None = None
) -> Notification | None:
    """Queue ``template`` (a plain-text email) to ``recipient`` unless ``key`` was used before.

    ``recipient`` is a user, or an email address for someone outside the
    department (a contractor's contact); the template then gets ``recipient``
    as ``None`` and the address as ``recipient_email``.

    Returns the new notification, or ``None`` when nothing was queued (already
    sent for this key, or the recipient has no email address).
    """
    user, address = (None, recipient.strip()) if isinstance(recipient, str) else (recipient, recipient.email)
    if not address:
        logger.warning("Not notifying %s about %s: no email address", getattr(user, "pk", None), key)
        return None
    if Notification.objects.filter(dedupe_key=key).exists():
        return None
    subject = one_line_subject(subject)
    email_template = engines["email"].get_template(template)
    body = email_template.render(
        {
            **(context or {}),
            "recipient": user,
            "recipient_email": address,
            "base_url": settings.PORTAL_BASE_URL.rstrip("/"),
            "portal_name": settings.PORTAL_NAME,
        },
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user, to_email=address, subject=subject, body=body, dedupe_key=key
            )
    except IntegrityError:  # a concurrent run took the key first
        return None

    enqueue("governance.core.tasks.send_notification", notification.pk)
    return notification


@dataclass
class Message:
    """One message of a batch: what ``notify`` takes, for one person."""

    recipient: User
    key: str
    subject: str
    template: str
    context: dict = field(default_factory=dict)


def notify_many(messages: list[Message], *, audit: AuditBatch, reason: str = "") -> list[Notification]:
    """``notify`` for many people at once, in a fixed number of queries whatever their number.

    Keys already used send nothing, as with ``notify``; the rows are written together, their
    audit entries added to ``audit`` (the caller writes them with the rest of its batch), and
    each send enqueued once the surrounding transaction commits. Call it inside a transaction.
    """
    wanted = [m for m in messages if m.recipient.email]
    for m in messages:
        if not m.recipient.email:
            logger.warning("Not notifying %s about %s: no email address", m.recipient.pk, m.key)
    used = Notification.objects.filter(dedupe_key__in=[m.key for m in wanted])
    taken = set(used.values_list("dedupe_key", flat=True))
    base = {"base_url": settings.PORTAL_BASE_URL.rstrip("/"), "portal_name": settings.PORTAL_NAME}
    rows, seen = [], set()
    templates: dict[str, Any] = {}
    for m in wanted:
        if m.key in taken or m.key in seen:
            continue
        seen.add(m.key)
        if m.template not in templates:  # read and compiled once, however many people it goes to
            templates[m.template] = engines["email"].get_template(m.template)
        body = templates[m.template].render(
            {**m.context, "recipient": m.recipient, "recipient_email": m.recipient.email, **base}
        )
        rows.append(
            Notification(
                recipient=m.recipient,
                to_email=m.recipient.email,
                subject=one_line_subject(m.subject),
                body=body,
                dedupe_key=m.key,
            )
        )
    made = Notification.objects.bulk_create(rows)
    for notification in made:
        audit.created(notification, reason=reason)
        enqueue("governance.core.tasks.send_notification", notification.pk)
    return made


def remind(person: User | None, *, key: str, subject: str, template: str, context: dict) -> int:
    """A scheduled reminder or escalation to a person in post: 1 if queued now, else 0 (for a run's counts).

    Nobody is told when there is no one in the role or they have left; the key keeps a
    repeated run from sending it twice.
    """
    if person is None or not person.is_active:
        return 0
    return int(notify(person, key=key, subject=subject, template=template, context=context) is not None)


class DeliveryFailed(OSError):
    """Notify refused or could not be reached: recorded on the notification, then retried."""


def kind_of(notification: Notification) -> str:
    """The kind of message: its key's first part (``account-locked`` of ``account-locked:12:3``)."""
    return notification.dedupe_key.split(":", 1)[0]


def notify_template_for(notification: Notification) -> str:
    templates: dict[str, str] = settings.NOTIFY_TEMPLATES
    template = templates.get(kind_of(notification)) or templates.get("default", "")
    if not template:
        raise DeliveryFailed(
            f"No GOV.UK Notify template for {kind_of(notification)!r} and no default in NOTIFY_TEMPLATES"
        )
    return template


def deliver(notification: Notification) -> str:
    """Send one notification: through GOV.UK Notify when configured, else by email. Returns the channel."""
    if not settings.NOTIFY_API_KEY:
        EmailMessage(notification.subject, notification.body, to=[notification.to_email]).send()
        return "email"
    client = NotificationsAPIClient(
        settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL, timeout=settings.NOTIFY_TIMEOUT_SECONDS
    )
    try:
        client.send_email_notification(
            email_address=notification.to_email,
            template_id=notify_template_for(notification),
            personalisation={
                "subject": notification.subject,
                "body": notification.body,
                "portal_name": settings.PORTAL_NAME,
            },
            reference=notification.dedupe_key,
        )
    except APIError as exc:
        raise DeliveryFailed(f"GOV.UK Notify: {exc}") from exc
    except RequestException as exc:
        raise DeliveryFailed(f"GOV.UK Notify could not be reached: {type(exc).__name__}") from exc
    return "notify"
