"""Joiners, movers and leavers."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from governance.core import events
from governance.core.audit import system_user
from governance.core.models import (
    BusinessArea,
    BusinessAreaUserObjectPermission,
    Notification,
    ProvisionedGroup,
    User,
)
from governance.core.permissions import forget_permissions, is_system, refuse_unless
from governance.core.roles import GLOBAL_GROUPS
from governance.register import policy
from governance.register.assets import release_assets_of
from governance.register.models import InformationAsset
from governance.register.organisation import set_deputy_siro, vacate_office

logger = logging.getLogger(__name__)


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
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators record leavers.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.leaver_date = leaving_date or timezone.localdate()
    user.save(update_fields=["leaver_date"])
    if user.leaver_date <= timezone.localdate():
        _remove_all_rights(user)
    return user


def _remove_all_rights(user: User) -> None:
    """Deactivate, leave every group, give up every appointment (offices too) and object permission.

    Row by row, so that every removal leaves an audit entry. Assets the person
    managed lose their IAM and are flagged "IAM needed"; areas they oversaw
    show a vacant Deputy SIRO post.
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    groups = list(user.groups.all())
    if groups:
        user.groups.remove(*groups)  # names the groups removed; never clear()
    for area in list(user.deputy_siro_of.all()):
        set_deputy_siro(area, None, by=system_user())
    for held in list(user.offices.all()):  # a leaving SIRO leaves the office vacant, never held by nobody active
        vacate_office(held.office, by=system_user())
    release_assets_of(user)
    # Access grants are suspended and research contracts lose their manager (governance.receivers).
    events.person_left.send(sender=User, person=user)
    for perm in BusinessAreaUserObjectPermission.objects.filter(user=user):
        perm.delete()


_UNCHANGED = object()
UNCHANGED = _UNCHANGED  # "leave as it is", for callers outside this module


@transaction.atomic
def update_person(
    user: User,
    *,
    by: User,
    is_active: bool | None = None,
    business_area: BusinessArea | object | None = _UNCHANGED,
    groups: Iterable[Group] | None = None,
) -> User:
    """Change who someone is: active or not, their business area, their groups.

    The one path for these fields, from the admin as from any other page, so that
    they have the same effects everywhere: deactivating someone removes every right
    they hold (grants suspended, IAM and contract-manager permissions given up, as for
    a leaver); reactivating clears the leaving date and restores none of them; group changes add and remove the
    named groups only (so the audit trail names exactly what changed).
    """
    refuse_unless(
        is_system(by) or policy.can_change_people(by), "Only administrators change people's roles and status."
    )
    user = User.objects.select_for_update().get(pk=user.pk)
    if isinstance(business_area, BusinessArea | None) and business_area != user.business_area:
        user.business_area = business_area
        user.save(update_fields=["business_area"])
    if groups is not None:
        _set_groups(user, groups)
    if is_active is False and user.is_active:
        _remove_all_rights(user)
    elif is_active is True and not user.is_active:
        # Reactivation (a leaver recorded by mistake) clears the leaving date, or the nightly
        # leavers job would deactivate them again. Someone the identity provider had deleted is
        # back in the portal, so SCIM finds them again (and the provider can manage them).
        user.is_active, user.leaver_date = True, None
        reactivated = ["is_active", "leaver_date"]
        if user.scim_deleted_at is not None:
            user.scim_deleted_at = None
            reactivated.append("scim_deleted_at")
        user.save(update_fields=reactivated)
    forget_permissions(user)
    return user


def _set_groups(user: User, groups: Iterable[Group]) -> None:
    """Make ``user``'s groups exactly ``groups``, removing and adding only the difference."""
    wanted = {group.pk: group for group in groups}
    held = {group.pk: group for group in user.groups.all()}
    gone = [group for pk, group in held.items() if pk not in wanted]
    new = [group for pk, group in wanted.items() if pk not in held]
    if gone:
        user.groups.remove(*gone)  # never clear(): it logs every group in the table
    if new:
        user.groups.add(*new)
    forget_permissions(user)


def deactivate_due_leavers(today: datetime.date | None = None) -> int:
    """Remove the rights of everyone whose leaving date has arrived. Safe to run repeatedly.

    Each person is locked and read again first: someone reactivated, or given a later leaving
    date, while the job runs is left alone. One person's failure is logged and the others go on.
    """
    today = today or timezone.localdate()
    count = 0
    due = User.objects.filter(leaver_date__lte=today, is_active=True).order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                user = User.objects.select_for_update().filter(pk=pk).first()
                if user is None or not user.is_active or user.leaver_date is None or user.leaver_date > today:
                    continue
                _remove_all_rights(user)
        except Exception:
            logger.exception("Removing the rights of leaver %s failed; the other leavers go on", pk)
            continue
        count += 1
    return count


def _username_for(email: str) -> str:
    base = email.split("@", 1)[0].lower()[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def upsert_staff(
    *,
    staff_number: str,
    first_name: str,
    last_name: str,
    email: str,
    business_area,
    is_data_handler: bool,
    leaver_date: datetime.date | None,
    by: User,
) -> tuple[User, bool]:
    """Create a joiner or update a mover from the HR extract; record a leaver. Returns (user, created)."""
    refuse_unless(is_system(by) or policy.can_import_staff(by), "Only administrators load the HR extract.")
    found = User.objects.select_for_update().filter(staff_number__iexact=staff_number).first()
    created = found is None
    user = found if found is not None else User(username=_username_for(email), staff_number=staff_number)
    if created:
        user.set_unusable_password()  # an administrator issues the first password
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email.lower(),
        "business_area": business_area,
        "is_data_handler": is_data_handler,
    }
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if created:
        user.full_clean(exclude=["password"])
        user.save()
    elif changed:
        user.full_clean(exclude=["password"])
        user.save(update_fields=changed)
    if leaver_date and user.leaver_date != leaver_date:
        mark_leaver(user, leaver_date, by=by)
    return user, created


@transaction.atomic
def set_line_manager(staff_number: str, manager_staff_number: str | None, *, by: User) -> None:
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators change line managers.")
    user = User.objects.select_for_update().get(staff_number__iexact=staff_number)
    manager = User.objects.get(staff_number__iexact=manager_staff_number) if manager_staff_number else None
    if user.line_manager_id != (manager.pk if manager else None):
        user.line_manager = manager
        user.save(update_fields=["line_manager"])


@transaction.atomic
def delete_person(user: User, *, by: User) -> None:
    """Delete an account that holds no evidence, clearing every reference to it first.

    References that may be emptied (line manager, technical contact, a notification's
    recipient) are cleared row by row, so that each change leaves an audit entry; the
    database refuses the delete if any evidence (sign-in history, accesses, decisions) names
    the person, and then they should be marked as a leaver instead.
    """
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators delete people.")
    user = User.objects.select_for_update().get(pk=user.pk)
    for report in User.objects.filter(line_manager=user).order_by("pk"):
        report.line_manager = None
        report.save(update_fields=["line_manager"])
    for asset in InformationAsset.objects.filter(technical_contact=user).order_by("pk"):
        asset.technical_contact = None
        asset.save(update_fields=["technical_contact", "updated_at"])
    for notification in Notification.objects.filter(recipient=user).order_by("pk"):
        notification.recipient = None
        notification.save(update_fields=["recipient"])
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError as exc:
        raise ValidationError(
            f"{user.get_username()} cannot be deleted: records such as their sign-in history name them, "
            "and the record must stay. Mark them as a leaver instead."
        ) from exc


# --- SCIM provisioning from the identity provider (governance/register/scim.py) -----------

PROVISIONED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "oidc_subject",
    "staff_number",
    "business_area",
    "line_manager",
    "is_data_handler",
)


@transaction.atomic
def provision_person(user: User | None, changes: dict, *, by: User) -> tuple[User, bool]:
    """Create a joiner or change a mover from the identity provider; a leaver goes through ``mark_leaver``.

    ``changes`` names only what the provider sent: any of ``PROVISIONED_FIELDS`` and
    ``active``. Each change is saved (and so audited) field by field; ``active`` false is
    the same leaver flow as the HR import (every right removed today), and ``active``
    true brings back someone who had left, with no rights restored. Returns (user, created).

    Creating a person the provider had deleted (the same ``username`` or ``oidc_subject``) is a
    new provisioning of the same person, not a conflict (RFC 7644 section 3.6): their record is
    given what the provider sent, SCIM finds them again, and they are active unless it says not.
    """
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators provision people.")
    unknown = set(changes) - set(PROVISIONED_FIELDS) - {"active"}
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    returning = _deleted_by_the_provider(changes) if user is None or user.pk is None else None
    if returning is not None:
        created = True  # to SCIM: a new resource, which is the person it had deleted
        person = returning
        person.scim_deleted_at = None
        person.save(update_fields=["scim_deleted_at"])
        changes = {"active": True} | changes
    elif user is None or user.pk is None:
        created = True
        person = User(username=changes.get("username") or "")
        person.set_unusable_password()  # people sign in through the identity provider
    else:
        created = False
        person = User.objects.select_for_update().get(pk=user.pk)
    fields = {name: changes[name] for name in PROVISIONED_FIELDS if name in changes}
    if "email" in fields:
        fields["email"] = (fields["email"] or "").lower()
    changed = [name for name, value in fields.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, fields[name])
    if person.pk is None or changed:
        person.full_clean(exclude=["password"])
        if person.pk is None:
            person.save()
        else:
            person.save(update_fields=changed)
    active = changes.get("active")
    if active is False and (person.is_active or person.leaver_date is None):
        person = mark_leaver(person, by=by)
    elif active is True and not person.is_active and not person.is_system:
        person.leaver_date = None
        person.save(update_fields=["leaver_date"])
        person = update_person(person, by=by, is_active=True)
    if "line_manager" in changed or "business_area" in changed or "is_data_handler" in changed:
        forget_permissions(person)
    return person, created


def _deleted_by_the_provider(changes: dict) -> User | None:
    """The one person the provider deleted who has the ``username`` or ``oidc_subject`` it now creates."""
    match = Q()
    for field in ("username", "oidc_subject"):
        if changes.get(field):
            match |= Q(**{field: changes[field]})
    if not match:
        return None
    deleted = User.objects.select_for_update().filter(match, scim_deleted_at__isnull=False, is_system=False)
    found = list(deleted.order_by("pk")[:2])
    return found[0] if len(found) == 1 else None


@transaction.atomic
def deprovision_person(user: User, *, by: User) -> User:
    """The identity provider deleted the person: a leaver (the same flow), the record and history kept.

    ``scim_deleted_at`` is noted so that SCIM answers 404 for them, as RFC 7644 section 3.6 asks
    of a deleted resource the service keeps, until they are reactivated (``update_person``) or
    the provider creates them again (``provision_person``).
    """
    person, _ = provision_person(user, {"active": False}, by=by)
    if person.groups.exists():  # a leaver the provider had put in a group since
        person = update_person(person, by=by, groups=[])
    if person.scim_deleted_at is None:
        person.scim_deleted_at = timezone.now()
        person.save(update_fields=["scim_deleted_at"])
    return person


class GroupConflict(ValidationError):
    """Another group has this name or provider id (SCIM: a uniqueness conflict)."""


def is_role_group(group: Group) -> bool:
    """A portal role: a global group, a group the provider's groups map to at sign-in, or one holding
    permissions (on models, or on records: its ``...GroupObjectPermission`` rows)."""
    mapped = set(settings.OIDC_GROUP_ROLES.values())
    if group.name in GLOBAL_GROUPS or group.name in mapped or group.permissions.exists():
        return True
    record_permissions = [
        relation.related_model
        for relation in Group._meta.related_objects
        if isinstance(relation.related_model, type)
        and relation.related_model.__name__.endswith("GroupObjectPermission")
    ]
    return any(model._default_manager.filter(group=group).exists() for model in record_permissions)


def _check_group_name(name: str, group: Group | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"displayName": ["A group needs a name."]})
    if "\x00" in name:
        raise ValidationError({"displayName": ["A name cannot contain null characters."]})
    if len(name) > (Group._meta.get_field("name").max_length or 150):
        raise ValidationError({"displayName": ["The name is too long."]})
    others = Group.objects.filter(name__iexact=name)
    if group is not None:
        others = others.exclude(pk=group.pk)
    if others.exists():
        raise GroupConflict(f'There is already a group called "{name[:100]}".')
    return name


def _join(person: User, group: Group, *, by: User) -> None:
    """Add one person to one group through the people service (audited, permissions forgotten).

    Someone who has left holds no role: they may be in the provider's own groups (which give
    no rights; Entra ID keeps disabled accounts in its groups) but never join a role group.
    """
    if person.is_system or (not person.is_active and is_role_group(group)):
        raise ValidationError({"members": [f"{person.get_username()} has left and cannot take the role {group.name}."]})
    update_person(person, by=by, groups=[*person.groups.all(), group])


def _set_external_id(group: Group, value: str | None) -> None:
    """The provider's id for the group (one row, saved and so audited); None forgets it."""
    value = str(value or "").strip() or None
    row = ProvisionedGroup.objects.filter(group=group).first()
    if value is None:
        if row is not None:
            row.delete()
        return
    if "\x00" in value or len(value) > 255:
        raise ValidationError({"externalId": ["The provider's id is at most 255 characters, none of them null."]})
    if ProvisionedGroup.objects.filter(external_id=value).exclude(group=group).exists():
        raise GroupConflict(f'Another group has the provider id "{value[:100]}".')
    if row is None:
        ProvisionedGroup(group=group, external_id=value).save()
    elif row.external_id != value:
        row.external_id = value
        row.save(update_fields=["external_id"])


def _leave(person: User, group: Group, *, by: User) -> None:
    update_person(person, by=by, groups=[held for held in person.groups.all() if held.pk != group.pk])


@transaction.atomic
def provision_group(
    group: Group | None,
    *,
    by: User,
    name: str | None = None,
    external_id: str | object | None = _UNCHANGED,
    members: Iterable[User] | None = None,
    add: Iterable[User] = (),
    remove: Iterable[User] = (),
) -> tuple[Group, bool]:
    """Create or change a group from the identity provider. Returns (group, created).

    A role group keeps its name (renaming it would change what the role is called everywhere).
    Members change person by person through ``update_person``, the path every change of role
    takes, so each is audited: ``members`` makes the membership exactly these people, ``add``
    and ``remove`` change only those named. Leavers cannot join a role group. ``external_id``
    is the provider's id for the group (``ProvisionedGroup``).
    """
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators provision groups.")
    created = group is None or group.pk is None
    if group is None or created:
        group = Group.objects.create(name=_check_group_name(name or "", None))
    else:
        group = Group.objects.select_for_update().get(pk=group.pk)
        if name is not None and name != group.name:
            if is_role_group(group):
                raise PermissionDenied(f'"{group.name}" is a portal role: it keeps its name.')
            group.name = _check_group_name(name, group)
            group.save(update_fields=["name"])
    if external_id is not _UNCHANGED:
        _set_external_id(group, external_id)  # type: ignore[arg-type]
    held = {person.pk: person for person in group.user_set.order_by("pk")}
    joining = {person.pk: person for person in add}
    leaving = {person.pk: person for person in remove}
    if members is not None:
        wanted = {person.pk: person for person in members}
        joining |= {pk: person for pk, person in wanted.items() if pk not in held}
        leaving |= {pk: person for pk, person in held.items() if pk not in wanted}
    for pk in sorted(set(joining) - set(held)):
        _join(joining[pk], group, by=by)
    for pk in sorted(set(leaving) & set(held)):
        _leave(held[pk], group, by=by)
    return group, created


@transaction.atomic
def delete_group(group: Group, *, by: User) -> None:
    """Delete a group the provider made: each member leaves it first (audited). Role groups stay."""
    refuse_unless(is_system(by) or policy.can_change_people(by), "Only administrators delete groups.")
    group = Group.objects.select_for_update().get(pk=group.pk)
    if is_role_group(group):
        raise PermissionDenied(f'"{group.name}" is a portal role: it cannot be deleted.')
    for person in list(group.user_set.order_by("pk")):
        _leave(person, group, by=by)
    group.delete()
