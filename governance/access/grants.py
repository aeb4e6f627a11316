"""Grants and their suspensions: revoked, suspended and restored, each with its permission and history.

A grant carries the guardian permission ``access_informationasset`` for exactly as long as it
is active; every move appends a status history row.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import dateformat, timezone
from guardian.shortcuts import assign_perm, remove_perm

from governance.access.models import AccessGrant, StatusChange
from governance.access.policy import (
    ACCESS_PERM,
    can_act_for_incident,
    can_restore_after_incident,
    can_revoke,
)
from governance.access.status import _move, today
from governance.core import events
from governance.core.audit import system_user
from governance.core.audit_hashing import reason as audit_reason
from governance.core.audit_hashing import records_reason
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import forget_permissions, refuse_unless
from governance.core.policy import has_left
from governance.register.models import InformationAsset
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
