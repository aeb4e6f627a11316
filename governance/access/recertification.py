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
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import dateformat, timezone

from governance.access import grants as grant_service
from governance.access.models import AccessGrant, AccessReview, RecertificationCampaign, ReviewCampaign
from governance.access.policy import can_act_for_incident, can_review, can_run_campaign, reviewer_for
from governance.access.selectors import reviews_for
from governance.core.audit import system_user
from governance.core.audit_bulk import AuditBatch, snapshot
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import Message, notify, notify_many, remind
from governance.core.plurals import date_text, plural
from governance.register.models import InformationAsset

G = AccessGrant.State
NOT_RECERTIFIED = AccessGrant.Suspension.NOT_RECERTIFIED
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
    iams: dict[int, User] = {}
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
            if reviewer.pk == grant.asset.manager_id:
                iams[reviewer.pk] = reviewer
    for iam in iams.values():
        open_campaign(campaign, iam)
    for reviewer, count in reviewers.values():
        notify(
            reviewer,
            key=f"access-review-due:{campaign.pk}:{reviewer.pk}",
            subject=f"Access review: confirm or revoke {plural(count, 'grant')} by {date_text(campaign.deadline)}",
            template="emails/access_review_due.txt",
            context={"campaign": campaign, "count": count},
        )
    return run


def open_campaign(campaign: ReviewCampaign, iam: User) -> RecertificationCampaign:
    """The IAM's share of the period's review, opened once (by the nightly task, or on first visit)."""
    try:
        with transaction.atomic():
            return RecertificationCampaign.objects.get_or_create(review_campaign=campaign, iam=iam)[0]
    except IntegrityError:  # opened meanwhile by another process
        return RecertificationCampaign.objects.get(review_campaign=campaign, iam=iam)


def campaigns_for(user: User) -> list[RecertificationCampaign]:
    """The IAM's campaigns, newest first; the open period's is opened here if the nightly task has not yet."""
    if not user.is_active:
        return []
    pending = AccessReview.objects.filter(campaign=OuterRef("pk"), decision="", grant__asset__manager=user).exclude(
        grant__holder=user
    )
    waiting = (
        ReviewCampaign.objects.filter(closed_at__isnull=True).filter(Exists(pending)).exclude(iam_campaigns__iam=user)
    )
    for campaign in waiting:
        open_campaign(campaign, user)
    return list(RecertificationCampaign.objects.filter(iam=user).select_related("review_campaign", "iam")[:20])


def open_reviews_for(user: User):
    """The open reviews waiting for ``user``: those whose grant they recertify (``reviewer_for``)."""
    if not user.is_active:
        return AccessReview.objects.none()
    waiting = AccessReview.objects.filter(campaign__closed_at__isnull=True, decision="")
    return (
        reviews_for(user, waiting)
        .select_related("grant__holder", "grant__asset", "campaign")
        .prefetch_related("grant__items")
        .order_by("campaign__deadline", "grant__asset__name", "pk")
    )


D = AccessReview.Decision


def decision_errors(decision: str, reason: str, ends_on: datetime.date | None) -> dict[str, str]:
    """Every problem with a decision at once (the grants' own checks come after)."""
    errors: dict[str, str] = {}
    if decision not in D.values:
        errors["decision"] = "Choose whether to keep, shorten or revoke the access"
    if decision == D.REVOKE and not (reason or "").strip():
        errors["reason"] = "Give the reason for revoking access"
    if decision == D.SHORTEN and not (reason or "").strip():
        errors["reason"] = "Give the reason for shortening access"
    if decision == D.SHORTEN and ends_on is None:
        errors["ends_on"] = "Enter the new end date"
    return errors


def _locked_reviews(ids) -> QuerySet[AccessReview]:
    """The reviews and their grants, locked in one query (review before grant, as every path takes them)."""
    return (
        AccessReview.objects.select_for_update(of=("self", "grant"))
        .select_related(
            "grant__holder", "grant__asset__manager", "grant__asset__business_area__deputy_siro", "campaign"
        )
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


@records_reason
@transaction.atomic
def decide(
    review: AccessReview, *, by: User, decision: str, reason: str = "", ends_on: datetime.date | None = None
) -> AccessReview:
    review = _locked_reviews([review.pk]).get()
    _decide_one(review, by=by, decision=decision, reason=reason, ends_on=ends_on)
    return review


def _decide_one(
    review: AccessReview,
    *,
    by: User,
    decision: str,
    reason: str,
    ends_on: datetime.date | None,
    recertification: RecertificationCampaign | None = None,
) -> None:
    """The rule for one grant, whichever page took the decision: one review, or a campaign in bulk."""
    if not can_review(by, review):
        raise PermissionDenied("Only the asset's IAM (or its Deputy SIRO) reviews this access, never its holder.")
    if review.decision:
        raise ValidationError("This access has already been reviewed in this campaign.")
    errors = decision_errors(decision, reason, ends_on)
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    grant = review.grant
    if decision == D.SHORTEN:
        error = grant_service.shorten_errors(grant, ends_on)
        if error:
            raise ValidationError({"ends_on": error})
    review.decision, review.decided_by, review.decided_at, review.reason = decision, by, timezone.now(), reason
    review.new_ends_on = ends_on if decision == D.SHORTEN else None
    review.recertification = recertification
    review.save()
    where = _named(review.campaign, recertification)
    if decision == D.REVOKE:
        grant_service.revoke(grant, by=by, reason=f"Revoked in {where}: {reason}")
        return
    if decision == D.SHORTEN and ends_on is not None:  # checked above: a shortening always has its date
        grant_service._shorten(grant, ends_on, by=by, reason=f"Shortened in {where}: {reason}")
    if grant.state == G.SUSPENDED and grant.suspension == AccessGrant.Suspension.NOT_RECERTIFIED:
        grant_service._restore(grant, by=by, reason=f"Confirmed in {where}")


def _named(campaign: ReviewCampaign, recertification: RecertificationCampaign | None) -> str:
    """The campaign a decision was taken in, as the grant's history and its holder read it."""
    if recertification is None:
        return "the access review"
    iam = recertification.iam
    return f"the access review from {dateformat.format(campaign.period_start, 'j F Y')} ({iam.display_name}'s campaign)"


@dataclass
class BulkResult:
    reviews: list[AccessReview]
    decision: str

    @property
    def count(self) -> int:
        return len(self.reviews)


@records_reason
@transaction.atomic
def decide_many(
    recertification: RecertificationCampaign,
    *,
    by: User,
    review_ids: list[int],
    decision: str,
    reason: str = "",
    ends_on: datetime.date | None = None,
) -> BulkResult:
    """Keep, shorten or revoke many grants of one IAM's campaign with one reason: all or none.

    Each grant is decided by ``_decide_one``, the rule a single review follows, so each gets
    its own review row, history row and audit entry naming the campaign. The reviews and
    their grants are read and locked in one query; the per-grant work is only the writes.
    Nobody decides their own grant: one among the chosen refuses the whole request.
    """
    if not can_run_campaign(by, recertification):
        raise PermissionDenied("Only the campaign's Information Asset Manager reviews its grants.")
    if not recertification.is_open:
        raise ValidationError("This access review has closed.")
    errors = decision_errors(decision, reason, ends_on)
    if not review_ids:
        errors["reviews"] = "Select the grants to decide"
    reviews = list(_locked_reviews(review_ids)) if review_ids else []
    in_campaign = [
        r
        for r in reviews
        if r.campaign_id == recertification.review_campaign_id and r.grant.asset.manager_id == recertification.iam_id
    ]
    if len(in_campaign) != len(set(review_ids)):
        raise PermissionDenied("Some of the chosen grants are not in this campaign.")
    if any(r.grant.holder_id == by.pk for r in reviews):
        raise PermissionDenied("You cannot review your own access: your Deputy SIRO (or the SIRO) reviews it.")
    decided = [r for r in reviews if r.decision]
    if decided:
        errors["reviews"] = _names_error("already reviewed", decided)
    if decision == D.SHORTEN and ends_on is not None and "ends_on" not in errors:
        late = [r for r in reviews if grant_service.shorten_errors(r.grant, ends_on)]
        if late:
            errors["ends_on"] = (
                grant_service.shorten_errors(late[0].grant, ends_on)
                if len(reviews) == 1
                else _names_error("already ending on or before that date", late)
            )
    if errors:
        raise ValidationError(errors)
    _decide_in_bulk(reviews, by=by, decision=decision, reason=reason, ends_on=ends_on, recertification=recertification)
    return BulkResult(reviews=reviews, decision=decision)


def _decide_in_bulk(
    reviews: list[AccessReview],
    *,
    by: User,
    decision: str,
    reason: str,
    ends_on: datetime.date | None,
    recertification: RecertificationCampaign,
) -> None:
    """``_decide_one`` for every review of one campaign, in a fixed number of queries however many.

    The same rule and the same records as one at a time: each review gets its decision naming
    the campaign, each grant its history row, and every row changed its own audit entry (the
    review, the grant, the history row, each permission removed or restored, each email), written
    together into the chain. Each holder gets one email for all their grants decided here.
    """
    for review in reviews:
        if not can_review(by, review):
            raise PermissionDenied("Only the asset's IAM (or its Deputy SIRO) reviews this access, never its holder.")
    reason = reason.strip()
    audit = AuditBatch()
    now = timezone.now()
    new_ends_on = ends_on if decision == D.SHORTEN else None
    for review in reviews:
        old = snapshot(review)
        review.decision, review.decided_by, review.decided_at, review.reason = decision, by, now, reason
        review.new_ends_on, review.recertification = new_ends_on, recertification
        audit.updated(old, review, None)
    AccessReview.objects.filter(pk__in=[r.pk for r in reviews]).update(
        decision=decision,
        decided_by=by,
        decided_at=now,
        reason=reason,
        new_ends_on=new_ends_on,
        recertification=recertification,
    )
    where = _named(recertification.review_campaign, recertification)
    grants = [r.grant for r in reviews]
    first_review: dict[int, int] = {}
    for review in reviews:
        first_review.setdefault(review.grant.holder_id, review.pk)
    why = ""  # the reason the holders' emails are recorded under
    if decision == D.REVOKE:
        why = f"Revoked in {where}: {reason}"
        grant_service._revoke_many(grants, by=by, reason=why, audit=audit)
        messages = _holder_messages(grants, first_review, "revoked", reason=why)
    else:
        messages = []
        if decision == D.SHORTEN and ends_on is not None:  # checked: a shortening always has its date
            why = f"Shortened in {where}: {reason}"
            before = grant_service._shorten_many(grants, ends_on, by=by, reason=why, audit=audit)
            messages = _holder_messages(grants, first_review, "shortened", reason=why, ends_on=ends_on, before=before)
        missed = [g for g in grants if g.state == G.SUSPENDED and g.suspension == NOT_RECERTIFIED]
        grant_service._restore_many(missed, by=by, reason=f"Confirmed in {where}", audit=audit)
    notify_many(messages, audit=audit, reason=why)
    audit.write()


def _holder_messages(
    grants: list[AccessGrant],
    first_review: dict[int, int],
    what: str,
    *,
    reason: str,
    ends_on: datetime.date | None = None,
    before: dict[int, datetime.date] | None = None,
) -> list[Message]:
    """One email to each holder naming all their grants revoked (or shortened) by this decision.

    The key names the holder's first review of the decision: each review is decided once, so a
    retried request finds its key taken and sends nothing twice."""
    held: dict[int, list[AccessGrant]] = defaultdict(list)
    for grant in grants:
        held[grant.holder_id].append(grant)
    messages = []
    new_end = date_text(ends_on)
    for holder_id, theirs in held.items():
        holder = theirs[0].holder
        assets = sorted({g.asset.name for g in theirs})
        named = assets[0] if len(assets) == 1 else plural(len(assets), "asset")
        listed = [{"asset": g.asset, "url": g.get_absolute_url(), "before": (before or {}).get(g.pk)} for g in theirs]
        if what == "revoked":
            subject = f"Your access to {named} has been revoked"
            template = "emails/access_revoked_in_review.txt"
        else:
            subject = f"Your access to {named} now ends on {new_end}"
            template = "emails/access_shortened_in_review.txt"
        messages.append(
            Message(
                recipient=holder,
                key=f"access-{what}:review:{first_review[holder_id]}",
                subject=subject,
                template=template,
                context={"grants": listed, "reason": reason, "ends_on": ends_on},
            )
        )
    return messages


def _names_error(what: str, reviews: list[AccessReview]) -> str:
    names = [r.grant.holder.display_name for r in reviews[:5]]
    more = f" and {len(reviews) - 5:,} more" if len(reviews) > 5 else ""
    return f"Deselect the access {what}: {', '.join(names)}{more}"


def remind_before_deadline(on: datetime.date | None = None) -> CampaignRun:
    """A set number of days before an open campaign's deadline, tell each reviewer how many grants
    wait and each holder whose grant is not yet confirmed. Keys make a repeated run send nothing twice."""
    on = on or timezone.localdate()
    run = CampaignRun()
    suspends = settings.RECERTIFICATION_UNREVIEWED_ACTION == "suspend"
    horizon = on + datetime.timedelta(days=settings.RECERTIFICATION_REMINDER_DAYS)
    for campaign in ReviewCampaign.objects.filter(closed_at__isnull=True, deadline__gte=on, deadline__lte=horizon):
        pending = AccessReview.objects.filter(
            campaign=campaign, decision="", grant__state__in=[G.ACTIVE]
        ).select_related("grant__holder", "grant__asset__manager", "grant__asset__business_area__deputy_siro")
        reviewers: dict[int, tuple[User, int]] = {}
        holders: dict[int, User] = {}
        held: dict[int, list[AccessGrant]] = defaultdict(list)
        for review in pending:
            grant = review.grant
            reviewer = reviewer_for(grant)
            if reviewer is not None:
                reviewers[reviewer.pk] = (reviewer, reviewers.get(reviewer.pk, (reviewer, 0))[1] + 1)
            holders[grant.holder_id] = grant.holder
            held[grant.holder_id].append(grant)
        iam_campaigns = {c.iam_id: c for c in RecertificationCampaign.objects.filter(review_campaign=campaign)}
        for reviewer, count in reviewers.values():
            own = iam_campaigns.get(reviewer.pk)
            run.reviews += remind(
                reviewer,
                key=f"access-review-reminder:{campaign.pk}:{reviewer.pk}",
                subject=f"Access review: {count:,} grant{'s' if count != 1 else ''} still to review by "
                f"{dateformat.format(campaign.deadline, 'j F Y')}",
                template="emails/access_review_reminder.txt",
                context={
                    "campaign": campaign,
                    "count": count,
                    "suspends": suspends,
                    "url": own.get_absolute_url() if own else "/access/reviews/",
                },
            )
            if own is not None and own.reminded_at is None:
                own.reminded_at = timezone.now()
                own.save(update_fields=["reminded_at"])
        for holder in holders.values():
            grants = held[holder.pk]
            run.escalated += remind(
                holder,
                key=f"access-review-holder-reminder:{campaign.pk}:{holder.pk}",
                subject=f"Your access is not yet confirmed in the access review ending "
                f"{dateformat.format(campaign.deadline, 'j F Y')}",
                template="emails/access_review_holder_reminder.txt",
                context={"grants": grants, "deadline": campaign.deadline, "suspends": suspends},
            )
    return run


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
                context={
                    "campaign": campaign,
                    "grants": grants,
                    "area": area,
                    "suspended": settings.RECERTIFICATION_UNREVIEWED_ACTION == "suspend",
                },
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
    if settings.RECERTIFICATION_UNREVIEWED_ACTION != "suspend":
        return 0, grant  # the rule is to leave it live: the Deputy SIRO is still told
    grant_service._suspend(
        grant,
        AccessGrant.Suspension.NOT_RECERTIFIED,
        by=system,
        reason=f"Not confirmed in the access review by {date_text(campaign.deadline)}",
    )
    return 1, grant
