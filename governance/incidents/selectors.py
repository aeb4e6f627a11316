"""The incidents domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from governance.core.models import User
from governance.core.policy import is_person
from governance.core.selectors import overseen_areas
from governance.incidents.models import Incident, IncidentLink
from governance.incidents.policy import (
    sees_every_incident,
)


def visible_incidents(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """The incidents ``user`` may list, as one query whatever the number of rows."""
    queryset = Incident.objects.all() if queryset is None else queryset
    if not is_person(user):
        return queryset.none()
    if sees_every_incident(user):
        return queryset
    touches = IncidentLink.objects.filter(incident=OuterRef("pk"), asset__isnull=False).filter(
        Q(asset__manager=user) | Q(asset__business_area__in=overseen_areas(user))
    )
    return queryset.filter(
        Q(reported_by=user) | Q(handler=user) | Q(business_area__in=overseen_areas(user)) | Exists(touches)
    )
