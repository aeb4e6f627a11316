"""Who may see what. Views ask these before showing an object; nothing else decides."""

from __future__ import annotations

from governance.models import BusinessArea, OfficeHolder, User
from governance.roles import ADMINISTRATORS, AUDITORS, in_group
from governance.services.permissions import has_object_perm

OVERSEE_AREA_PERM = "governance.oversee_businessarea"


def holds_office(user: User, office: str) -> bool:
    """Whether ``user`` holds a single-holder office (one query, cached on the user object)."""
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_offices", None)
    if cache is None:
        cache = set(OfficeHolder.objects.filter(holder=user).values_list("office", flat=True))
        user._offices = cache
    return office in cache


def is_siro(user: User) -> bool:
    return holds_office(user, OfficeHolder.Office.SIRO)


def has_oversight(user: User) -> bool:
    """Organisation-wide oversight: the SIRO, auditors and administrators."""
    return in_group(user, AUDITORS) or in_group(user, ADMINISTRATORS) or is_siro(user)


def oversees_area(user: User, area: BusinessArea | None) -> bool:
    """The area's Deputy SIRO, through the object permission that moves with the appointment."""
    return area is not None and has_object_perm(user, OVERSEE_AREA_PERM, area)


def can_view_area_history(user: User, area: BusinessArea) -> bool:
    return has_oversight(user) or oversees_area(user, area)


def can_view_person(viewer: User, person: User) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk or person.line_manager_id == viewer.pk:
        return True
    return has_oversight(viewer) or oversees_area(viewer, person.business_area)
