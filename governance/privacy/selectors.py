"""The privacy records a person may list, each rule written once as a queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from governance.core.models import OfficeHolder, User
from governance.core.policy import has_oversight, holds_office, is_member, is_person, role_facts
from governance.core.selectors import overseen_areas
from governance.privacy.models import DPIA, SharingAgreement
from governance.privacy.policy import sees_every_dpia

# --- DPIAs -----------------------------------------------------------------------------------------


def visible_dpias(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The DPIAs ``user`` may list (``policy.can_see_dpia`` for one), one query whatever the number of rows."""
    queryset = DPIA.objects.all() if queryset is None else queryset
    if not is_person(user):
        return queryset.none()
    if sees_every_dpia(user):
        return queryset
    return queryset.filter(Q(iam=user) | Q(author=user) | Q(business_area__in=overseen_areas(user)))


def outstanding_dpias() -> Q:
    """Screened as needed (or still being screened) and not yet signed."""
    return Q(
        state__in=[
            DPIA.State.SCREENING,
            DPIA.State.NEEDED,
            DPIA.State.IN_ASSESSMENT,
            DPIA.State.AWAITING_ADVICE,
            DPIA.State.AWAITING_SIGN_OFF,
        ]
    )


# --- the map of where the data goes ---------------------------------------------------------------
def map_visible_agreements(viewer) -> QuerySet[SharingAgreement]:
    """The sharing agreements the map draws for ``viewer``: every one for the Data Protection Officer
    and organisation-wide oversight; otherwise those they manage and those of the areas they oversee
    as Deputy SIRO. (The agreements' own register page has its rule in the agreements' block; the
    two say the same.)"""
    agreements = SharingAgreement.objects.all()
    if not is_member(viewer):
        return agreements.none()
    if has_oversight(viewer) or holds_office(viewer, OfficeHolder.Office.DATA_PROTECTION_OFFICER):
        return agreements
    return agreements.filter(Q(manager=viewer) | Q(business_area_id__in=sorted(role_facts(viewer).overseen_areas)))
