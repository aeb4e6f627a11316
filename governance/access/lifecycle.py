"""The nightly lifecycle of grants: expiry and warnings, and suspension while a holder's training lapses."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from governance.access.grants import _end, _restore, _suspend
from governance.access.models import AccessGrant
from governance.access.status import today
from governance.core.audit import system_user
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.plurals import date_text
from governance.training.courses import personal_data_clearance

G = AccessGrant.State
logger = logging.getLogger(__name__)


@dataclass
class LifecycleRun:
    expired: int = 0
    warned: int = 0
    suspended_training: int = 0
    restored_training: int = 0


def expire_and_warn(on: datetime.date | None = None) -> LifecycleRun:
    """End grants whose date has come (removing their permission) and warn holders of ends ahead. Idempotent."""
    on = on or today()
    run = LifecycleRun()
    system = system_user()
    due = AccessGrant.objects.filter(state__in=[G.ACTIVE, G.SUSPENDED], ends_on__lte=on).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                run.expired += _expire_one(pk, on, system)
        except Exception:
            logger.exception("Expiry of access grant %s failed; the other grants go on", pk)
    horizon = on + datetime.timedelta(days=settings.ACCESS_EXPIRY_WARNING_DAYS)
    expiring = AccessGrant.objects.filter(state=G.ACTIVE, ends_on__gt=on, ends_on__lte=horizon).select_related(
        "holder", "asset"
    )
    for grant in expiring:
        sent = notify(
            grant.holder,
            key=f"access-expiring:{grant.pk}:{grant.ends_on.isoformat()}",
            subject=f"Your access to {grant.asset} ends on {date_text(grant.ends_on)}",
            template="emails/access_expiring.txt",
            context={"grant": grant},
        )
        run.warned += sent is not None
    return run


def sync_training(on: datetime.date | None = None, *, holder: User | None = None) -> LifecycleRun:
    """Suspend grants of personal data whose holder's training lapsed; restore them once it is current."""
    on = on or today()
    run = LifecycleRun()
    system = system_user()
    grants = AccessGrant.objects.filter(_TRAINING_SYNCED)
    if holder is not None:
        grants = grants.filter(holder=holder)
    rows = list(grants.order_by("holder", "pk").values_list("pk", "holder_id"))
    holders = User.objects.in_bulk({holder_id for _, holder_id in rows})
    cleared: dict[int, bool] = {}
    for pk, holder_id in rows:
        try:
            # Training is read before the grant is locked; the grant is read again under its lock.
            if holder_id not in cleared:
                cleared[holder_id] = personal_data_clearance(holders[holder_id], on).cleared
            with transaction.atomic():
                moved = _sync_one(pk, cleared[holder_id], on, system)
        except Exception:
            logger.exception("Training sync of access grant %s failed; the other grants go on", pk)
            continue
        if moved == G.SUSPENDED:
            run.suspended_training += 1
        elif moved == G.ACTIVE:
            run.restored_training += 1
    return run


#: The grants the training sync looks after: personal data, live or suspended for training only.
_TRAINING_SYNCED = Q(needs_clearance=True) & (
    Q(state=G.ACTIVE) | Q(state=G.SUSPENDED, suspension=AccessGrant.Suspension.TRAINING)
)


def _locked(pk: int) -> AccessGrant | None:
    """The grant as it is now, locked until the caller's transaction ends (None if it is gone)."""
    return AccessGrant.objects.select_for_update(of=("self",)).select_related("holder", "asset").filter(pk=pk).first()


def _expire_one(pk: int, on: datetime.date, system: User) -> int:
    grant = _locked(pk)
    if grant is None or grant.state not in (G.ACTIVE, G.SUSPENDED) or grant.ends_on > on:
        return 0  # revoked, ended or extended since the list was read
    _end(grant, G.EXPIRED, system, f"The end date, {date_text(grant.ends_on)}, was reached")
    notify(
        grant.holder,
        key=f"access-expired:{grant.pk}",
        subject=f"Your access to {grant.asset} has ended",
        template="emails/access_expired.txt",
        context={"grant": grant},
    )
    return 1


def _sync_one(pk: int, cleared: bool, on: datetime.date, system: User) -> str | None:
    """Suspend or restore one grant, locked and read again: a revoke or suspension made meanwhile stands.

    Returns the state the grant moved to, or None if it did not move.
    """
    grant = _locked(pk)
    if grant is None or not grant.needs_clearance:
        return None
    if grant.state == G.ACTIVE and not cleared:
        _suspend(grant, AccessGrant.Suspension.TRAINING, by=system, reason="Data-protection training is not current")
        return G.SUSPENDED
    suspended_for_training = grant.state == G.SUSPENDED and grant.suspension == AccessGrant.Suspension.TRAINING
    if suspended_for_training and cleared and grant.ends_on > on:
        _restore(grant, by=system, reason="Data-protection training is current again")
        return G.ACTIVE
    return None
