"""Who may see and do what in the register: business areas, people and information assets.

Rights on one asset are guardian object permissions held by its IAM
(``change_informationasset``); the Deputy SIRO's rights come from their area's
``oversee_businessarea`` permission (in the role facts); administrators hold the
model permissions. Every view, form, import and service asks these functions.
"""

from __future__ import annotations

from django.db.models import QuerySet

from governance.core.models import BusinessArea, User
from governance.core.permissions import has_object_perm
from governance.core.policy import (
    has_model_perm,
    has_oversight,
    is_deputy_siro,
    is_iam,
    is_member,
    oversees_area,
)
from governance.core.selectors import overseen_areas
from governance.register.models import InformationAsset

EDIT_PERM = "change_informationasset"
EDIT_PERM_FULL = f"governance.{EDIT_PERM}"


def _system(user) -> bool:
    return getattr(user, "is_system", False)


# --- business areas ----------------------------------------------------------------------


def can_view_areas(user: User, area: BusinessArea | None = None) -> bool:
    """Areas and their Deputy SIROs are organisational facts every member of staff may see."""
    return is_member(user)


def can_add_area(user: User) -> bool:
    return has_model_perm(user, "governance.add_businessarea")


def can_change_area(user: User, area: BusinessArea | None = None) -> bool:
    return has_model_perm(user, "governance.change_businessarea")


def can_delete_area(user: User, area: BusinessArea | None = None) -> bool:
    return has_model_perm(user, "governance.delete_businessarea")


def can_view_area_history(user: User, area: BusinessArea) -> bool:
    return has_oversight(user) or oversees_area(user, area)


# --- people -------------------------------------------------------------------------------


def can_view_person(viewer: User, person: User) -> bool:
    """Themselves, their line manager, their area's Deputy SIRO and organisation-wide oversight.

    ``selectors.visible_people`` is the same rule as a queryset (proven equal by a test).
    """
    if not is_member(viewer) or person.is_system:
        return False
    if viewer.pk == person.pk or person.line_manager_id == viewer.pk:
        return True
    return has_oversight(viewer) or oversees_area(viewer, person.business_area_id)


def can_change_people(user: User) -> bool:
    """Leavers, roles, status and line managers: administrators (the people model's change right)."""
    return has_model_perm(user, "governance.change_user")


def can_appoint_office_holders(user: User) -> bool:
    """The SIRO, the Chief Statistician and the other single-holder offices: administrators."""
    return has_model_perm(user, "governance.change_officeholder")


def can_import_staff(user: User) -> bool:
    """The HR extract changes who people are: administrators only."""
    return has_model_perm(user, "governance.add_user") and has_model_perm(user, "governance.change_user")


# --- information assets ------------------------------------------------------------------


def administers_register(user: User) -> bool:
    """Administrators of the register: the holders of the asset model permission."""
    return bool(user.is_active and has_model_perm(user, EDIT_PERM_FULL))


def oversees(user: User, area: BusinessArea | int) -> bool:
    return oversees_area(user, area)


def can_view_assets(user: User, asset: InformationAsset | None = None) -> bool:
    """The register itself (not the data it describes) is open to every member of staff."""
    return is_member(user)


def creatable_areas(user: User) -> QuerySet[BusinessArea]:
    """Areas where ``user`` may register assets: all for administrators, their own for Deputy SIROs."""
    if administers_register(user):
        return BusinessArea.objects.order_by("name")
    return overseen_areas(user).order_by("name")


def can_create_asset(user: User) -> bool:
    """Somewhere to register an asset: an administrator, or a Deputy SIRO (in their areas)."""
    return administers_register(user) or is_deputy_siro(user)


def can_create_in(user: User, area: BusinessArea) -> bool:
    """Administrators, and the Deputy SIRO of the area, register assets (and nominate their IAM)."""
    return _system(user) or administers_register(user) or oversees(user, area)


def can_edit(user: User, asset: InformationAsset) -> bool:
    """The asset's IAM (object permission), its area's Deputy SIRO, administrators."""
    if _system(user):
        return True
    if not user.is_active:
        return False
    return (
        administers_register(user) or oversees(user, asset.business_area_id) or has_object_perm(user, EDIT_PERM, asset)
    )


def can_reassign(user: User, asset: InformationAsset) -> bool:
    """Only the Deputy SIRO of the asset's area or an administrator nominates its IAM."""
    return _system(user) or administers_register(user) or oversees(user, asset.business_area_id)


def can_delete_asset(user: User, asset: InformationAsset | None = None) -> bool:
    return administers_register(user) and has_model_perm(user, "governance.delete_informationasset")


def can_see_accountability(user: User) -> bool:
    return has_oversight(user) or is_deputy_siro(user)


def can_import_assets(user: User) -> bool:
    """Administrators, Deputy SIROs and IAMs; each row is checked again by the services."""
    return can_create_asset(user) or is_iam(user)


def can_see_holders(user: User | None, asset: InformationAsset) -> bool:
    """Who holds access to an asset is known only to those who oversee it.

    Its IAM, the Deputy SIRO of its area, the SIRO, auditors and administrators. The
    names of holders are personal data about access to restricted data: everyone else
    sees the asset, not who may open it. Used by the asset page and by the history
    service, so every rendering of the asset's history applies the same rule.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if asset.manager_id is not None and asset.manager_id == user.pk:
        return True
    return has_oversight(user) or oversees_area(user, asset.business_area)
