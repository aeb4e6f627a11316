"""Celery tasks. Each is idempotent and records the system account as actor."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from governance.models import Notification
from governance.services.audit import as_system
from governance.services.people import deactivate_due_leavers

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5


@shared_task(bind=True, max_retries=MAX_SEND_ATTEMPTS, default_retry_delay=60)
@as_system
def send_notification(self, notification_id: int) -> str:
    """Send one queued email. A second delivery of the same message finds it sent and stops."""
    try:
        with transaction.atomic():
            notification = Notification.objects.select_for_update().get(pk=notification_id)
            if notification.sent_at is not None:
                return "already sent"
            notification.attempts += 1
            EmailMessage(notification.subject, notification.body, to=[notification.to_email]).send()
            notification.sent_at = timezone.now()
            notification.last_error = ""
            notification.save(update_fields=["attempts", "sent_at", "last_error"])
            return "sent"
    except Notification.DoesNotExist:
        return "gone"
    except OSError as exc:  # SMTP and connection errors: record, then retry later
        failed = Notification.objects.get(pk=notification_id)
        failed.attempts += 1
        failed.last_error = str(exc)[:500]
        failed.save(update_fields=["attempts", "last_error"])
        raise self.retry(exc=exc) from exc


@shared_task
@as_system
def send_pending_notifications(older_than_minutes: int = 10) -> int:
    """Re-enqueue messages whose first send was lost (broker down, worker killed)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    pending = Notification.objects.filter(
        sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=MAX_SEND_ATTEMPTS
    ).values_list("pk", flat=True)
    count = 0
    for pk in pending:
        send_notification.delay(pk)
        count += 1
    return count


@shared_task
@as_system
def deactivate_leavers() -> int:
    """Remove the rights of everyone whose leaving date has arrived."""
    return deactivate_due_leavers()


@shared_task
@as_system
def send_asset_review_reminders() -> dict:
    """Daily: remind IAMs of reviews falling due; escalate overdue reviews to Deputy SIROs."""
    from governance.services.assets import send_review_reminders

    run = send_review_reminders()
    return {"due_soon": run.due_soon, "overdue_escalated": run.overdue_escalated}


@shared_task
@as_system
def send_training_reminders() -> dict:
    """Daily: training reminders before and on expiry, weekly while overdue, then escalation."""
    from governance.services.training import send_reminders

    return dict(send_reminders().sent)


@shared_task
@as_system
def run_access_lifecycle() -> dict:
    """Nightly: end grants whose date has come, warn of ends ahead, suspend or restore grants
    as holders' training lapses or recovers, open this period's access review and enforce
    past reviews' deadlines. Each step is idempotent."""
    from governance.services import access, recertification

    lifecycle = access.expire_and_warn()
    training = access.sync_training()
    opened = recertification.start_campaign()
    enforced = recertification.enforce_deadlines()
    return {
        "expired": lifecycle.expired,
        "warned": lifecycle.warned,
        "suspended_training": training.suspended_training,
        "restored_training": training.restored_training,
        "reviews_opened": opened.reviews,
        "suspended_not_recertified": enforced.suspended,
        "deputies_told": enforced.escalated,
    }


@shared_task
@as_system
def verify_audit_chain() -> dict:
    """Nightly: verify the whole audit chain; on a break, alert every administrator by email."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from governance.roles import ADMINISTRATORS
    from governance.services.audit_chain import run_verification
    from governance.services.notifications import notify

    record, result = run_verification()
    if not result.ok:
        admins = Group.objects.get(name=ADMINISTRATORS).user_set.filter(is_active=True)
        for admin in admins:
            notify(
                admin,
                key=f"audit-chain-broken:{record.pk}:{admin.pk}",
                subject=f"Audit trail integrity check failed on {timezone.localdate():%d %B %Y}",
                template="emails/audit_chain_broken.txt",
                context={"record": record},
            )
    return {"checked": result.checked, "ok": result.ok}


# --- research contracts ------------------------------------------------------------------


@shared_task
@as_system
def end_contract_retention() -> int:
    """Daily: contracts whose retention end date has passed move to 'retention ended'."""
    from governance.services.contract_states import end_due_retention

    return end_due_retention()


@shared_task
@as_system
def send_contract_reminders() -> dict:
    """Daily: retention and destruction reminders, weekly overdue reminders, escalation to Deputy SIROs."""
    from governance.services.contract_reminders import send_contract_reminders as send

    return send().as_dict()


@shared_task
@as_system
def recheck_release_tables() -> int:
    """Check again, with the rules now in force, every unreleased table checked under older rules.

    Enqueued when the rules change and run nightly as a safety net; a second run
    finds nothing stale and does nothing.
    """
    from governance.services.releases import recheck_unreleased

    return recheck_unreleased()


@shared_task
@as_system
def refresh_training_figures() -> int:
    """Recompute the compliance dashboards' counts ahead of their readers (with a shared cache)."""
    from governance.services.training import compliance_counts

    staff, _signed = compliance_counts(refresh=True)
    return len(staff)
