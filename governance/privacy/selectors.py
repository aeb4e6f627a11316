"""The privacy domain's visibility rules as querysets: what a person may list, each rule written once."""

from __future__ import annotations

# --- the map of where the data goes (datamap) -------------------------------------------------
from django.db.models import Q, QuerySet

from governance.core.models import OfficeHolder
from governance.core.policy import has_oversight, holds_office, is_member, role_facts
from governance.privacy.models import SharingAgreement


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
