"""Grants and their suspensions: revoked, suspended and restored, each with its permission and history.

A grant carries the guardian permission ``access_informationasset`` for exactly as long as it
is active; every move appends a status history row.
"""

from __future__ import annotations

import datetime
import functools

from auditlog.context import disable_auditlog
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import dateformat, timezone
from guardian.shortcuts import assign_perm, remove_perm

from governance.access.models import GRANT_TRANSITIONS, AccessGrant, IllegalTransition, StatusChange
from governance.access.policy import (
    ACCESS_PERM,
    can_act_for_incident,
    can_restore_after_incident,
    can_revoke,
)
from governance.access.status import _move, today
from governance.core import events
from governance.core.audit import system_user
from governance.core.audit_bulk import AuditBatch, snapshot
from governance.core.audit_hashing import reason as audit_reason
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import forget_permissions, refuse_unless
from governance.core.policy import has_left
from governance.register.models import InformationAsset, InformationAssetUserObjectPermission
from governance.training.courses import personal_data_clearance

G = AccessGrant.State


def _grant_permission(holder: User, asset: InformationAsset) -> None:
    assign_perm(ACCESS_PERM, holder, asset)
    forget_permissions(holder)


def _release_permission(holder: User, asset: InformationAsset) -> None:
    """Remove the permission unless another active grant still covers the asset."""
    still = AccessGrant.objects.filter(holder=holder, asset=asset, state=G.ACTIVE).exists()
    if not still:
        remove_perm(ACCESS_PERM, holder, asset)
        forget_permissions(holder)


@records_reason
@transaction.atomic
def revoke(grant: AccessGrant, *, by: User, reason: str) -> AccessGrant:
    grant = (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("asset__business_area", "holder")
        .get(pk=grant.pk)
    )
    if not can_revoke(by, grant):
        raise PermissionDenied("Only the asset's IAM, its Deputy SIRO or an administrator can revoke access.")
    if grant.state not in (G.ACTIVE, G.SUSPENDED):
        raise ValidationError("Only active or suspended access can be revoked.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for revoking access"})
    _end(grant, G.REVOKED, by, reason.strip())
    notify(
        grant.holder,
        key=f"access-revoked:{grant.pk}",
        subject=f"Your access to {grant.asset} has been revoked",
        template="emails/access_revoked.txt",
        context={"grant": grant, "reason": reason.strip()},
    )
    return grant


def shorten_errors(grant: AccessGrant, ends_on: datetime.date | None) -> str:
    """Why ``ends_on`` cannot be the grant's new end date, or "" when it can."""
    if ends_on is None:
        return "Enter the new end date"
    if ends_on <= today():
        return "The new end date must be in the future"
    if ends_on >= grant.ends_on:
        return f"The new end date must be before the current one ({dateformat.format(grant.ends_on, 'j F Y')})"
    return ""


@records_reason
def _shorten(grant: AccessGrant, ends_on: datetime.date, *, by: User, reason: str) -> None:
    """Bring a live grant's end date forward, for this domain's services that checked their own rule.

    The state does not change: the history row records the move from one end date to the other,
    and the holder is told. The nightly lifecycle ends the grant on its new date as on any other.
    """
    error = shorten_errors(grant, ends_on)
    if error:
        raise ValidationError({"ends_on": error})
    before = grant.ends_on
    why = f"{reason}; now ends on {dateformat.format(ends_on, 'j F Y')} instead of {dateformat.format(before, 'j F Y')}"
    grant.ends_on = ends_on
    with audit_reason(why):
        grant.save(update_fields=["ends_on"])
    StatusChange.objects.create(grant=grant, from_state=grant.state, to_state=grant.state, by=by, reason=why)
    notify(
        grant.holder,
        key=f"access-shortened:{grant.pk}:{ends_on.isoformat()}",
        subject=f"Your access to {grant.asset} now ends on {dateformat.format(ends_on, 'j F Y')}",
        template="emails/access_shortened.txt",
        context={"grant": grant, "before": before, "reason": reason},
    )


def _end(grant: AccessGrant, state: str, by: User, reason: str) -> None:
    grant.suspension = ""
    grant.ended_at, grant.ended_by, grant.end_reason = timezone.now(), by, reason
    _move(grant, state, by, reason, fields=("suspension", "ended_at", "ended_by", "end_reason"))
    _release_permission(grant.holder, grant.asset)


@records_reason
def _suspend(grant: AccessGrant, suspension: str, *, by: User, reason: str) -> None:
    """The move itself, for this domain's services that checked their own rule (incident, leaver,
    training lapsed, access review missed); nothing outside ``governance.access`` calls it."""
    if grant.state != G.ACTIVE:
        return
    grant.suspension = suspension
    _move(grant, G.SUSPENDED, by, reason, fields=("suspension",))
    _release_permission(grant.holder, grant.asset)


@records_reason
def _restore(grant: AccessGrant, *, by: User, reason: str) -> None:
    """The move back to active, for this domain's services that checked their own rule."""
    if grant.state != G.SUSPENDED or grant.ends_on <= today():
        return
    grant.suspension = ""
    _move(grant, G.ACTIVE, by, reason, fields=("suspension",))
    _grant_permission(grant.holder, grant.asset)


def _locked_for_incident(grant: AccessGrant, by: User, doing: str) -> AccessGrant:
    """The grant, locked, once ``by`` is shown to be one of those who act on incidents (never its holder)."""
    grant = (
        AccessGrant.objects.select_for_update(of=("self",))
        .select_related("asset__business_area", "holder")
        .get(pk=grant.pk)
    )
    if grant.holder_id == by.pk or not can_act_for_incident(by, grant.asset):
        raise PermissionDenied(
            "Only the asset's IAM, its Deputy SIRO, the SIRO, an incident handler or an administrator "
            f"can {doing}, never the holder."
        )
    return grant


@records_reason
@transaction.atomic
def suspend_for_incident(grant: AccessGrant, *, by: User, reason: str) -> AccessGrant:
    """Suspend an active grant while an incident is handled; its permission goes at once.

    ``reason`` names the incident, so the audit trail and the grant's status history say why.
    The holder is told; revoking it (or letting it expire) stays with the usual services.
    """
    grant = _locked_for_incident(grant, by, "suspend access for an incident")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for suspending access"})
    if grant.state != G.ACTIVE:
        raise ValidationError("Only active access can be suspended.")
    _suspend(grant, AccessGrant.Suspension.INCIDENT, by=by, reason=reason.strip())
    notify(
        grant.holder,
        key=f"access-suspended-incident:{grant.pk}:{grant.changes.count()}",
        subject=f"Your access to {grant.asset} has been suspended",
        template="emails/access_suspended.txt",
        context={"grant": grant, "reason": reason.strip()},
    )
    return grant


@records_reason
@transaction.atomic
def restore_after_incident(grant: AccessGrant, *, by: User, reason: str) -> AccessGrant:
    """Lift a suspension made for an incident once it is contained; the holder is told.

    If the holder's data-protection training lapsed meanwhile, the grant stays suspended,
    now for training, and the nightly training sync restores it once the training is current.
    """
    grant = _locked_for_incident(grant, by, "restore access suspended for an incident")
    if not can_restore_after_incident(by, grant):
        raise ValidationError("Only access suspended for an incident, and still within its dates, can be restored.")
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for restoring access"})
    if not grant.holder.is_active:
        raise ValidationError(f"{grant.holder.display_name} has left the department: their access cannot be restored.")
    reason = reason.strip()
    if grant.needs_clearance and not personal_data_clearance(grant.holder, today()).cleared:
        why = f"{reason}; still suspended: data-protection training is not current"
        grant.suspension = AccessGrant.Suspension.TRAINING
        with audit_reason(why):
            grant.save(update_fields=["suspension"])
        StatusChange.objects.create(grant=grant, from_state=G.SUSPENDED, to_state=G.SUSPENDED, by=by, reason=why)
        restored = False
    else:
        _restore(grant, by=by, reason=reason)
        restored = True
    events.incident_suspension_lifted.send(sender=AccessGrant, grant=grant, by=by, reason=reason, restored=restored)
    notify(
        grant.holder,
        key=f"access-restored-incident:{grant.pk}:{grant.changes.count()}",
        subject=f"Your access to {grant.asset} has been restored"
        if restored
        else f"Your access to {grant.asset} waits for your data-protection training",
        template="emails/access_restored.txt",
        context={"grant": grant, "reason": reason, "restored": restored},
    )
    return grant


@transaction.atomic
def suspend_for_leaver(user: User) -> int:
    """A leaver keeps no rights: all their live grants are suspended (called when they leave)."""
    refuse_unless(has_left(user), f"{user.display_name} has not left: their access is not suspended as a leaver's.")
    system = system_user()
    grants = list(AccessGrant.objects.select_for_update().filter(holder=user, state=G.ACTIVE))
    for grant in grants:
        _suspend(grant, AccessGrant.Suspension.LEAVER, by=system, reason="The holder has left the department")
    return len(grants)


# --- many grants at once (an IAM's bulk decisions in an access review) -------------------
#
# The same moves as above, for grants this domain's services have locked and checked: each
# grant still gets its own status history row and its own audit entries (the update of the
# grant, the history row, each permission row removed or added), written together with
# ``AuditBatch`` instead of one save at a time. The caller tells the holders.


def _move_many(
    grants: list[AccessGrant], to_state: str, by: User, reasons: dict[int, str], audit: AuditBatch, **values
) -> None:
    """Move every grant to ``to_state`` with the same ``values`` in one UPDATE, each with its history row."""
    if not grants:
        return
    fields = ["state", *values]
    for grant in grants:
        allowed: set[str] = set(GRANT_TRANSITIONS.get(G(grant.state), set()))
        if grant.state != to_state and to_state not in allowed:
            raise IllegalTransition(f"A {AccessGrant._meta.verbose_name} cannot go from {grant.state} to {to_state}.")
    changes = []
    for grant in grants:
        old = snapshot(grant)
        grant.state = to_state
        for name, value in values.items():
            setattr(grant, name, value)
        audit.updated(old, grant, fields, reason=reasons[grant.pk])
        changes.append(
            StatusChange(grant=grant, from_state=old.state, to_state=to_state, by=by, reason=reasons[grant.pk])
        )
    AccessGrant.objects.filter(pk__in=[g.pk for g in grants]).update(state=to_state, **values)
    _history_many(changes, audit)


def _history_many(changes: list[StatusChange], audit: AuditBatch, reason: str | None = None) -> None:
    """The history rows, each with its audit entry (under ``reason``, else its own)."""
    for change in StatusChange.objects.bulk_create(changes):
        audit.created(change, reason=change.reason if reason is None else reason)


def _revoke_many(grants: list[AccessGrant], *, by: User, reason: str, audit: AuditBatch) -> None:
    """Revoke live grants the caller locked and checked (``can_revoke``, active or suspended)."""
    for grant in grants:
        if not can_revoke(by, grant):
            raise PermissionDenied("Only the asset's IAM, its Deputy SIRO or an administrator can revoke access.")
        if grant.state not in (G.ACTIVE, G.SUSPENDED):
            raise ValidationError("Only active or suspended access can be revoked.")
    reasons = {g.pk: reason for g in grants}
    _move_many(
        grants, G.REVOKED, by, reasons, audit, suspension="", ended_at=timezone.now(), ended_by=by, end_reason=reason
    )
    _release_permissions(grants, audit=audit, reasons=reasons)


def _shorten_many(
    grants: list[AccessGrant], ends_on: datetime.date, *, by: User, reason: str, audit: AuditBatch
) -> dict[int, datetime.date]:
    """Bring live grants' end dates forward to ``ends_on``; returns each grant's end date before."""
    before: dict[int, datetime.date] = {}
    reasons: dict[int, str] = {}
    written = functools.lru_cache(maxsize=None)(lambda day: dateformat.format(day, "j F Y"))  # few dates, many grants
    changes = []
    for grant in grants:
        error = shorten_errors(grant, ends_on)
        if error:
            raise ValidationError({"ends_on": error})
        before[grant.pk] = grant.ends_on
        why = f"{reason}; now ends on {written(ends_on)} instead of {written(grant.ends_on)}"
        reasons[grant.pk] = why
        old = snapshot(grant)
        grant.ends_on = ends_on
        audit.updated(old, grant, ["ends_on"], reason=why)
        changes.append(StatusChange(grant=grant, from_state=grant.state, to_state=grant.state, by=by, reason=why))
    if grants:
        AccessGrant.objects.filter(pk__in=[g.pk for g in grants]).update(ends_on=ends_on)
        _history_many(changes, audit, reason)  # as ``_shorten`` writes its history row, under its reason
    return before


def _restore_many(grants: list[AccessGrant], *, by: User, reason: str, audit: AuditBatch) -> list[AccessGrant]:
    """``_restore`` for each grant: the suspended ones still within their dates go back to active."""
    back = [g for g in grants if g.state == G.SUSPENDED and g.ends_on > today()]
    _move_many(back, G.ACTIVE, by, {g.pk: reason for g in back}, audit, suspension="")
    _grant_permissions(back, audit=audit, reason=reason)
    return back


def _release_permissions(grants: list[AccessGrant], *, audit: AuditBatch, reasons: dict[int, str]) -> None:
    """``_release_permission`` for each grant's holder and asset: removed unless another active
    grant still covers them. One query for the grants still active, one for the rows, one delete."""
    pairs = {(g.holder_id, g.asset_id): g for g in grants}
    if not pairs:
        return
    holders = {h for h, _ in pairs}
    assets = {a for _, a in pairs}
    covered = set(
        AccessGrant.objects.filter(state=G.ACTIVE, holder_id__in=holders, asset_id__in=assets).values_list(
            "holder_id", "asset_id"
        )
    )
    rows = [
        row
        for row in InformationAssetUserObjectPermission.objects.filter(
            permission__codename=ACCESS_PERM,
            permission__content_type=ContentType.objects.get_for_model(InformationAsset),
            user_id__in=holders,
            content_object_id__in=assets,
        ).select_related("content_object", "permission__content_type", "user")
        if (row.user_id, row.content_object_id) in pairs and (row.user_id, row.content_object_id) not in covered
    ]
    for row in rows:
        audit.deleted(row, reason=reasons[pairs[(row.user_id, row.content_object_id)].pk])
    if rows:
        with disable_auditlog():  # recorded above, one entry per row, as a delete one at a time is
            InformationAssetUserObjectPermission.objects.filter(pk__in=[r.pk for r in rows]).delete()
    forget_permissions(*{g.holder for g in grants})


def _grant_permissions(grants: list[AccessGrant], *, audit: AuditBatch, reason: str) -> None:
    """``_grant_permission`` for each grant's holder and asset: the rows missing are added."""
    if not grants:
        return
    permission = Permission.objects.get(
        codename=ACCESS_PERM, content_type=ContentType.objects.get_for_model(InformationAsset)
    )
    wanted = {(g.holder_id, g.asset_id): g for g in grants}
    have = set(
        InformationAssetUserObjectPermission.objects.filter(
            permission=permission,
            user_id__in={h for h, _ in wanted},
            content_object_id__in={a for _, a in wanted},
        ).values_list("user_id", "content_object_id")
    )
    rows = [
        InformationAssetUserObjectPermission(user=g.holder, permission=permission, content_object=g.asset)
        for pair, g in wanted.items()
        if pair not in have
    ]
    for row in InformationAssetUserObjectPermission.objects.bulk_create(rows):
        audit.created(row, reason=reason)
    forget_permissions(*{g.holder for g in grants})
