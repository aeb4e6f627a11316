"""Celery tasks of access: the nightly lifecycle of grants."""

from __future__ import annotations

from celery import shared_task

from governance.access import lifecycle as grant_lifecycle
from governance.access import recertification
from governance.core.audit import as_system


@shared_task
@as_system
def run_access_lifecycle() -> dict:
    """Nightly: end grants whose date has come, warn of ends ahead, suspend or restore grants
    as holders' training lapses or recovers, open this period's access review (one campaign per
    IAM), remind reviewers and holders as a deadline nears, and enforce past reviews' deadlines.
    Each step is idempotent."""
    lifecycle = grant_lifecycle.expire_and_warn()
    training = grant_lifecycle.sync_training()
    opened = recertification.start_campaign()
    reminded = recertification.remind_before_deadline()
    enforced = recertification.enforce_deadlines()
    return {
        "expired": lifecycle.expired,
        "warned": lifecycle.warned,
        "suspended_training": training.suspended_training,
        "restored_training": training.restored_training,
        "reviews_opened": opened.reviews,
        "reviewers_reminded": reminded.reviews,
        "holders_reminded": reminded.escalated,
        "suspended_not_recertified": enforced.suspended,
        "deputies_told": enforced.escalated,
    }
