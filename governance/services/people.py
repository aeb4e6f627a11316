"""Joiners, movers and leavers."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.models import BusinessAreaUserObjectPermission, User

from .permissions import require


def find_active_person(text: str) -> User | None:
    """The active member of staff with this username or staff number (any case), or None."""
    text = (text or "").strip()
    if not text:
        return None
    return (
        User.objects.filter(Q(username__iexact=text) | Q(staff_number__iexact=text), is_active=True, is_system=False)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def mark_leaver(user: User, leaving_date: datetime.date | None = None, *, by: User) -> User:
    """Record that ``user`` leaves on ``leaving_date`` (today by default).

    From that date the account keeps no rights: it is deactivated, removed from
    every group and stripped of every object permission. A future date is
    acted on by the daily ``deactivate_leavers`` task.
    """
    require(by, "governance.change_user", message="Only administrators record leavers.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.leaver_date = leaving_date or timezone.localdate()
    user.save(update_fields=["leaver_date"])
    if user.leaver_date <= timezone.localdate():
        _remove_all_rights(user)
    return user


def _remove_all_rights(user: User) -> None:
    """Deactivate, leave every group, give up every appointment and object permission.

    Row by row, so that every removal leaves an audit entry. Assets the person
    managed lose their IAM and are flagged "IAM needed"; areas they oversaw
    show a vacant Deputy SIRO post.
    """
    from governance.services.assets import release_assets_of
    from governance.services.audit import system_user
    from governance.services.contracts import release_contracts_of
    from governance.services.organisation import set_deputy_siro

    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    groups = list(user.groups.all())
    if groups:
        user.groups.remove(*groups)  # names the groups removed; never clear()
    for area in list(user.deputy_siro_of.all()):
        set_deputy_siro(area, None, by=system_user())
    release_assets_of(user)
    release_contracts_of(user)  # research contracts: their rows go; the contracts show a manager is needed
    for perm in BusinessAreaUserObjectPermission.objects.filter(user=user):
        perm.delete()


def deactivate_due_leavers(today: datetime.date | None = None) -> int:
    """Remove the rights of everyone whose leaving date has arrived. Safe to run repeatedly."""
    today = today or timezone.localdate()
    count = 0
    for user in User.objects.filter(leaver_date__lte=today, is_active=True):
        with transaction.atomic():
            _remove_all_rights(User.objects.select_for_update().get(pk=user.pk))
        count += 1
    return count
