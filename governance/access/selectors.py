"""Access's visibility rules as querysets: what a person may list, each rule written once."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from governance.access.models import AccessGrant, AccessRequest, AccessReview
from governance.access.policy import (
    can_decide_as_deputy,
    can_decide_as_iam,
)
from governance.core.models import AccessEvent, User
from governance.core.policy import has_oversight, is_member, is_siro
from governance.core.selectors import overseen_areas
from governance.register.models import InformationAsset, InformationAssetUserObjectPermission
from governance.register.policy import EDIT_PERM
from governance.training.models import Course, TrainingStatus

R = AccessRequest.State
LIVE = (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)


def grants_on_managed_assets(user) -> QuerySet[AccessGrant]:
    """Every live grant (active or suspended) on the assets ``user`` is the IAM of: "Your grants".

    Each carries the holder's last access to the asset (from the access events) and the
    number of items it gives, so the list shows them without a query per row.
    """
    if not is_member(user):
        return AccessGrant.objects.none()
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    last_access = (
        AccessEvent.objects.filter(
            user=OuterRef("holder"),
            content_type=asset_type,
            object_pk=Cast(OuterRef("asset_id"), output_field=CharField()),
        )
        .order_by()
        .values("user")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        AccessGrant.objects.filter(asset__manager=user, state__in=LIVE)
        .select_related("holder__business_area", "asset")
        .annotate(last_access=Subquery(last_access), item_count=Count("items", distinct=True))
    )


def awaiting_decision(user: User) -> list[AccessRequest]:
    """Submitted requests waiting for ``user``: as IAM, as the Deputy SIRO, or as the SIRO standing in."""
    waiting_for = Q(asset__manager=user) | Q(asset__business_area__deputy_siro=user)
    if is_siro(user):
        deputy = "asset__business_area__deputy_siro"
        waiting_for |= (
            Q(**{f"{deputy}__isnull": True}) | Q(**{deputy: F("requester")}) | Q(**{f"{deputy}__is_active": False})
        )
    candidates = (
        AccessRequest.objects.filter(state=R.SUBMITTED)
        .exclude(requester=user)
        .filter(waiting_for)
        .select_related("asset__business_area__deputy_siro", "asset__manager", "requester")
        .order_by("submitted_at", "pk")
    )
    return [
        r
        for r in candidates
        if (not r.iam_decision and can_decide_as_iam(user, r))
        or (
            r.iam_decision == AccessRequest.Decision.APPROVE
            and r.needs_deputy_approval
            and not r.deputy_decision
            and can_decide_as_deputy(user, r)
        )
    ]


def visible_grants(user: User) -> QuerySet[AccessGrant]:
    """Grants ``user`` may list: their own, their assets' (as IAM), their areas' (as Deputy SIRO), or all."""
    grants = AccessGrant.objects.all()
    if has_oversight(user):
        return grants
    # The grants' ids are listed first (one query the planner answers from the holder and
    # asset indexes). Given the condition itself under a newest-first order and a page's
    # LIMIT, PostgreSQL walks the newest-first index through every grant, filtering as it
    # goes: 27 ms for an IAM's 39 grants among 100,000, against a few ms this way.
    wanted = Q(holder=user) | Q(asset_id__in=_overseen_asset_ids(user))
    return grants.filter(pk__in=list(grants.filter(wanted).values_list("pk", flat=True)))


def visible_requests(user: User) -> QuerySet[AccessRequest]:
    requests = AccessRequest.objects.all()
    if has_oversight(user):
        return requests
    return requests.filter(Q(requester=user) | Q(asset_id__in=_overseen_asset_ids(user)))


def _overseen_asset_ids(user: User) -> list[int]:
    """The assets ``user`` manages (by the IAM's right) or oversees as Deputy SIRO, as a list of ids.

    Listed ids let the database combine the person's own rows and these assets'
    rows through two indexes; an OR across joins made it read every grant (a
    quarter of a second at 100,000 grants). The areas come from the role facts.
    """
    managed = InformationAssetUserObjectPermission.objects.filter(
        user=user, permission__codename=EDIT_PERM
    ).values_list("content_object_id", flat=True)
    overseen = InformationAsset.objects.filter(business_area__in=overseen_areas(user)).values_list("pk", flat=True)
    return sorted(set(managed) | set(overseen))


# Named filters of grants and requests, shared by the lists and the home page's counts.


def grants_past_recertification(today: datetime.date) -> Q:
    """Active grants whose review in an open recertification campaign is still undecided after its deadline."""
    late = AccessReview.objects.filter(
        grant=OuterRef("pk"), decision="", campaign__closed_at__isnull=True, campaign__deadline__lt=today
    )
    return Exists(late) & Q(state=AccessGrant.State.ACTIVE)


def grants_past_end(today: datetime.date) -> Q:
    """Grants still active after their end date (the nightly run has not ended them)."""
    return Q(state=AccessGrant.State.ACTIVE, ends_on__lt=today)


def grants_held_untrained(today: datetime.date) -> Q:
    """Active grants of personal data whose holder lacks current training on a course that clears for it."""
    current = TrainingStatus.objects.filter(
        user=OuterRef(OuterRef("holder")), course=OuterRef("pk"), expires_on__gt=today
    )
    missing = Course.objects.filter(is_active=True, clears_personal_data=True, versions__isnull=False).exclude(
        Exists(current)
    )
    return Exists(missing) & Q(state=AccessGrant.State.ACTIVE, needs_clearance=True)


def grants_in_areas(areas) -> Q:
    """Grants on the assets of ``areas`` (a queryset or list of business areas)."""
    return Q(asset__business_area__in=areas)


def waiting_as_deputy(request: AccessRequest) -> bool:
    """A request waiting for the Deputy SIRO's (or the SIRO's) approval rather than the IAM's decision."""
    return request.iam_decision == AccessRequest.Decision.APPROVE


def awaiting_as(user: User, role: str) -> list[AccessRequest]:
    """The requests waiting for ``user`` as IAM (``role="iam"``) or as approver (``"deputy"``); anything else: all."""
    waiting = awaiting_decision(user)
    if role == "iam":
        return [r for r in waiting if not waiting_as_deputy(r)]
    if role == "deputy":
        return [r for r in waiting if waiting_as_deputy(r)]
    return waiting
