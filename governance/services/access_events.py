"""Recording each access to restricted data."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from governance.models import AccessEvent


def record_access(request: HttpRequest, obj: models.Model, kind: str, detail: str = "") -> AccessEvent:
    """Append an access event for ``obj`` by the request's user, with address and browser."""
    meta = request.META
    area = getattr(obj, "business_area", None)
    return AccessEvent.objects.create(
        user=request.user if request.user.is_authenticated else None,
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:500],
        kind=kind[:50],
        content_type=ContentType.objects.get_for_model(obj),
        object_pk=str(obj.pk),
        object_repr=str(obj)[:300],
        business_area=area if area is not None and hasattr(area, "pk") else None,
        detail=detail,
    )
