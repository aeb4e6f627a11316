"""Who may see and do what with the privacy records. Views, services and exports ask these.

- The Data Protection Officer, the SIRO, auditors and administrators see every processing
  activity and every sharing agreement.
- A processing activity is also seen by its owner, the IAMs of its assets and the Deputy SIRO
  of its business area; an IAM records one on their own assets; its owner and its area's
  Deputy SIRO edit it and mark it reviewed.
- A sharing agreement is also seen by its manager and its area's Deputy SIRO. IAMs, Deputy
  SIROs and research contract managers draft agreements (and manage them); the area's Deputy
  SIRO approves a draft; the manager or the Deputy SIRO ends one in force.
- DPIAs: the DPO, the SIRO (and the SIRO's alternate, who may stand in at sign-off), auditors and
  administrators see every one; the IAM (or owner) it names, its author and its area's Deputy SIRO
  see theirs.
- The map of where the data goes: the department's for the DPO, oversight, Deputy SIROs and IAMs;
  an asset's for whoever may see the asset, each flow drawn only where its records may be seen.
"""

from __future__ import annotations

import copy
from itertools import chain

from django.db.models import Q

from governance.core.models import OfficeHolder, User
from governance.core.policy import (
    has_oversight,
    holds_office,
    in_group,
    is_deputy_siro,
    is_iam,
    is_person,
    oversees_area,
)
from governance.core.policy import stands_in as stands_in_for_siro
from governance.core.roles import CONTRACT_MANAGERS
from governance.core.two_person import second_person, stand_ins
from governance.privacy.models import DPIA, ProcessingActivity, SharingAgreement
from governance.register.policy import can_view_assets


def is_dpo(user) -> bool:
    return is_person(user) and holds_office(user, OfficeHolder.Office.DATA_PROTECTION_OFFICER)


# --- the record of processing activities and the sharing agreements -----------------------


def sees_every_privacy_record(user) -> bool:
    """The DPO, the SIRO, auditors and administrators."""
    return is_person(user) and (has_oversight(user) or is_dpo(user))


def can_list_activities(user: User) -> bool:
    """Everyone signed in has the page: at least the activities of the assets they look after (maybe none)."""
    return is_person(user)


def can_record_activity(user: User) -> bool:
    """An IAM records a processing activity on the assets they manage."""
    return is_person(user) and is_iam(user)


def can_record_activity_on(user: User, asset) -> bool:
    """The asset page's "Record processing activity" link: the asset's own IAM."""
    return is_person(user) and asset.manager_id == user.pk


def can_view_activity(user: User, activity: ProcessingActivity) -> bool:
    if not is_person(user):
        return False
    if (
        sees_every_privacy_record(user)
        or activity.owner_id == user.pk
        or oversees_area(user, activity.business_area_id)
    ):
        return True
    return activity.assets.filter(manager=user).exists()


def can_edit_activity(user: User, activity: ProcessingActivity) -> bool:
    """Its owner and its area's Deputy SIRO keep the entry true; they also mark it reviewed."""
    return is_person(user) and (activity.owner_id == user.pk or oversees_area(user, activity.business_area_id))


def can_export_records(user: User) -> bool:
    """The record of processing and the agreements register leave the portal with whoever sees them all,
    and with Deputy SIROs (their areas' rows)."""
    return is_person(user) and (sees_every_privacy_record(user) or is_deputy_siro(user))


def can_list_agreements(user: User) -> bool:
    return is_person(user)


def can_create_agreement(user: User) -> bool:
    """IAMs, Deputy SIROs and research contract managers draft sharing agreements."""
    return is_person(user) and (is_iam(user) or is_deputy_siro(user) or in_group(user, CONTRACT_MANAGERS))


def can_view_agreement(user: User, agreement: SharingAgreement) -> bool:
    if not is_person(user):
        return False
    return (
        sees_every_privacy_record(user)
        or agreement.manager_id == user.pk
        or oversees_area(user, agreement.business_area_id)
    )


def can_edit_agreement(user: User, agreement: SharingAgreement) -> bool:
    """The manager and the area's Deputy SIRO, until the agreement has ended."""
    if not is_person(user) or agreement.status == SharingAgreement.Status.ENDED:
        return False
    return agreement.manager_id == user.pk or oversees_area(user, agreement.business_area_id)


def can_approve_agreement(user: User, agreement: SharingAgreement) -> bool:
    """The Deputy SIRO of the agreement's area puts a draft in force."""
    return (
        is_person(user)
        and agreement.status == SharingAgreement.Status.DRAFT
        and oversees_area(user, agreement.business_area_id)
    )


def can_end_agreement(user: User, agreement: SharingAgreement) -> bool:
    return (
        is_person(user)
        and agreement.status == SharingAgreement.Status.ACTIVE
        and (agreement.manager_id == user.pk or oversees_area(user, agreement.business_area_id))
    )


# --- DPIAs ---------------------------------------------------------------------------------------


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


def can_review_dpia(user, dpia) -> bool:
    """A signed DPIA's review: those who write it (its IAM or owner, the area's Deputy SIRO) and the DPO."""
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
    return sees_every_privacy_record(user)


def can_view_department_map(user) -> bool:
    """The department's map: the DPO, the SIRO, auditors and administrators (every area), Deputy SIROs
    (their areas' assets) and IAMs (their own assets). Each flow on it is drawn only if the viewer may
    see its records."""
    return sees_every_flow_area(user) or is_deputy_siro(user) or is_iam(user)


def can_view_asset_map(user, asset) -> bool:
    """One asset's map: whoever may see the asset; its flows are drawn only where they may see the records."""
    return can_view_assets(user, asset)
