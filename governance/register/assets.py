"""The information asset register's rules: who may change what, and how IAM rights move.

Rights on one asset are guardian object permissions held by its IAM
(``change_informationasset``); the Deputy SIRO's rights come from their area's
``oversee_businessarea`` permission; administrators hold the model permission.
Every function here checks the caller, validates, writes in one transaction,
and leaves the audit trail to record it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import forget_permissions, refuse_unless
from governance.register.models import AssetReview, DataItem, InformationAsset, InformationAssetUserObjectPermission
from governance.register.policy import (
    EDIT_PERM,
    can_create_in,
    can_delete_asset,
    can_edit,
    can_reassign,
)

ASSET_FIELDS = (
    "name",
    "description",
    "business_area",
    "technical_contact",
    "classification",
    "contains_personal_data",
    "special_category",
    "identifiability",
    "extract_type",
    "lawful_basis",
    "storage_location",
    "retention_rule",
    "next_review_date",
)


# --- writes ------------------------------------------------------------------------


def _check_manager(manager: User | None) -> None:
    if manager is not None and (not manager.is_active or manager.is_system):
        raise ValidationError({"manager": f"{manager} is not an active member of staff."})


@transaction.atomic
def create_asset(*, manager: User | None, by: User, **fields) -> InformationAsset:
    """Register an asset and give its IAM the asset's rights."""
    area = fields["business_area"]
    refuse_unless(
        can_create_in(by, area), f"Only administrators and the Deputy SIRO of {area} can register assets there."
    )
    _check_manager(manager)
    asset = InformationAsset(manager=manager, **fields)
    asset.full_clean()
    asset.save()
    if manager is not None:
        assign_perm(EDIT_PERM, manager, asset)
        forget_permissions(manager)
    return asset


@transaction.atomic
def update_asset(asset: InformationAsset, *, by: User, **fields) -> InformationAsset:
    """Change an asset's record (not its IAM: see ``reassign_iam``)."""
    asset = InformationAsset.objects.select_for_update().get(pk=asset.pk)
    refuse_unless(can_edit(by, asset), "Only the asset's IAM, its Deputy SIRO or an administrator can change it.")
    new_area = fields.get("business_area", asset.business_area)
    if new_area != asset.business_area:
        refuse_unless(
            can_create_in(by, new_area),
            f"Moving the asset to {new_area} needs that area's Deputy SIRO or an administrator.",
        )
    changed = [name for name, value in fields.items() if getattr(asset, name) != value]
    for name in changed:
        setattr(asset, name, fields[name])
    if changed:
        asset.full_clean()
        asset.save(update_fields=[*changed, "updated_at"])
    return asset


@transaction.atomic
def reassign_iam(asset: InformationAsset, new_manager: User | None, *, by: User) -> InformationAsset:
    """Nominate a new IAM: rights move in the same transaction; both people are told."""
    asset = InformationAsset.objects.select_for_update(of=("self",)).select_related("manager").get(pk=asset.pk)
    refuse_unless(
        can_reassign(by, asset), "Only the Deputy SIRO of the asset's area or an administrator can reassign it."
    )
    _check_manager(new_manager)
    previous = asset.manager
    if previous == new_manager:
        return asset
    if previous is not None:
        remove_perm(EDIT_PERM, previous, asset)
    asset.manager = new_manager
    asset.save(update_fields=["manager", "updated_at"])
    if new_manager is not None:
        assign_perm(EDIT_PERM, new_manager, asset)
    forget_permissions(previous, new_manager)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    context = {"asset": asset, "previous": previous, "new_manager": new_manager, "by": by}
    if new_manager is not None:
        notify(
            new_manager,
            key=f"asset-iam-assigned:{asset.pk}:{new_manager.pk}:{stamp}",
            subject=f"You are now the Information Asset Manager for {asset.name}",
            template="emails/asset_iam_assigned.txt",
            context=context,
        )
    if previous is not None:
        notify(
            previous,
            key=f"asset-iam-removed:{asset.pk}:{previous.pk}:{stamp}",
            subject=f"You are no longer the Information Asset Manager for {asset.name}",
            template="emails/asset_iam_removed.txt",
            context=context,
        )
    return asset


def release_assets_of(user: User) -> list[InformationAsset]:
    """A leaver keeps no rights: their assets lose their IAM and show 'IAM needed'.

    Called inside ``people.mark_leaver``'s transaction.
    """
    released = []
    for asset in InformationAsset.objects.select_for_update().filter(manager=user):
        asset.manager = None
        asset.save(update_fields=["manager", "updated_at"])
        released.append(asset)
    for row in InformationAssetUserObjectPermission.objects.filter(user=user):
        row.delete()
    return released


def default_next_review(from_date: datetime.date | None = None) -> datetime.date:
    return (from_date or timezone.localdate()) + relativedelta(months=settings.ASSET_REVIEW_MONTHS)


@transaction.atomic
def record_review(
    asset: InformationAsset, *, by: User, notes: str = "", next_review_date: datetime.date | None = None
) -> AssetReview:
    """The IAM (or Deputy SIRO, or an administrator) confirms the record is still accurate."""
    asset = InformationAsset.objects.select_for_update().get(pk=asset.pk)
    refuse_unless(can_edit(by, asset), "Only the asset's IAM, its Deputy SIRO or an administrator can review it.")
    today = timezone.localdate()
    next_date = next_review_date or default_next_review(today)
    if next_date <= today:
        raise ValidationError({"next_review_date": "The next review must be after today."})
    review = AssetReview.objects.create(
        asset=asset, reviewed_by=by, reviewed_on=today, notes=notes, next_review_date=next_date
    )
    asset.last_reviewed_on = today
    asset.next_review_date = next_date
    asset.save(update_fields=["last_reviewed_on", "next_review_date", "updated_at"])
    return review


@transaction.atomic
def save_data_item(
    asset: InformationAsset, *, by: User, item: DataItem | None = None, name: str, description: str, sensitivity: str
) -> DataItem:
    """Add a data item to the asset's dictionary, or change one."""
    refuse_unless(
        can_edit(by, asset), "Only the asset's IAM, its Deputy SIRO or an administrator can change its items."
    )
    if item is None:
        item = DataItem(asset=asset)
    elif item.asset_id != asset.pk:
        raise PermissionDenied("That data item belongs to another asset.")
    item.name, item.description, item.sensitivity = name, description, sensitivity
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def delete_data_item(item: DataItem, *, by: User) -> None:
    """Remove an item from the data dictionary, unless an access request or contract names it (evidence stays)."""
    refuse_unless(
        can_edit(by, item.asset), "Only the asset's IAM, its Deputy SIRO or an administrator can remove items."
    )
    try:
        with transaction.atomic():
            item.delete()
    except ProtectedError as exc:
        raise ValidationError(
            f"{item.name} cannot be removed: access requests, grants or contracts name it, and their record must stay."
        ) from exc


# --- reminders ---------------------------------------------------------------------


@dataclass
class ReminderRun:
    due_soon: int = 0
    overdue_escalated: int = 0


def send_review_reminders(today: datetime.date | None = None) -> ReminderRun:
    """Email IAMs whose reviews fall due, once per due date; escalate overdue reviews to the Deputy SIRO.

    Idempotent: each message's key names the asset and the due date, so a
    second run, a retry or an overlapping run sends nothing more.
    """
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.ASSET_REVIEW_DUE_SOON_DAYS)
    run = ReminderRun()
    due = (
        InformationAsset.objects.filter(next_review_date__lte=horizon, manager__isnull=False, manager__is_active=True)
        .select_related("manager", "business_area")
        .order_by("pk")
    )
    for asset in due.iterator(chunk_size=500):
        sent = notify(
            cast(User, asset.manager),  # the query keeps assets with an active IAM
            key=f"asset-review-due:{asset.pk}:{asset.next_review_date.isoformat()}",
            subject=f"Review due: {asset.name}",
            template="emails/asset_review_due.txt",
            context={"asset": asset, "overdue": asset.next_review_date < today},
        )
        run.due_soon += sent is not None
    overdue = (
        InformationAsset.objects.filter(next_review_date__lt=today, business_area__deputy_siro__is_active=True)
        .select_related("manager", "business_area__deputy_siro")
        .order_by("pk")
    )
    for asset in overdue.iterator(chunk_size=500):
        sent = notify(
            cast(User, asset.business_area.deputy_siro),  # the query keeps areas with an active Deputy SIRO
            key=f"asset-review-overdue:{asset.pk}:{asset.next_review_date.isoformat()}",
            subject=f"Overdue asset review in {asset.business_area}: {asset.name}",
            template="emails/asset_review_overdue.txt",
            context={"asset": asset, "days_overdue": (today - asset.next_review_date).days},
        )
        run.overdue_escalated += sent is not None
    return run


@transaction.atomic
def delete_asset(asset: InformationAsset, *, by: User) -> None:
    """Remove an asset from the register (administrators only); its items and rights go with it."""
    refuse_unless(can_delete_asset(by, asset), "Only administrators delete assets.")
    for item in asset.items.all():
        item.delete()
    for row in InformationAssetUserObjectPermission.objects.filter(content_object=asset):
        row.delete()
    asset.delete()
