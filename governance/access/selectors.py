"""Access's visibility rules as querysets: what a person may list, each rule written once."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from governance.access.models import AccessGrant, AccessRequest
from governance.access.policy import (
    can_decide_as_deputy,
    can_decide_as_iam,
    reviewer_for,
)
from governance.core.models import AccessEvent, User
from governance.core.policy import has_oversight, is_member, stands_in
from governance.core.selectors import overseen_areas
from governance.core.two_person import is_person
from governance.register.models import InformationAsset, InformationAssetUserObjectPermission
from governance.register.policy import EDIT_PERM

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


def _stand_in_requests() -> QuerySet[AccessRequest]:
    """Requests waiting for a second approval their area's Deputy SIRO may not give (the post is
    empty, or the Deputy SIRO asked or took the IAM's step): the SIRO's, or the alternate's."""
    deputy = "asset__business_area__deputy_siro"
    return AccessRequest.objects.filter(
        state=R.SUBMITTED,
        iam_decision=AccessRequest.Decision.APPROVE,
        needs_deputy_approval=True,
        deputy_decision="",
    ).filter(
        Q(**{f"{deputy}__isnull": True})
        | Q(**{f"{deputy}__is_active": False})
        | Q(**{deputy: F("requester")})
        | Q(**{deputy: F("iam_decided_by")})
    )


def _stand_in_grants() -> QuerySet[AccessGrant]:
    """Live grants neither their asset's IAM nor its area's Deputy SIRO may recertify (gone, or the
    holder): the SIRO's to review, or the alternate's."""
    deputy = "asset__business_area__deputy_siro"
    iam_cannot = Q(asset__manager__isnull=True) | Q(asset__manager__is_active=False) | Q(asset__manager=F("holder"))
    deputy_cannot = Q(**{f"{deputy}__isnull": True}) | Q(**{f"{deputy}__is_active": False}) | Q(**{deputy: F("holder")})
    return AccessGrant.objects.filter(state__in=LIVE).filter(iam_cannot & deputy_cannot)


def awaiting_decision(user: User) -> list[AccessRequest]:
    """Submitted requests waiting for ``user``: as IAM, as the Deputy SIRO, or as the SIRO or the
    SIRO's named alternate standing in (the policy decides which, for each candidate)."""
    waiting_for = Q(asset__manager=user) | Q(asset__business_area__deputy_siro=user)
    if stands_in(user):
        waiting_for |= Q(pk__in=_stand_in_requests().values("pk"))
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


def reviews_for(user: User, reviews: QuerySet) -> QuerySet:
    """Of open ``reviews``, those whose grant ``user`` recertifies (``reviewer_for``): the IAM's, the
    Deputy SIRO's where the IAM holds the grant or the post is empty, and the stand-ins' after them."""
    deputy = "grant__asset__business_area__deputy_siro"
    iam_cannot = (
        Q(grant__asset__manager__isnull=True)
        | Q(grant__asset__manager__is_active=False)
        | Q(grant__asset__manager=F("grant__holder"))
    )
    mine = Q(grant__asset__manager=user) | (Q(**{deputy: user}) & iam_cannot)
    if stands_in(user):
        mine |= Q(grant__in=_stand_in_grants().values("pk"))
    candidates = (
        reviews.exclude(grant__holder=user)
        .filter(mine)
        .select_related("grant__asset__manager", "grant__asset__business_area__deputy_siro")
    )
    return reviews.filter(pk__in=[r.pk for r in candidates if is_person(user, reviewer_for(r.grant))])


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
    if stands_in(user):  # grants whose recertification falls to them (``recertifies_as_stand_in``)
        standing_in = _stand_in_grants().select_related("asset__manager", "asset__business_area__deputy_siro")
        wanted |= Q(pk__in=[g.pk for g in standing_in if is_person(user, reviewer_for(g))])
    return grants.filter(pk__in=list(grants.filter(wanted).values_list("pk", flat=True)))


def visible_requests(user: User) -> QuerySet[AccessRequest]:
    """Requests ``user`` may list: their own, their assets' and areas', those they gave the second
    approval of, those whose second approval falls to them as a stand-in (``approves_as_stand_in``), or all."""
    requests = AccessRequest.objects.all()
    if has_oversight(user):
        return requests
    wanted = Q(requester=user) | Q(asset_id__in=_overseen_asset_ids(user)) | Q(deputy_decided_by=user)
    if stands_in(user):
        standing_in = _stand_in_requests().select_related("asset__business_area__deputy_siro", "asset__manager")
        wanted |= Q(pk__in=[r.pk for r in standing_in if can_decide_as_deputy(user, r)])
    return requests.filter(wanted)


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
