"""Who may see and do what with the privacy records. Views, services and exports ask these.

# --- ropa: the record of processing activities and the sharing agreements ----------------

- The Data Protection Officer, the SIRO, auditors and administrators see every processing
  activity and every sharing agreement.
- A processing activity is also seen by its owner, the IAMs of its assets and the Deputy SIRO
  of its business area; an IAM records one on their own assets; its owner and its area's
  Deputy SIRO edit it and mark it reviewed.
- A sharing agreement is also seen by its manager and its area's Deputy SIRO. IAMs, Deputy
  SIROs and research contract managers draft agreements (and manage them); the area's Deputy
  SIRO approves a draft; the manager or the Deputy SIRO ends one in force.
"""

from __future__ import annotations

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
from governance.core.roles import CONTRACT_MANAGERS
from governance.privacy.models import ProcessingActivity, SharingAgreement

# --- ropa ------------------------------------------------------------------------------------


def is_dpo(user) -> bool:
    return is_person(user) and holds_office(user, OfficeHolder.Office.DATA_PROTECTION_OFFICER)


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


# --- end of ropa -----------------------------------------------------------------------------
