"""Who may see and do what among the privacy records."""

from __future__ import annotations

# --- the map of where the data goes (datamap) -------------------------------------------------
from governance.core.models import OfficeHolder
from governance.core.policy import has_oversight, holds_office, is_deputy_siro, is_iam
from governance.register.policy import can_view_assets


def sees_every_flow_area(user) -> bool:
    """The Data Protection Officer and organisation-wide oversight: the department map covers every area."""
    return has_oversight(user) or holds_office(user, OfficeHolder.Office.DATA_PROTECTION_OFFICER)


def can_view_department_map(user) -> bool:
    """The department's map: the DPO, the SIRO, auditors and administrators (every area), Deputy SIROs
    (their areas' assets) and IAMs (their own assets). Each flow on it is drawn only if the viewer may
    see its records."""
    return sees_every_flow_area(user) or is_deputy_siro(user) or is_iam(user)


def can_view_asset_map(user, asset) -> bool:
    """One asset's map: whoever may see the asset; its flows are drawn only where they may see the records."""
    return can_view_assets(user, asset)
