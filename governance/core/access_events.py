"""Recording accesses to restricted data (views, downloads, exports, feed reads).

One call per access, from the view that served it, after its permission check
passed. The address is the one ``ClientAddressMiddleware`` settled, so a
forged ``X-Forwarded-For`` cannot put someone else's address on the record.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest

from governance.core.models import AccessEvent, BusinessArea, User


def record_access(
    request: HttpRequest, obj: models.Model | None, kind: str, detail: str = "", *, user: User | None = None
) -> AccessEvent:
    """Record that the request's user (or ``user``, for key-authenticated reads) accessed ``obj``.

    ``obj`` may be ``None`` for accesses to many records at once (an export);
    ``detail`` then says what was included. The object's business area is kept
    when it has one, so a Deputy SIRO can later see the accesses in their area.
    """
    actor = user
    if actor is None:
        request_user = getattr(request, "user", None)
        actor = request_user if request_user is not None and request_user.is_authenticated else None
    area = getattr(obj, "business_area", None) if obj is not None else None
    return AccessEvent.objects.create(
        user=actor,
        ip_address=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        kind=kind[:50],
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_pk=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        business_area=area if isinstance(area, BusinessArea) else None,
        detail=detail,
    )


def accesses_of(objects: Sequence[models.Model], limit: int = 50) -> list[AccessEvent]:
    """The newest accesses to any of ``objects`` (all of one model), with their users: one query."""
    if not objects:
        return []
    content_type = ContentType.objects.get_for_model(objects[0])
    return list(
        AccessEvent.objects.filter(content_type=content_type, object_pk__in=[str(obj.pk) for obj in objects])
        .select_related("user")
        .order_by("-at", "-pk")[:limit]
    )
