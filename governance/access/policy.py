"""Who may see and do what with access requests, grants, reviews and the granted data.

Nobody decides, reviews or revokes their own access. The asset's IAM decides
(its Deputy SIRO when there is no active IAM, or the IAM is the requester); the
Deputy SIRO also approves high-risk requests, a second person: the SIRO (then the SIRO's
named alternate) stands in when the Deputy SIRO asked or took the IAM's step. Lists are
computed as one filtered query of what the person may see.
"""

from __future__ import annotations

import copy
from itertools import chain

from django.db.models import Exists, OuterRef
from django.utils import timezone

from governance.access.models import AccessGrant, AccessRequest, AccessReview, RecertificationCampaign
from governance.core.models import User
from governance.core.policy import (
    has_oversight,
    in_group,
    is_deputy_siro,
    is_iam,
    is_member,
    is_siro,
    oversees_area,
    stands_in,
)
from governance.core.roles import INCIDENT_HANDLERS
from governance.core.two_person import is_person, second_person, stand_ins
from governance.register.models import InformationAsset, InformationAssetUserObjectPermission
from governance.register.policy import can_edit as can_edit_asset


def active_iam(asset: InformationAsset) -> User | None:
    return asset.manager if asset.manager is not None and asset.manager.is_active else None


def reviewer_for(grant: AccessGrant) -> User | None:
    """Who recertifies a grant, a second person beside its holder: the asset's IAM; its Deputy SIRO
    when there is no active IAM or the IAM holds it; then the SIRO, then the SIRO's named alternate."""
    return second_person(
        chain([active_iam(grant.asset), grant.asset.business_area.deputy_siro], stand_ins()),
        excluding={grant.holder_id},
    )


ACCESS_PERM = "access_informationasset"


def active_grant(user: User, asset: InformationAsset) -> AccessGrant | None:
    """The grant that lets ``user`` open the asset's restricted data now, or None. One query.

    Both must hold: the guardian permission (removed the moment a grant ends) and
    an active grant whose dates cover today (so an expiry is honoured even before
    the nightly task has run). Kept on the asset instance for the request.
    """
    if not is_member(user):
        return None
    memo = asset.__dict__.setdefault("_active_grants", {})
    if user.pk in memo:
        return memo[user.pk]
    on = timezone.localdate()
    permission = InformationAssetUserObjectPermission.objects.filter(
        user=OuterRef("holder"), content_object=OuterRef("asset"), permission__codename=ACCESS_PERM
    )
    memo[user.pk] = (
        AccessGrant.objects.filter(
            holder=user, asset=asset, state=AccessGrant.State.ACTIVE, starts_on__lte=on, ends_on__gt=on
        )
        .filter(Exists(permission))
        .order_by("-ends_on")
        .first()
    )
    return memo[user.pk]


def can_open_data(user: User, asset: InformationAsset) -> bool:
    """The asset's restricted data, cut to the granted items: only under an active grant."""
    return active_grant(user, asset) is not None


# --- requests ------------------------------------------------------------------------------


def can_ask(user: User, asset: InformationAsset | None = None) -> bool:
    """Any member of staff may ask for access to an asset (the IAM decides)."""
    return is_member(user)


def can_submit(user: User, request: AccessRequest) -> bool:
    """The requester submits their own request (the service refuses one that is not a draft)."""
    return user.pk == request.requester_id


def can_decide_as_iam(user: User, request: AccessRequest) -> bool:
    """The asset's IAM decides; if the IAM is the requester or the post is empty, the Deputy SIRO does."""
    if user.pk == request.requester_id or not user.is_active:
        return False
    iam = active_iam(request.asset)
    if iam is not None and iam.pk != request.requester_id:
        return user.pk == iam.pk
    return oversees_area(user, request.asset.business_area_id)


def iam_step_people(request: AccessRequest) -> set[int]:
    """Who took the IAM's step of a request, or, before it is taken, who would: the IAM, or the
    area's Deputy SIRO standing in for a missing IAM or one who asked."""
    if request.iam_decided_by_id is not None:
        return {request.iam_decided_by_id}
    iam = active_iam(request.asset)
    if iam is not None and iam.pk != request.requester_id:
        return {iam.pk}
    deputy = request.asset.business_area.deputy_siro
    return {deputy.pk} if deputy is not None else set()


def deputy_step_person(request: AccessRequest) -> User | None:
    """Who gives the second approval of a high-risk request: the area's Deputy SIRO; the SIRO when
    the Deputy SIRO asked or took the IAM's step (or the post is empty); then the SIRO's alternate."""
    return second_person(
        chain([request.asset.business_area.deputy_siro], stand_ins()),
        excluding={request.requester_id, *iam_step_people(request)},
    )


def can_decide_as_deputy(user: User, request: AccessRequest) -> bool:
    """The second of two people: never the requester, never whoever took the IAM's step."""
    if user.pk == request.requester_id or not user.is_active or user.pk in iam_step_people(request):
        return False
    return is_person(user, deputy_step_person(request))


def request_as_decided_by(request: AccessRequest, user: User) -> AccessRequest:
    """The request as it is once ``user`` approved it at the IAM's step (not saved)."""
    decided = copy.copy(request)
    decided.iam_decision, decided.iam_decided_by = AccessRequest.Decision.APPROVE, user
    decided.needs_deputy_approval = True
    return decided


def oversees_asset(user: User, asset: InformationAsset) -> bool:
    """The asset's IAM, its area's Deputy SIRO, and organisation-wide oversight."""
    return has_oversight(user) or can_edit_asset(user, asset)


def awaits_deputy_step(request: AccessRequest) -> bool:
    """A submitted request approved at the IAM's step and waiting for its second approval."""
    return (
        request.state == AccessRequest.State.SUBMITTED
        and request.iam_decision == AccessRequest.Decision.APPROVE
        and request.needs_deputy_approval
        and not request.deputy_decision
    )


def approves_as_stand_in(user: User, request: AccessRequest) -> bool:
    """The SIRO or the SIRO's alternate, standing in for the second approval of this request now."""
    return stands_in(user) and awaits_deputy_step(request) and can_decide_as_deputy(user, request)


def can_view_request(user: User, request: AccessRequest) -> bool:
    """The requester, whoever oversees the asset, the SIRO, whoever gave the second approval, and
    the SIRO's alternate while the second approval falls to them."""
    return (
        user.pk == request.requester_id
        or is_siro(user)
        or oversees_asset(user, request.asset)
        or (request.deputy_decided_by_id is not None and user.pk == request.deputy_decided_by_id)
        or approves_as_stand_in(user, request)
    )


def can_withdraw(user: User, request: AccessRequest) -> bool:
    """Whoever may see the request reaches the form; the service lets only the requester withdraw."""
    return can_view_request(user, request)


# --- grants --------------------------------------------------------------------------------


def can_view_grant(user: User, grant: AccessGrant) -> bool:
    """The holder, whoever oversees the asset, and the SIRO's alternate when the grant's
    recertification falls to them."""
    return user.pk == grant.holder_id or oversees_asset(user, grant.asset) or recertifies_as_stand_in(user, grant)


def recertifies_as_stand_in(user: User, grant: AccessGrant) -> bool:
    """The SIRO or the SIRO's alternate, standing in to recertify a live grant nobody else may."""
    return (
        stands_in(user)
        and grant.state in (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)
        and is_person(user, reviewer_for(grant))
    )


def can_revoke(user: User, grant: AccessGrant) -> bool:
    """The asset's IAM, its Deputy SIRO, or an administrator; never the holder on their own grant."""
    return user.pk != grant.holder_id and user.is_active and can_edit_asset(user, grant.asset)


def can_revoke_now(user: User, grant: AccessGrant) -> bool:
    """``can_revoke``, on a grant still active or suspended: an ended grant has nothing to revoke."""
    return grant.state in (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED) and can_revoke(user, grant)


def can_review(user: User, review: AccessReview) -> bool:
    """The grant's reviewer (``reviewer_for``), or whoever may revoke it; never its holder."""
    grant = review.grant
    if user.pk == grant.holder_id or not user.is_active:
        return False
    reviewer = reviewer_for(grant)
    return (reviewer is not None and reviewer.pk == user.pk) or can_revoke(user, grant)


def can_upload_extract(user: User, asset: InformationAsset) -> bool:
    """The asset's IAM, its Deputy SIRO or an administrator loads the restricted data itself."""
    return can_edit_asset(user, asset)


def can_view_access_register(user: User) -> bool:
    """Every access to restricted data: auditors, the SIRO and administrators."""
    return has_oversight(user)


def can_act_for_incident(user: User, asset: InformationAsset) -> bool:
    """Who may suspend grants on, or bring forward the access review of, an asset an incident touches.

    The asset's IAM, its Deputy SIRO and administrators (as for revoking), and beside them
    the SIRO and the incident handlers, who handle incidents across the department.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return can_edit_asset(user, asset) or is_siro(user) or in_group(user, INCIDENT_HANDLERS)


def can_restore_after_incident(user: User, grant: AccessGrant) -> bool:
    """Whoever may suspend access for an incident may lift that suspension; never the holder.

    Only a suspension made for an incident, on a grant still within its dates: the other
    suspensions end by their own rules (training current again, an access review confirming it).
    """
    return (
        grant.state == AccessGrant.State.SUSPENDED
        and grant.suspension == AccessGrant.Suspension.INCIDENT
        and grant.ends_on > timezone.localdate()
        and user.pk != grant.holder_id
        and can_act_for_incident(user, grant.asset)
    )


# --- returned for changes -------------------------------------------------------------

EDITABLE = (AccessRequest.State.DRAFT, AccessRequest.State.RETURNED)


def can_edit_request(user: User, request: AccessRequest) -> bool:
    """Only the requester changes their request, while it is a draft or returned for changes."""
    return user.is_active and user.pk == request.requester_id and request.state in EDITABLE


def can_return(user: User, request: AccessRequest) -> bool:
    """Whoever may decide the request at its current stage may send it back for changes instead."""
    if request.state != AccessRequest.State.SUBMITTED:
        return False
    if not request.iam_decision:
        return can_decide_as_iam(user, request)
    return request.needs_deputy_approval and not request.deputy_decision and can_decide_as_deputy(user, request)


def can_view_your_grants(user: User) -> bool:
    """The "Your grants" page: the live grants on the assets one manages, for IAMs."""
    return is_member(user) and is_iam(user)


# --- recertification campaigns -----------------------------------------------------------


def can_run_campaign(user: User, campaign: RecertificationCampaign) -> bool:
    """Only the IAM whose campaign it is opens it and decides from it; the grants they hold
    themselves are never in it (``reviewer_for`` gives those to the Deputy SIRO or the SIRO)."""
    return is_member(user) and user.pk == campaign.iam_id


def can_view_campaign_progress(user: User) -> bool:
    """Each IAM's progress through the access review: Deputy SIROs for their areas, oversight for all."""
    return is_member(user) and (is_deputy_siro(user) or has_oversight(user))
