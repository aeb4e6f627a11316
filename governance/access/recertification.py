"""Recertification: every period (quarterly by default) each IAM confirms or revokes every
live grant on their assets; grants not confirmed by the deadline are suspended and
the Deputy SIRO is told."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.access import grants as grant_service
from governance.access.models import AccessGrant, AccessReview, ReviewCampaign
from governance.access.policy import can_act_for_incident, can_review, reviewer_for
from governance.core.audit import system_user
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.plurals import date_text, plural
from governance.register.models import InformationAsset

G = AccessGrant.State
logger = logging.getLogger(__name__)


def period_start(on: datetime.date) -> datetime.date:
    """The first day of the review period containing ``on`` (periods start in January)."""
    months = settings.ACCESS_RECERTIFICATION_MONTHS
    month = ((on.month - 1) // months) * months + 1
    return datetime.date(on.year, month, 1)


@dataclass
class CampaignRun:
    campaign: ReviewCampaign | None = None
    started: bool = False
    reviews: int = 0
    suspended: int = 0
    escalated: int = 0


def start_campaign(on: datetime.date | None = None) -> CampaignRun:
    """Open this period's campaign if it is not open yet, and ask each reviewer. Safe to run again."""
    on = on or timezone.localdate()
    start = period_start(on)
    run = CampaignRun()
    try:
        with transaction.atomic():
            campaign, created = ReviewCampaign.objects.get_or_create(
                period_start=start,
                defaults={"deadline": start + datetime.timedelta(days=settings.ACCESS_RECERTIFICATION_DAYS)},
            )
    except IntegrityError:  # a concurrent run opened it
        campaign, created = ReviewCampaign.objects.get(period_start=start), False
    run.campaign, run.started = campaign, created
    if campaign.closed_at is not None:
        return run
    reviewers: dict[int, tuple[User, int]] = {}
    live = (
        AccessGrant.objects.filter(state__in=[G.ACTIVE, G.SUSPENDED])
        .exclude(suspension=AccessGrant.Suspension.LEAVER)
        .select_related("asset__manager", "asset__business_area__deputy_siro")
    )
    for grant in live:
        _, made = AccessReview.objects.get_or_create(campaign=campaign, grant=grant)
        run.reviews += made
        reviewer = reviewer_for(grant)
        if reviewer is not None:
            count = reviewers.get(reviewer.pk, (reviewer, 0))[1]
            reviewers[reviewer.pk] = (reviewer, count + 1)
    for reviewer, count in reviewers.values():
        notify(
            reviewer,
            key=f"access-review-due:{campaign.pk}:{reviewer.pk}",
            subject=f"Access review: confirm or revoke {plural(count, 'grant')} by {date_text(campaign.deadline)}",
            template="emails/access_review_due.txt",
            context={"campaign": campaign, "count": count},
        )
    return run


def open_reviews_for(user: User):
    return (
        (
            AccessReview.objects.filter(campaign__closed_at__isnull=True, decision="")
            .exclude(grant__holder=user)
            .filter(grant__asset__manager=user)
            .select_related("grant__holder", "grant__asset", "campaign")
            .prefetch_related("grant__items")
            .order_by("campaign__deadline", "grant__asset__name", "pk")
        )
        if user.is_active
        else AccessReview.objects.none()
    )


@records_reason
@transaction.atomic
def decide(review: AccessReview, *, by: User, decision: str, reason: str = "") -> AccessReview:
    review = (
        AccessReview.objects.select_for_update(of=("self",))
        .select_related("grant__asset__manager", "grant__asset__business_area__deputy_siro", "campaign")
        .get(pk=review.pk)
    )
    if not can_review(by, review):
        raise PermissionDenied("Only the asset's IAM (or its Deputy SIRO) reviews this access, never its holder.")
    if review.decision:
        raise ValidationError("This access has already been reviewed in this campaign.")
    if decision not in AccessReview.Decision.values:
        raise ValidationError({"decision": "Choose confirm or revoke"})
    if decision == AccessReview.Decision.REVOKE and not reason.strip():
        raise ValidationError({"reason": "Give the reason for revoking access"})
    review.decision, review.decided_by, review.decided_at, review.reason = decision, by, timezone.now(), reason.strip()
    review.save()
    grant = review.grant
    if decision == AccessReview.Decision.REVOKE:
        grant_service.revoke(grant, by=by, reason=f"Revoked in the access review: {reason.strip()}")
    elif grant.state == G.SUSPENDED and grant.suspension == AccessGrant.Suspension.NOT_RECERTIFIED:
        grant_service._restore(grant, by=by, reason="Confirmed in the access review")
    return review


@records_reason
@transaction.atomic
def review_asset_early(asset: InformationAsset, *, by: User, reason: str) -> CampaignRun:
    """Ask the asset's IAM to confirm or revoke every live grant on it now, out of the usual cycle.

    The early review is a campaign starting today (the period's own campaign, if today is
    its first day), so the deadline, the reviewers' list and the suspension of grants nobody
    confirmed all work as they do for the quarterly review. Running it again adds nothing.
    """
    if not can_act_for_incident(by, asset):
        raise PermissionDenied(
            "Only the asset's IAM, its Deputy SIRO, the SIRO, an incident handler or an administrator "
            "can start an early access review."
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for the early review"})
    today = timezone.localdate()
    campaign, created = ReviewCampaign.objects.get_or_create(
        period_start=today, defaults={"deadline": today + datetime.timedelta(days=settings.ACCESS_RECERTIFICATION_DAYS)}
    )
    if campaign.closed_at is not None:
        raise ValidationError("Today's access review has already closed.")
    run = CampaignRun(campaign=campaign, started=created)
    live = (
        AccessGrant.objects.filter(asset=asset, state__in=[G.ACTIVE, G.SUSPENDED])
        .exclude(suspension=AccessGrant.Suspension.LEAVER)
        .select_related("asset__manager", "asset__business_area__deputy_siro")
    )
    reviewers: dict[int, User] = {}
    for grant in live:
        _, made = AccessReview.objects.get_or_create(campaign=campaign, grant=grant)
        run.reviews += made
        reviewer = reviewer_for(grant)
        if reviewer is not None:
            reviewers[reviewer.pk] = reviewer
    for reviewer in reviewers.values():
        notify(
            reviewer,
            key=f"access-review-early:{campaign.pk}:{asset.pk}:{reviewer.pk}",
            subject=f"Early access review of {asset}: confirm or revoke by {date_text(campaign.deadline)}",
            template="emails/access_review_early.txt",
            context={"campaign": campaign, "asset": asset, "reason": reason.strip(), "count": run.reviews},
        )
    return run


def enforce_deadlines(on: datetime.date | None = None) -> CampaignRun:
    """After a campaign's deadline: suspend grants nobody confirmed, tell each Deputy SIRO, close it.

    Each review is locked and read again before its grant is touched (review first, then grant,
    the order ``decide`` takes them in): a confirmation or revoke made while the job runs stands.
    One review's failure is logged and the others go on.
    """
    on = on or timezone.localdate()
    run = CampaignRun()
    system = system_user()
    for campaign in ReviewCampaign.objects.filter(closed_at__isnull=True, deadline__lt=on):
        by_area: dict[int, list[AccessGrant]] = defaultdict(list)
        pending = AccessReview.objects.filter(campaign=campaign, decision="").order_by("pk")
        for review_id in list(pending.values_list("pk", flat=True)):
            try:
                with transaction.atomic():
                    missed, grant = _enforce_one(review_id, campaign, system)
            except Exception:
                logger.exception("Enforcing access review %s failed; the other reviews go on", review_id)
                continue
            run.suspended += missed
            if grant is not None:
                by_area[grant.asset.business_area_id].append(grant)
        for grants in by_area.values():
            area = grants[0].asset.business_area
            if area.deputy_siro is None or not area.deputy_siro.is_active:
                continue
            sent = notify(
                area.deputy_siro,
                key=f"access-review-missed:{campaign.pk}:{area.pk}",
                subject=f"Access review: {plural(len(grants), 'grant')} in {area} not confirmed",
                template="emails/access_review_missed.txt",
                context={"campaign": campaign, "grants": grants, "area": area},
            )
            run.escalated += sent is not None
        with transaction.atomic():
            campaign.closed_at = timezone.now()
            campaign.save(update_fields=["closed_at"])
    return run


def _enforce_one(review_id: int, campaign: ReviewCampaign, system: User) -> tuple[int, AccessGrant | None]:
    """Suspend one unconfirmed review's grant. Returns (1 if suspended, the grant to report or None)."""
    review = AccessReview.objects.select_for_update(of=("self",)).filter(pk=review_id).first()
    if review is None or review.decision:
        return 0, None  # decided since the list was read
    grant = (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("holder", "asset__business_area__deputy_siro")
        .get(pk=review.grant_id)
    )
    if grant.state != G.ACTIVE:
        return 0, grant if grant.state == G.SUSPENDED else None
    grant_service._suspend(
        grant,
        AccessGrant.Suspension.NOT_RECERTIFIED,
        by=system,
        reason=f"Not confirmed in the access review by {date_text(campaign.deadline)}",
    )
    return 1, grant
