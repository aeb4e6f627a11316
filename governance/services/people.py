"""Joiners, movers and leavers."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from governance.models import BusinessAreaUserObjectPermission, User

from .permissions import require


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
    # Row-by-row so that every removal leaves an audit entry.
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    groups = list(user.groups.all())
    if groups:
        user.groups.remove(*groups)  # names the groups removed; never clear()
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
