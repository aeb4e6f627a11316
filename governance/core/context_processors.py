"""Values every page needs: the portal's name and the navigation for this user."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from governance.core import offices
from governance.core.models import OfficeHolder
from governance.core.policy import has_oversight, holds_office, in_group, is_deputy_siro, is_siro
from governance.core.roles import AUDITORS, DISCLOSURE_CONTROL
from governance.core.selectors import oversees_any_area


def portal(request: HttpRequest) -> dict:
    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_organisation": settings.PORTAL_ORGANISATION,
        "navigation": _navigation(request),
        # Called only by the pages that show it (includes/siro_vacant.html): one query there, none elsewhere.
        "siro_vacant": lambda: _siro_vacant(request),
        "siro_stand_in_group": settings.SIRO_VACANT_FALLBACK_GROUP,
        "sso_enabled": settings.OIDC_ENABLED,
        "sso_provider_name": settings.OIDC_PROVIDER_NAME,
        "sso_local_for_everyone": settings.LOCAL_SIGN_IN_FOR_EVERYONE,
    }


def _siro_vacant(request: HttpRequest) -> bool:
    """Whether the SIRO's office is vacant. Not when the SIRO is the one reading: the role facts
    already read say so (only an active person holds roles), with no query of the office."""
    user = getattr(request, "user", None)
    if user is not None and is_siro(user):
        return False
    return offices.siro_vacant()


def _navigation(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return []
    match = request.resolver_match
    section = match.namespace if match else ""
    if section == "training" and match is not None and (match.url_name or "").startswith("compliance"):
        section = "compliance"  # oversight's compliance page has its own item, not "My training"
    if getattr(user, "is_external", False):
        # A contract's researcher: their outputs and their contract's terms, nothing else.
        entries = [("Your outputs", "outputs:mine", "outputs"), ("Data-handling terms", "outputs:terms", None)]
        return _items(request, entries, section)
    entries = [
        ("Home", "home", None),
        ("My training", "training:mine", "training"),
        ("Access", "access:mine", "access"),
        ("Assets", "assets:list", "assets"),
        ("Areas", "areas:list", "areas"),
    ]
    entries.append(("Contracts", "contracts:list", "contracts"))  # each sees only the contracts they may
    entries.append(("Releases", "releases:list", "releases"))  # likewise: unpublished statistics are restricted
    entries.append(("Incidents", "incidents:list", "incidents"))  # everyone reports; each sees only theirs
    if holds_office(user, OfficeHolder.Office.DATA_PROTECTION_OFFICER) or is_siro(user) or is_deputy_siro(user):
        # The record of processing and the sharing agreements: the DPO, the SIRO and Deputy SIROs (IAMs
        # reach their activities from their assets' pages and the home page).
        entries.append(("Data protection", "privacy:activity-list", "privacy"))
    if has_oversight(user) or is_deputy_siro(user):
        entries.append(("Compliance", "training:compliance", "compliance"))
    if is_siro(user) or in_group(user, AUDITORS) or oversees_any_area(user):
        # The SIRO, auditors and Deputy SIROs: the assurance rounds, and the policy's evidence within them
        # (one item, not for administrators, so the bar stays on one row at desktop widths).
        entries.append(("Assurance", "assurance:rounds", "assurance"))
        if match and match.view_name == "policy":
            section = "assurance"
    if in_group(user, DISCLOSURE_CONTROL):
        entries.append(("Outputs", "outputs:queue", "outputs"))  # researchers' outputs waiting for checking
    if has_oversight(user):
        entries.append(("Audit", "audit:explorer", "audit"))
    if user.is_staff:
        entries.append(("Admin", "admin:index", "admin"))
    return _items(request, entries, section)


def _items(request: HttpRequest, entries: list, section: str) -> list[dict]:
    items = []
    for text, url_name, namespace in entries:
        href = reverse(url_name)
        # "current": this very page (aria-current="page"); "active": a page within the section.
        current = request.path == href
        items.append({"text": text, "href": href, "current": current, "active": current or section == namespace})
    return items
