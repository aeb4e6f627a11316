"""Values every page needs: the portal's name and the navigation for this user."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def portal(request: HttpRequest) -> dict:
    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_organisation": settings.PORTAL_ORGANISATION,
        "navigation": _navigation(request),
    }


def _navigation(request: HttpRequest) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return []
    match = request.resolver_match
    section = match.namespace if match else ""
    entries = [
        ("Home", "home", None),
        ("Asset register", "assets:list", "assets"),
        ("Business areas", "areas:list", "areas"),
    ]
    entries.append(("Research contracts", "contracts:list", "contracts"))  # each sees only the contracts they may
    entries.append(("Account security", "two_factor:profile", "two_factor"))
    if user.is_staff:
        entries.append(("Administration", "admin:index", "admin"))
    items = []
    for text, url_name, namespace in entries:
        href = reverse(url_name)
        # "current": this very page (aria-current="page"); "active": a page within the section.
        current = request.path == href
        items.append({"text": text, "href": href, "current": current, "active": current or section == namespace})
    return items
