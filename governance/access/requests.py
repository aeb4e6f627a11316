"""Access requests and their decisions: business-case requests, the IAM's and the Deputy SIRO's decisions.

The policy: access is business-case controlled on the minimum data required, and
every authorisation and every access is recorded. Here that means item-level
requests with a justification per item, an IAM decision (and the Deputy SIRO's
for special-category or identifiable data), grants that carry the guardian
permission ``access_informationasset`` for exactly as long as they are active,
and a status history row for every move. Nobody decides their own request.

Grants and suspensions are in ``grants``, the nightly lifecycle in ``lifecycle``, the lists in ``selectors``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone

from governance.access.grants import _grant_permission
from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem, StatusChange
from governance.access.policy import (
    EDITABLE,
    active_iam,
    can_decide_as_deputy,
    can_decide_as_iam,
    can_return,
    deputy_step_person,
)
from governance.access.status import _move, latest_end_date, today
from governance.core import approval_gates, events
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.plurals import date_text
from governance.core.security import verify_fresh_second_factor
from governance.register.models import DataItem, InformationAsset
from governance.training.courses import personal_data_clearance

IAM_DECIDES = (
    "Only the asset's Information Asset Manager decides (its Deputy SIRO if there is none), never the requester."
)

RETURN = "return"  # a decision that sends the request back to the requester, not stored as a decision


R, G = AccessRequest.State, AccessGrant.State


def needs_deputy(asset: InformationAsset, items: list[DataItem]) -> bool:
    """Special-category or directly identifying items, or personal items of an identifiable asset."""
    if any(item.is_high_risk for item in items):
        return True
    personal = [i for i in items if i.sensitivity != DataItem.Sensitivity.NON_PERSONAL]
    return bool(personal) and asset.identifiability == InformationAsset.Identifiability.IDENTIFIABLE


def asks_for_personal_data(asset: InformationAsset, items: list[DataItem]) -> bool:
    return asset.contains_personal_data and any(i.sensitivity != DataItem.Sensitivity.NON_PERSONAL for i in items)


@dataclass(frozen=True)
class Alternative:
    asset: InformationAsset
    shared: int


def less_identifiable_alternatives(
    asset: InformationAsset, item_names: list[str], *, limit: int = 5
) -> list[Alternative]:
    """Pseudonymised or anonymised assets holding some of the same items, which might serve instead.

    Counted and ranked by the database (two queries however large the register): the names are
    matched without regard to case, and only the ``limit`` best assets are read.
    """
    if asset.identifiability == InformationAsset.Identifiability.ANONYMISED or not item_names:
        return []
    levels = [InformationAsset.Identifiability.ANONYMISED]
    if asset.identifiability == InformationAsset.Identifiability.IDENTIFIABLE:
        levels.append(InformationAsset.Identifiability.PSEUDONYMISED)
    names = sorted({n.lower() for n in item_names})
    ranked = list(
        DataItem.objects.filter(asset__identifiability__in=levels)
        .exclude(asset=asset)
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=names)
        .values("asset")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "asset__name", "asset")
        .values_list("asset", "shared")[:limit]
    )
    assets = InformationAsset.objects.in_bulk([pk for pk, _shared in ranked])
    return [Alternative(assets[pk], shared) for pk, shared in ranked]


def _validate_request(requester, asset, items: dict[DataItem, str], end_date, *, on=None) -> list[DataItem]:
    errors = request_errors(requester, asset, items, end_date, on=on)
    if errors:
        raise ValidationError(errors)
    return list(items)


def request_errors(
    requester: User,
    asset: InformationAsset,
    items: dict[DataItem, str],
    end_date: datetime.date | None,
    *,
    on: datetime.date | None = None,
) -> dict[str, str]:
    """The rules a submitted request must meet: items of this asset, each with a reason, an end date
    in the future and within the longest period, and training that clears the requester for personal data.

    Checked when the request is submitted and, through the request form, with its own
    fields, so someone who also left the business case blank is told everything at once.
    """
    on = on or today()
    errors = {}
    chosen = list(items)
    if not chosen:
        errors["items"] = "Choose the data items you need"
    elif any(item.asset_id != asset.pk for item in chosen):
        errors["items"] = "Choose items of this asset only"
    missing = [item.name for item, why in items.items() if not (why or "").strip()]
    if missing:
        errors["items"] = f"Give a reason for each item you choose: {', '.join(missing)}"
    if end_date is None or end_date <= on:
        errors["requested_end_date"] = "The end date must be in the future"
    elif end_date > latest_end_date(on):
        errors["requested_end_date"] = (
            f"Access can be asked for {settings.ACCESS_MAX_MONTHS} months at most: "
            f"the latest end date is {date_text(latest_end_date(on))}"
        )
    if chosen and asks_for_personal_data(asset, chosen):
        clearance = personal_data_clearance(requester, on)
        if not clearance.cleared:
            errors.setdefault("items", f"You cannot ask for personal data yet. {clearance.reason}.")
    return errors


UNCHANGED_SINCE_RETURN = "Change your request as the decider asked before you send it again"


def content_digest(
    purpose: str, business_case: str, requested_end_date: datetime.date | None, items: dict[int, str]
) -> str:
    """A digest of what a request asks for: purpose, business case, end date, items and their reasons.

    Taken when the request is returned, so a request sent back unchanged is refused:
    it would only be returned again, and its decider would read it twice for nothing.
    """
    content = json.dumps(
        [
            purpose.strip(),
            business_case.strip(),
            requested_end_date.isoformat() if requested_end_date else "",
            sorted((pk, why.strip()) for pk, why in items.items()),
        ]
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _digest_of(request: AccessRequest) -> str:
    items = dict(request.items.values_list("data_item_id", "justification"))
    return content_digest(request.purpose, request.business_case, request.requested_end_date, items)


@transaction.atomic
def save_request(
    *,
    requester: User,
    asset: InformationAsset,
    purpose: str,
    business_case: str,
    requested_end_date: datetime.date,
    items: dict[DataItem, str],
    submit: bool,
    request: AccessRequest | None = None,
) -> AccessRequest:
    """Create or change a draft request; submit it if asked. Only the requester edits their draft."""
    if request is not None:
        request = AccessRequest.objects.select_for_update().get(pk=request.pk)
        if request.requester_id != requester.pk:
            raise PermissionDenied("Only the person who asked can change this request.")
        if request.state not in EDITABLE:
            raise ValidationError("Only a draft or a request returned for changes can be changed.")
    if not requester.is_active:
        raise PermissionDenied("Only active staff can ask for access.")
    chosen = _validate_request(requester, asset, items, requested_end_date) if submit else list(items)
    if submit and request is not None and request.state == R.RETURNED and request.returned_digest:
        asked = content_digest(purpose, business_case, requested_end_date, {i.pk: why for i, why in items.items()})
        if asked == request.returned_digest:
            raise ValidationError(UNCHANGED_SINCE_RETURN)
    if request is None:
        request = AccessRequest(requester=requester, asset=asset)
    request.purpose, request.business_case, request.requested_end_date = purpose, business_case, requested_end_date
    request.needs_deputy_approval = needs_deputy(asset, chosen)
    request.save()
    existing = {row.data_item_id: row for row in request.items.all()}
    for item, why in items.items():
        row = existing.pop(item.pk, None)
        if row is None:
            AccessRequestItem.objects.create(request=request, data_item=item, justification=why.strip())
        elif row.justification != why.strip():
            row.justification = why.strip()
            row.save(update_fields=["justification"])
    for row in existing.values():
        row.delete()
    if submit:
        _submit(request, requester)
    return request


def _submit(request: AccessRequest, by: User) -> None:
    resubmitted = request.state == R.RETURNED
    request.submitted_at = timezone.now()
    _move(request, R.SUBMITTED, by, "Changed and submitted again" if resubmitted else "Submitted for decision")
    for decider in _iam_deciders(request):
        notify(
            decider,
            key=f"access-submitted:{request.pk}:{decider.pk}{_round_suffix(request)}",
            subject=f"Access request to decide: {request.asset}",
            template="emails/access_submitted.txt",
            context={"request": request},
        )
    events.needs_dpia_screening.send(sender=AccessRequest, record=request)  # privacy screens it for a DPIA


def _round_suffix(request: AccessRequest) -> str:
    """Which round of decision a request is in: each return for changes starts a new one.

    Notification keys carry it, so a resubmitted request tells its deciders again
    while a retried call within one round still sends nothing twice.
    """
    returns = request.changes.filter(to_state=R.RETURNED).count()
    return f":round-{returns + 1}" if returns else ""


def _iam_deciders(request: AccessRequest) -> list[User]:
    iam = active_iam(request.asset)
    if iam is not None and iam.pk != request.requester_id:
        return [iam]
    deputy = request.asset.business_area.deputy_siro
    return [deputy] if deputy is not None and deputy.is_active and deputy.pk != request.requester_id else []


@records_reason
@transaction.atomic
def withdraw(request: AccessRequest, *, by: User, reason: str = "") -> AccessRequest:
    request = AccessRequest.objects.select_for_update().get(pk=request.pk)
    if request.requester_id != by.pk:
        raise PermissionDenied("Only the person who asked can withdraw a request.")
    if request.state not in (R.DRAFT, R.SUBMITTED, R.RETURNED):
        raise ValidationError("Only a draft, submitted or returned request can be withdrawn.")
    _move(request, R.WITHDRAWN, by, reason or "Withdrawn by the requester")
    return request


def involves_special_category(request: AccessRequest) -> bool:
    """Whether the request touches special category data: the asset holds it or an item asked for is it."""
    return (
        request.asset.special_category
        or request.items.filter(data_item__sensitivity=DataItem.Sensitivity.SPECIAL_CATEGORY).exists()
    )


def refuse_while_gated(request: AccessRequest) -> None:
    """Refuse an approval that a higher domain's check stops (a DPIA needed and not signed), naming what is missing."""
    problems = approval_gates.problems(request)
    if problems:
        raise ValidationError(problems)


def approval_errors(
    request: AccessRequest,
    granted: set[int],
    end_date: datetime.date | None,
    *,
    rows: list[AccessRequestItem] | None = None,
) -> dict[str, str]:
    """The rules an IAM's approval must meet (items asked for, an end date within what was asked).

    Checked when the decision is written and, through the decision form, with its
    own fields, so a late or too-long end date is reported on the first submit.
    """
    rows = rows if rows is not None else list(request.items.all())
    errors = {}
    if not granted:
        errors["granted_items"] = "Approve at least one item, or reject the request"
    elif not granted <= {row.data_item_id for row in rows}:
        errors["granted_items"] = "Only items that were asked for can be approved"
    end_date = end_date or request.requested_end_date
    if end_date > request.requested_end_date:
        errors["end_date"] = (
            "Access cannot run longer than was asked for: "
            f"the latest end date is {date_text(request.requested_end_date)}"
        )
    elif end_date <= today():
        errors["end_date"] = "The end date must be in the future"
    return errors


def decide_as_iam(
    request: AccessRequest,
    *,
    by: User,
    decision: str,
    reason: str,
    granted_items: list[DataItem] | None = None,
    end_date: datetime.date | None = None,
    token: str = "",
    key_assertion: str = "",
    http_request: HttpRequest | None = None,
) -> AccessRequest:
    """Approve all or some items (perhaps for less time), or reject; always with a reason.

    A decision on special category data is a high-risk step: the IAM verifies afresh
    (security key, or a new authenticator code without one) before anything is written.
    """
    if not can_decide_as_iam(by, request):
        raise PermissionDenied(IAM_DECIDES)
    if decision == AccessRequest.Decision.APPROVE:
        refuse_while_gated(request)  # nothing to verify for an approval that cannot happen
    verified = False
    if involves_special_category(request):
        verify_fresh_second_factor(by, request=http_request, token=token, key_assertion=key_assertion)
        verified = True
    return _decide_as_iam(
        request,
        by=by,
        decision=decision,
        reason=reason,
        granted_items=granted_items,
        end_date=end_date,
        verified=verified,
    )


@records_reason
@transaction.atomic
def _decide_as_iam(
    request: AccessRequest,
    *,
    by: User,
    decision: str,
    reason: str,
    granted_items: list[DataItem] | None,
    end_date: datetime.date | None,
    verified: bool,
) -> AccessRequest:
    if decision == RETURN:
        return return_for_changes(request, by=by, reason=reason)
    request = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("asset__business_area__deputy_siro")
        .get(pk=request.pk)
    )
    if not can_decide_as_iam(by, request):
        raise PermissionDenied(IAM_DECIDES)
    if not verified and involves_special_category(request):
        raise ValidationError("This request now involves special category data: verify again and resubmit.")
    if request.state != R.SUBMITTED or request.iam_decision:
        raise ValidationError("This request is not waiting for the IAM's decision.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for your decision"})
    request.iam_decided_by, request.iam_reason = by, reason.strip()
    if decision == AccessRequest.Decision.REJECT:
        request.iam_decision = decision
        request.decided_at = timezone.now()
        request.save()
        for row in request.items.all():
            row.granted = False
            row.save(update_fields=["granted"])
        _move(request, R.REJECTED, by, reason)
        _tell_requester(request)
        return request
    if decision != AccessRequest.Decision.APPROVE:
        raise ValidationError({"decision": "Choose approve or reject"})
    refuse_while_gated(request)
    rows = list(request.items.select_related("data_item"))
    granted = {item.pk for item in (granted_items if granted_items is not None else [r.data_item for r in rows])}
    errors = approval_errors(request, granted, end_date, rows=rows)
    if errors:
        raise ValidationError(errors)
    end_date = end_date or request.requested_end_date
    granted_rows = [r for r in rows if r.data_item_id in granted]
    if asks_for_personal_data(request.asset, [r.data_item for r in granted_rows]):
        clearance = personal_data_clearance(request.requester)
        if not clearance.cleared:
            raise ValidationError(f"The requester cannot be given personal data now. {clearance.reason}.")
    for row in rows:
        row.granted = row.data_item_id in granted
        row.save(update_fields=["granted"])
    request.iam_decision = decision
    request.approved_end_date = end_date
    request.needs_deputy_approval = needs_deputy(request.asset, [r.data_item for r in granted_rows])
    request.save()
    if request.needs_deputy_approval:
        StatusChange.objects.create(
            request=request,
            from_state=R.SUBMITTED,
            to_state=R.SUBMITTED,
            by=by,
            reason=f"Approved by the IAM: {reason.strip()}. Awaiting the Deputy SIRO.",
        )
        recipient = deputy_step_person(request)
        if recipient is not None:
            notify(
                recipient,
                key=f"access-deputy:{request.pk}{_round_suffix(request)}",
                subject=f"Access request needs your approval: {request.asset}",
                template="emails/access_submitted.txt",
                context={"request": request, "deputy": True},
            )
        return request
    _approve(request, by=by, reason=reason)
    return request


@records_reason
@transaction.atomic
def decide_as_deputy(request: AccessRequest, *, by: User, decision: str, reason: str) -> AccessRequest:
    if decision == RETURN:
        return return_for_changes(request, by=by, reason=reason)
    request = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("asset__business_area__deputy_siro")
        .get(pk=request.pk)
    )
    if not can_decide_as_deputy(by, request):
        raise PermissionDenied(
            "A second person approves this: the Deputy SIRO of the asset's area, or the SIRO standing in, "
            "never the requester or whoever took the IAM's decision."
        )
    if (
        request.state != R.SUBMITTED
        or request.iam_decision != AccessRequest.Decision.APPROVE
        or request.deputy_decision
    ):
        raise ValidationError("This request is not waiting for the Deputy SIRO.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for your decision"})
    if decision not in AccessRequest.Decision.values:
        raise ValidationError({"decision": "Choose approve or reject"})
    if decision == AccessRequest.Decision.APPROVE:
        refuse_while_gated(request)
    request.deputy_decision, request.deputy_decided_by, request.deputy_reason = decision, by, reason.strip()
    if decision == AccessRequest.Decision.REJECT:
        request.decided_at = timezone.now()
        request.save()
        _move(request, R.REJECTED, by, reason)
        _tell_requester(request)
        return request
    request.save()
    _approve(request, by=by, reason=reason)
    return request


@records_reason
@transaction.atomic
def return_for_changes(request: AccessRequest, *, by: User, reason: str) -> AccessRequest:
    """Send a submitted request back to its requester, with what to change.

    Any IAM approval recorded so far is cleared: the request will be changed, so it
    is decided afresh from the start once it is submitted again.
    """
    request = (
        AccessRequest.objects.select_for_update(of=("self",))
        .select_related("asset__business_area__deputy_siro", "asset__manager")
        .get(pk=request.pk)
    )
    if not can_return(by, request):
        if request.state != R.SUBMITTED:
            raise ValidationError("Only a request waiting for a decision can be returned for changes.")
        raise PermissionDenied("Only the person deciding this request at its current step can return it.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter what the requester needs to change"})
    request.iam_decision, request.iam_decided_by, request.iam_reason = "", None, ""
    request.deputy_decision, request.deputy_decided_by, request.deputy_reason = "", None, ""
    request.approved_end_date = None
    for row in request.items.all():
        if row.granted is not None:
            row.granted = None
            row.save(update_fields=["granted"])
    request.returned_digest = _digest_of(request)  # written with the move, which saves the whole request
    _move(request, R.RETURNED, by, reason.strip())
    notify(
        request.requester,
        key=f"access-returned:{request.pk}{_round_suffix(request)}",
        subject=f"Your access request for {request.asset} needs changes",
        template="emails/access_returned.txt",
        context={"request": request, "reason": reason.strip()},
    )
    return request


def _approve(request: AccessRequest, *, by: User, reason: str) -> AccessGrant:
    request.decided_at = timezone.now()
    request.save()
    _move(request, R.APPROVED, by, reason)
    items = [row.data_item for row in request.items.filter(granted=True).select_related("data_item")]
    grant = AccessGrant.objects.create(
        request=request,
        holder=request.requester,
        asset=request.asset,
        starts_on=today(),
        ends_on=cast(datetime.date, request.approved_end_date),  # both set when the IAM approved
        decided_by=cast(User, request.iam_decided_by),
        needs_clearance=asks_for_personal_data(request.asset, items),
    )
    grant.items.add(*items)
    StatusChange.objects.create(grant=grant, to_state=G.ACTIVE, by=by, reason="Granted on approval of the request")
    _grant_permission(grant.holder, grant.asset)
    _tell_requester(request)
    return grant


def _tell_requester(request: AccessRequest) -> None:
    notify(
        request.requester,
        key=f"access-decided:{request.pk}",
        subject=f"Your access request for {request.asset} was {request.get_state_display().lower()}",
        template="emails/access_decided.txt",
        context={"request": request},
    )
