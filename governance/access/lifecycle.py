"""The nightly lifecycle of grants: expiry and warnings, and suspension while a holder's training lapses."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from governance.access.grants import _end, restore, suspend
from governance.access.models import AccessGrant
from governance.access.status import today
from governance.core.audit import system_user
from governance.core.models import User
from governance.core.notifications import notify
from governance.training.courses import personal_data_clearance

G = AccessGrant.State


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
    for pk in AccessGrant.objects.filter(state__in=[G.ACTIVE, G.SUSPENDED], ends_on__lte=on).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            grant = AccessGrant.objects.select_for_update(of=("self",)).select_related("holder", "asset").get(pk=pk)
            if grant.state not in (G.ACTIVE, G.SUSPENDED) or grant.ends_on > on:
                continue
            _end(grant, G.EXPIRED, system, f"The end date, {grant.ends_on:%d %B %Y}, was reached")
            notify(
                grant.holder,
                key=f"access-expired:{grant.pk}",
                subject=f"Your access to {grant.asset} has ended",
                template="emails/access_expired.txt",
                context={"grant": grant},
            )
            run.expired += 1
    horizon = on + datetime.timedelta(days=settings.ACCESS_EXPIRY_WARNING_DAYS)
    expiring = AccessGrant.objects.filter(state=G.ACTIVE, ends_on__gt=on, ends_on__lte=horizon).select_related(
        "holder", "asset"
    )
    for grant in expiring:
        sent = notify(
            grant.holder,
            key=f"access-expiring:{grant.pk}:{grant.ends_on.isoformat()}",
            subject=f"Your access to {grant.asset} ends on {grant.ends_on:%d %B %Y}",
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
    grants = AccessGrant.objects.filter(needs_clearance=True).filter(
        Q(state=G.ACTIVE) | Q(state=G.SUSPENDED, suspension=AccessGrant.Suspension.TRAINING)
    )
    if holder is not None:
        grants = grants.filter(holder=holder)
    cache: dict[int, bool] = {}
    for grant in grants.select_related("holder", "asset").order_by("holder", "pk"):
        cleared = cache.setdefault(grant.holder_id, personal_data_clearance(grant.holder, on).cleared)
        with transaction.atomic():
            if grant.state == G.ACTIVE and not cleared:
                suspend(
                    grant, AccessGrant.Suspension.TRAINING, by=system, reason="Data-protection training is not current"
                )
                run.suspended_training += 1
            elif grant.state == G.SUSPENDED and cleared and grant.ends_on > on:
                restore(grant, by=system, reason="Data-protection training is current again")
                run.restored_training += 1
    return run
