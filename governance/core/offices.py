"""Who holds the single-holder offices now, and who stands in while the SIRO's office is vacant.

The office is vacant when nobody is appointed or its holder has left. Work that needs a SIRO
(the 72-hour ICO escalations, incidents nobody else is told of, overdue destruction with no
Deputy SIRO) then goes to the active members of ``SIRO_VACANT_FALLBACK_GROUP`` (the incident
handlers by default), so it never goes to nobody in silence.
"""

from __future__ import annotations

from django.conf import settings

from governance.core.models import OfficeHolder, User


def office_holder(office: str) -> User | None:
    """The active holder of ``office``, or None while it is vacant."""
    held = OfficeHolder.objects.filter(office=office).select_related("holder").first()
    return held.holder if held is not None and held.holder.is_active else None


def siro() -> User | None:
    return office_holder(OfficeHolder.Office.SIRO)


def data_protection_officer() -> User | None:
    """The Data Protection Officer: advises on DPIAs and is told of every new privacy record."""
    return office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER)


def siro_vacant() -> bool:
    return siro() is None


def siro_stand_ins() -> list[User]:
    """The active members of the fallback group, in a stable order."""
    return list(
        User.objects.filter(groups__name=settings.SIRO_VACANT_FALLBACK_GROUP, is_active=True, is_system=False).order_by(
            "pk"
        )
    )


def siro_recipients() -> list[User]:
    """Whoever receives what the SIRO would: the SIRO, or while the office is vacant its stand-ins."""
    holder = siro()
    return [holder] if holder is not None else siro_stand_ins()
