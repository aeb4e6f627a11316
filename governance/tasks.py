"""Celery tasks. Each is idempotent and records the system account as actor."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from governance.models import Notification
from governance.roles import ADMINISTRATORS
from governance.services.access import recertification
from governance.services.access import requests as access
from governance.services.assurance import reminders as assurance_reminders
from governance.services.assurance import returns as assurance_returns
from governance.services.assurance import risks as assurance_risks
from governance.services.contracts import reminders as contract_reminders
from governance.services.contracts.states import end_due_retention
from governance.services.core import pending_imports
from governance.services.core.audit import as_system
from governance.services.core.audit_chain import run_verification
from governance.services.core.audit_checkpoints import export_checkpoint
from governance.services.core.notifications import notify
from governance.services.incidents.reminders import send_incident_reminders as send_incident_deadline_reminders
from governance.services.register.assets import send_review_reminders
from governance.services.register.people import deactivate_due_leavers
from governance.services.releases.workflow import recheck_unreleased, run_background_check
from governance.services.training.courses import compliance_counts, send_reminders
from governance.services.trends.snapshots import take_snapshot

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
    run = send_review_reminders()
    return {"due_soon": run.due_soon, "overdue_escalated": run.overdue_escalated}


@shared_task
@as_system
def send_training_reminders() -> dict:
    """Daily: training reminders before and on expiry, weekly while overdue, then escalation."""
    return dict(send_reminders().sent)


@shared_task
@as_system
def run_access_lifecycle() -> dict:
    """Nightly: end grants whose date has come, warn of ends ahead, suspend or restore grants
    as holders' training lapses or recovers, open this period's access review and enforce
    past reviews' deadlines. Each step is idempotent."""
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


@shared_task
@as_system
def export_audit_checkpoint() -> int | None:
    """Daily: sign the audit chain's head, write it where auditors keep it and email it to them."""
    exported = export_checkpoint(period=timezone.localdate().isoformat())
    return exported[0]["payload"]["chain_index"] if exported else None


# --- research contracts ------------------------------------------------------------------


@shared_task
@as_system
def end_contract_retention() -> int:
    """Daily: contracts whose retention end date has passed move to 'retention ended'."""
    return end_due_retention()


@shared_task
@as_system
def send_contract_reminders() -> dict:
    """Daily: retention and destruction reminders, weekly overdue reminders, escalation to Deputy SIROs."""
    return contract_reminders.send_contract_reminders().as_dict()


@shared_task
@as_system
def recheck_release_tables() -> int:
    """Check again, with the rules now in force, every unreleased table checked under older rules.

    Enqueued when the rules change and run nightly as a safety net; a second run
    finds nothing stale and does nothing.
    """
    return recheck_unreleased()


@shared_task
@as_system
def check_output_table(table_id: int, digest: str) -> bool:
    """Check a large output table off the request (see ``workflow.run_background_check``); idempotent."""
    return run_background_check(table_id, digest)


@shared_task
@as_system
def refresh_training_figures() -> int:
    """Recompute the compliance dashboards' counts ahead of their readers (with a shared cache)."""
    staff, _signed = compliance_counts(refresh=True)
    return len(staff)


@shared_task
@as_system
def send_incident_reminders() -> dict:
    """Warn handlers before an incident's 72 hours run out; escalate to the SIRO; report a miss. Idempotent."""
    run = send_incident_deadline_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated, "missed": run.missed}


@shared_task
def purge_pending_imports() -> int:
    """Nightly: delete uploaded import files that were previewed but never confirmed."""
    return pending_imports.purge_stale()


@shared_task
@as_system
def take_compliance_snapshot() -> str:
    """Record the day's compliance figures for the trend charts; a second run the same day writes nothing."""
    snapshot, created = take_snapshot()
    return f"{'taken' if created else 'already taken'} for {snapshot.taken_on.isoformat()}"


@shared_task
@as_system
def prepare_assurance_round(round_id: int) -> dict:
    """Prepare one return per IAM for a round, recording progress on the round. Idempotent."""
    round_ = assurance_returns.prepare_round(round_id)
    return {"prepared": round_.prepared, "total": round_.iam_total}


@shared_task
@as_system
def send_assurance_reminders() -> dict:
    """Daily: remind IAMs before a return is due; escalate overdue returns and risk reviews. Idempotent."""
    returns = assurance_reminders.send_return_reminders()
    risks = assurance_risks.send_risk_review_reminders()
    return {
        "returns_reminded": returns.reminded,
        "returns_escalated": returns.escalated,
        "risks_reminded": risks.reminded,
        "risks_escalated": risks.escalated,
    }
