"""Who may see and do what with the privacy records: predicates over the role facts."""

from __future__ import annotations

import copy
from itertools import chain

from django.db.models import Q

from governance.core.models import OfficeHolder, User
from governance.core.policy import has_oversight, holds_office, is_deputy_siro, is_iam, is_person, oversees_area
from governance.core.policy import stands_in as stands_in_for_siro
from governance.core.two_person import second_person, stand_ins
from governance.privacy.models import DPIA
from governance.register.policy import can_view_assets

# --- DPIAs -----------------------------------------------------------------------------------------
# The DPO, the SIRO (and the SIRO's alternate, who may stand in at sign-off), auditors and administrators
# see every DPIA; the IAM (or owner) it names, its author and the Deputy SIRO of its area see theirs.


def is_dpo(user) -> bool:
    return is_person(user) and holds_office(user, OfficeHolder.Office.DATA_PROTECTION_OFFICER)


def sees_every_dpia(user) -> bool:
    return is_person(user) and (has_oversight(user) or is_dpo(user) or stands_in_for_siro(user))


def can_list_dpias(user) -> bool:
    """IAMs, Deputy SIROs and whoever a DPIA names as its IAM (an activity's owner) or author, and those who see all."""
    if sees_every_dpia(user):
        return True
    if not is_person(user):
        return False
    return is_iam(user) or is_deputy_siro(user) or _names(user)


def _names(user) -> bool:
    return DPIA.objects.filter(Q(iam=user) | Q(author=user)).exists()


def can_see_dpia(user, dpia) -> bool:
    if not is_person(user):
        return False
    return (
        sees_every_dpia(user) or user.pk in (dpia.iam_id, dpia.author_id) or oversees_area(user, dpia.business_area_id)
    )


def can_edit_dpia(user, dpia) -> bool:
    """The screening, the assessment and its risks: the IAM (or owner) it names and the Deputy SIRO of its area."""
    return is_person(user) and (user.pk == dpia.iam_id or oversees_area(user, dpia.business_area_id))


def can_advise_on_dpia(user, dpia) -> bool:
    """Only the Data Protection Officer gives the DPO's advice."""
    return is_dpo(user)


def can_record_consultation(user, dpia) -> bool:
    """The prior consultation with the ICO: the DPO, or those who write the DPIA."""
    return is_dpo(user) or can_edit_dpia(user, dpia)


def iam_step_person(dpia) -> User | None:
    """Who signs as the IAM: the IAM (or owner) the DPIA names; its area's Deputy SIRO when there is none."""
    if dpia.iam_id and dpia.iam.is_active:
        return dpia.iam
    deputy = dpia.business_area.deputy_siro
    return deputy if deputy is not None and deputy.is_active else None


def deputy_step_person(dpia) -> User | None:
    """Who signs as the Deputy SIRO: the area's Deputy SIRO; the SIRO, then the SIRO's alternate, when the
    Deputy SIRO signed (or is to sign) as the IAM, or the post is empty."""
    first = dpia.iam_signed_by_id
    if first is None:
        person = iam_step_person(dpia)
        first = person.pk if person is not None else None
    return second_person(chain([dpia.business_area.deputy_siro], stand_ins()), excluding={first})


def can_sign_dpia_as_iam(user, dpia) -> bool:
    if not is_person(user) or user.pk == dpia.deputy_signed_by_id:
        return False
    person = iam_step_person(dpia)
    return person is not None and person.pk == user.pk


def can_sign_dpia_as_deputy(user, dpia) -> bool:
    """The second of two people: never whoever signed as the IAM."""
    if not is_person(user) or user.pk == dpia.iam_signed_by_id:
        return False
    person = deputy_step_person(dpia)
    return person is not None and person.pk == user.pk


def can_sign_dpia(user, dpia) -> bool:
    return can_sign_dpia_as_iam(user, dpia) or can_sign_dpia_as_deputy(user, dpia)


def dpia_as_signed_by(dpia, user):
    """The DPIA as it is once ``user`` signed it as the IAM (not saved)."""
    signed = copy.copy(dpia)
    signed.iam_signed_by = user
    return signed


# --- the map of where the data goes ---------------------------------------------------------------
def sees_every_flow_area(user) -> bool:
    """The Data Protection Officer and organisation-wide oversight: the department map covers every area."""
    return has_oversight(user) or is_dpo(user)


def can_view_department_map(user) -> bool:
    """The department's map: the DPO, the SIRO, auditors and administrators (every area), Deputy SIROs
    (their areas' assets) and IAMs (their own assets). Each flow on it is drawn only if the viewer may
    see its records."""
    return sees_every_flow_area(user) or is_deputy_siro(user) or is_iam(user)


def can_view_asset_map(user, asset) -> bool:
    """One asset's map: whoever may see the asset; its flows are drawn only where they may see the records."""
    return can_view_assets(user, asset)
