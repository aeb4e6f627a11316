"""The incidents domain's visibility rules as querysets: what a person may list, each rule written once.

The pages, the API, exports and the home page's counts list through these; ``policy.py``
answers for one record from the same facts.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from governance.core.models import User
from governance.core.policy import is_person, role_facts
from governance.core.selectors import overseen_areas
from governance.incidents.models import Incident, IncidentAction, IncidentLink
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
    wanted = Q(reported_by=user) | Q(handler=user)
    facts = role_facts(user)
    # Who manages no asset and oversees no area can be touched by no incident's assets (from the role
    # facts): their incidents are those they reported or handle, without the subquery that says so.
    if facts.managed_assets or facts.overseen_areas or facts.superuser:
        touches = IncidentLink.objects.filter(incident=OuterRef("pk"), asset__isnull=False).filter(
            Q(asset__manager=user) | Q(asset__business_area__in=overseen_areas(user))
        )
        wanted = wanted | Q(business_area__in=overseen_areas(user)) | Q(Exists(touches))
    return queryset.filter(wanted)


# Named filters, shared by the incidents list and the home page's counts.

DUE_SOON_HOURS = 24  # "near the deadline": the ICO decision falls due within a day


def open_incidents() -> Q:
    return ~Q(state=Incident.State.CLOSED)


def awaiting_ico_decision() -> Q:
    return open_incidents() & Q(ico_decision="")


def ico_due_soon(now: datetime.datetime) -> Q:
    """Still without the ICO decision, and the 72 hours end within ``DUE_SOON_HOURS``."""
    return awaiting_ico_decision() & Q(
        ico_deadline__gt=now, ico_deadline__lte=now + datetime.timedelta(hours=DUE_SOON_HOURS)
    )


def ico_overdue(now: datetime.datetime) -> Q:
    """Still without the ICO decision after the 72 hours."""
    return awaiting_ico_decision() & Q(ico_deadline__lte=now)


def with_open_actions_of(user: User) -> Q:
    """Open incidents with an action ``user`` owns that is still open."""
    mine = IncidentAction.objects.filter(owner=user, state=IncidentAction.State.OPEN).values("incident")
    return open_incidents() & Q(pk__in=mine)


def incidents_in_areas(areas) -> Q:
    """Incidents of one of ``areas``, or touching an asset of one of them."""
    touches = IncidentLink.objects.filter(incident=OuterRef("pk"), asset__business_area__in=areas)
    return Q(business_area__in=areas) | Q(Exists(touches))
