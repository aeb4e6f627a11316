"""Changes to who holds the organisation's roles."""

from __future__ import annotations

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from governance.core.models import AccessEvent, BusinessArea, OfficeHolder, User
from governance.core.permissions import forget_permissions, is_system, refuse_unless
from governance.register import policy

OVERSEE_AREA = "oversee_businessarea"


@transaction.atomic
def set_deputy_siro(area: BusinessArea, deputy: User | None, *, by: User) -> BusinessArea:
    """Make ``deputy`` the area's Deputy SIRO; the previous one loses the area's rights in the same transaction."""
    refuse_unless(is_system(by) or policy.can_change_area(by, area), "Only administrators appoint Deputy SIROs.")
    area = BusinessArea.objects.select_for_update(of=("self",)).select_related("deputy_siro").get(pk=area.pk)
    previous = area.deputy_siro
    if previous == deputy:
        return area
    if previous is not None:
        remove_perm(OVERSEE_AREA, previous, area)
    area.deputy_siro = deputy
    area.save(update_fields=["deputy_siro"])
    if deputy is not None:
        assign_perm(OVERSEE_AREA, deputy, area)
    forget_permissions(previous, deputy)
    return area


@transaction.atomic
def appoint_office_holder(office: str, holder: User, *, by: User) -> OfficeHolder:
    """Give a single-holder office to ``holder``, replacing any current holder."""
    refuse_unless(is_system(by) or policy.can_appoint_office_holders(by), "Only administrators appoint office holders.")
    if office not in OfficeHolder.Office.values:
        raise ValueError(f"Unknown office {office!r}")
    current = OfficeHolder.objects.select_for_update().filter(office=office).first()
    if current is None:
        return OfficeHolder.objects.create(office=office, holder=holder)
    if current.holder_id != holder.pk:
        current.holder = holder
        current.since = OfficeHolder._meta.get_field("since").get_default()
        current.save(update_fields=["holder", "since"])
    return current


@transaction.atomic
def vacate_office(office: str, *, by: User) -> None:
    """Leave ``office`` with no holder (the holder left, or was appointed by mistake). Nothing if already vacant.

    While the SIRO's office is vacant, what needs a SIRO goes to its stand-ins
    (``governance.core.offices``) and oversight pages say "SIRO vacant".
    """
    refuse_unless(is_system(by) or policy.can_appoint_office_holders(by), "Only administrators vacate offices.")
    if office not in OfficeHolder.Office.values:
        raise ValueError(f"Unknown office {office!r}")
    current = OfficeHolder.objects.select_for_update().select_related("holder").filter(office=office).first()
    if current is None:
        return
    holder = current.holder
    current.delete()
    forget_permissions(holder)


@transaction.atomic
def create_area(*, name: str, code: str, deputy: User | None, by: User) -> BusinessArea:
    refuse_unless(is_system(by) or policy.can_add_area(by), "Only administrators add business areas.")
    area = BusinessArea.objects.create(name=name, code=code)
    if deputy is not None:
        area = set_deputy_siro(area, deputy, by=by)
    return area


@transaction.atomic
def update_area(area: BusinessArea, *, name: str, code: str, deputy: User | None, by: User) -> BusinessArea:
    refuse_unless(is_system(by) or policy.can_change_area(by), "Only administrators change business areas.")
    area = BusinessArea.objects.select_for_update().get(pk=area.pk)
    if (area.name, area.code) != (name, code):
        area.name, area.code = name, code
        area.save(update_fields=["name", "code"])
    return set_deputy_siro(area, deputy, by=by)


class AreaInUse(Exception):
    """The area still has staff (or, later, assets) and cannot be deleted."""


@transaction.atomic
def delete_area(area: BusinessArea, *, by: User) -> None:
    refuse_unless(is_system(by) or policy.can_delete_area(by), "Only administrators delete business areas.")
    area = BusinessArea.objects.select_for_update().get(pk=area.pk)
    if area.staff.exists():
        raise AreaInUse(f"{area.name} still has staff. Move them to another area first.")
    if area.assets.exists():
        raise AreaInUse(f"{area.name} still has information assets. Move them to another area first.")

    if AccessEvent.objects.filter(business_area=area).exists():
        raise AreaInUse(f"Accesses to {area.name}'s data are on record, and the record is kept.")
    if area.deputy_siro_id is not None:
        set_deputy_siro(area, None, by=by)
    area.delete()
