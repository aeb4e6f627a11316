"""The read API other pages use: incidents touching assets in a period, and open and overdue counts.

The traceability page and the annual assurance return read incidents through these,
never through the models, so what counts as "touching" and "overdue" is said once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from governance.core.models import BusinessArea
from governance.incidents.models import Incident, IncidentLink
from governance.register.models import InformationAsset

OPEN = ~Q(state=Incident.State.CLOSED)


def touching_assets(
    assets: Iterable[InformationAsset | int],
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> QuerySet:
    """Incidents that touch any of ``assets`` (directly, or through a data item, grant or contract
    recorded with them) of which the department became aware in ``[start, end)``. One query."""
    ids = [a if isinstance(a, int) else a.pk for a in assets]
    links = IncidentLink.objects.filter(incident=OuterRef("pk"), asset_id__in=ids)
    queryset = Incident.objects.filter(Exists(links))
    if start is not None:
        queryset = queryset.filter(aware_at__gte=start)
    if end is not None:
        queryset = queryset.filter(aware_at__lt=end)
    return queryset.order_by("-aware_at", "-pk")


@dataclass(frozen=True)
class OpenCounts:
    open: int
    awaiting_decision: int
    overdue: int


def open_counts(queryset: QuerySet | None = None, now: datetime.datetime | None = None) -> OpenCounts:
    """Open incidents, those still awaiting the ICO decision, and those past the 72 hours without one."""
    now = now or timezone.now()
    queryset = Incident.objects.all() if queryset is None else queryset
    undecided = OPEN & Q(ico_decision="")
    figures = queryset.aggregate(
        open=Count("pk", filter=OPEN),
        awaiting=Count("pk", filter=undecided),
        overdue=Count("pk", filter=undecided & Q(ico_deadline__lte=now)),
    )
    return OpenCounts(figures["open"], figures["awaiting"], figures["overdue"])


@dataclass(frozen=True)
class MonthRow:
    area: str
    month: datetime.date
    reported: int
    open: int
    ico_reports: int
    deadlines_missed: int


def missed_deadline(now: datetime.datetime) -> Q:
    """Decided after the deadline, or still undecided once it has passed."""
    return Q(ico_decided_at__gt=F("ico_deadline")) | Q(ico_decision="", ico_deadline__lte=now)


def by_area_and_month(
    areas: QuerySet | None = None, *, months: int = 12, now: datetime.datetime | None = None
) -> list[MonthRow]:
    """The compliance dashboard's figures: per business area and month of awareness (London time),
    incidents reported, still open, reported to the ICO, and deadlines missed. One query."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    queryset = Incident.objects.filter(aware_at__gte=first)
    if areas is not None:
        queryset = queryset.filter(business_area__in=areas)
    rows = (
        queryset.annotate(month=TruncMonth("aware_at"))
        .values("business_area__name", "month")
        .annotate(
            reported=Count("pk"),
            open=Count("pk", filter=OPEN),
            ico_reports=Count("pk", filter=Q(ico_decision=Incident.IcoDecision.REPORT)),
            missed=Count("pk", filter=missed_deadline(now)),
        )
        .order_by("business_area__name", "-month")
    )
    return [
        MonthRow(
            area=row["business_area__name"] or "No business area",
            month=row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"],
            reported=row["reported"],
            open=row["open"],
            ico_reports=row["ico_reports"],
            deadlines_missed=row["missed"],
        )
        for row in rows
    ]


def areas_overseen_by(user) -> QuerySet:
    return BusinessArea.objects.filter(deputy_siro=user)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def in_period(start: datetime.date, end: datetime.date) -> Q:
    """Incidents the department became aware of from ``start`` to ``end`` inclusive (local days)."""
    return Q(aware_at__gte=_day_start(start), aware_at__lt=_day_start(end + datetime.timedelta(days=1)))


#: What the SIRO's report counts of a period's incidents, each with the list filter that shows them.
ICO_FIGURES = {
    "reported": ("reported to the ICO", lambda now: Q(ico_decision=Incident.IcoDecision.REPORT)),
    "missed": ("whose ICO deadline was missed", missed_deadline),
}


def narrowed(
    queryset: QuerySet,
    *,
    area_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    ico: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet:
    """Incidents narrowed to one figure of the SIRO's report: an area, a period of awareness, an ICO figure."""
    if area_id is not None:
        queryset = queryset.filter(business_area_id=area_id)
    if start is not None and end is not None:
        queryset = queryset.filter(in_period(start, end))
    if ico in ICO_FIGURES:
        queryset = queryset.filter(ICO_FIGURES[ico][1](now or timezone.now()))
    return queryset
