"""Celery tasks of the core: email, the audit chain's verification and checkpoints, pending imports, pruning.

Each is idempotent and records the system account as actor.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from governance.core import pending_imports, sso_pruning
from governance.core.audit import as_system
from governance.core.audit_chain import run_verification
from governance.core.audit_checkpoints import export_checkpoint
from governance.core.models import Notification
from governance.core.notifications import deliver, notify
from governance.core.plurals import date_text
from governance.core.roles import ADMINISTRATORS

logger = logging.getLogger(__name__)


def _max_attempts() -> int:
    return settings.NOTIFICATION_MAX_ATTEMPTS


def _record_failure(notification_id: int, exc: Exception) -> Notification | None:
    """Count the failed attempt and keep its error, in a transaction of its own.

    The send's own transaction has rolled back by now; written there, the count would be lost
    and a message that can never be sent would be re-queued for ever.
    """
    with transaction.atomic():
        failed = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if failed is None:
            return None
        failed.attempts += 1
        failed.last_error = f"{type(exc).__name__}: {exc}"[:500]
        failed.save(update_fields=["attempts", "last_error"])
    return failed


@shared_task(bind=True, default_retry_delay=60)
@as_system
def send_notification(self, notification_id: int) -> str:
    """Send one queued email. A second delivery of the same message finds it sent and stops.

    Each failed attempt is counted; after ``NOTIFICATION_MAX_ATTEMPTS`` the message is given
    up (never re-sent) and administrators see it on their home page and in the admin.
    """
    try:
        with transaction.atomic():
            notification = Notification.objects.select_for_update().get(pk=notification_id)
            if notification.sent_at is not None:
                return "already sent"
            if notification.attempts >= _max_attempts():
                return "given up"
            deliver(notification)  # GOV.UK Notify when configured, else email
            notification.attempts += 1
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["attempts", "sent_at", "last_error"])
            return "sent"
    except Notification.DoesNotExist:
        return "gone"
    except Exception as exc:  # SMTP and connection errors, and a message the backend refuses
        failed = _record_failure(notification_id, exc)
        if failed is None:
            return "gone"
        if failed.attempts >= _max_attempts():
            logger.error("Notification %s given up after %s attempts", failed.pk, failed.attempts)
            return "given up"
        if isinstance(exc, OSError):  # the mail server may be back soon: try again shortly
            raise self.retry(exc=exc, max_retries=_max_attempts()) from exc
        logger.warning("Notification %s not sent (attempt %s): %s", failed.pk, failed.attempts, type(exc).__name__)
        return "failed"


@shared_task
@as_system
def send_pending_notifications(older_than_minutes: int = 10) -> int:
    """Re-enqueue messages whose first send was lost (broker down, worker killed)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    pending = Notification.objects.filter(
        sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=_max_attempts()
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending:
        send_notification.delay(pk)
        count += 1
    return count


@shared_task
@as_system
def verify_audit_chain() -> dict:
    """Nightly: verify the whole audit chain; on a break, alert every administrator by email."""
    record, result = run_verification()
    if not result.ok:
        admins = Group.objects.get(name=ADMINISTRATORS).user_set.filter(is_active=True)
        for admin in admins:
            notify(
                admin,
                key=f"audit-chain-broken:{record.pk}:{admin.pk}",
                subject=f"Audit trail integrity check failed on {date_text(timezone.localdate())}",
                template="emails/audit_chain_broken.txt",
                context={"record": record},
            )
    return {"checked": result.checked, "ok": result.ok}


@shared_task
@as_system
def export_audit_checkpoint() -> int | None:
    """Daily: sign the audit chain's head, write it where auditors keep it and email it to them."""
    exported = export_checkpoint(period=timezone.localdate().isoformat())
    return exported[0]["payload"]["chain_index"] if exported else None


@shared_task
def purge_pending_imports() -> int:
    """Nightly: delete uploaded import files that were previewed but never confirmed."""
    return pending_imports.purge_stale()


@shared_task
@as_system
def prune_provider_sessions() -> dict[str, int]:
    """Nightly: delete single sign-on's back-channel logout links to ended sessions and its old logout tokens."""
    return sso_pruning.prune_provider_sessions()
