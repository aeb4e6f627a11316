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
    name = match.view_name if match else ""
    items = [
        {"text": "Home", "href": reverse("home"), "current": name == "home"},
        {"text": "Business areas", "href": reverse("areas:list"), "current": section == "areas"},
        {"text": "Account security", "href": reverse("two_factor:profile"), "current": section == "two_factor"},
    ]
    if user.is_staff:
        items.append({"text": "Administration", "href": reverse("admin:index"), "current": section == "admin"})
    return items
