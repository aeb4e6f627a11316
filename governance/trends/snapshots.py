"""The daily compliance snapshot: training by area and course, overdue asset reviews, grants past
recertification and contracts past destruction, for the organisation and for each business area.

Taken once a day by the ``take_compliance_snapshot`` task; the unique day makes a
second run (a retry, a duplicate beat) find the day's row and write nothing.

A fresh install does not wait for the night: the first time the compliance page or the
policy page is opened with no snapshot at all, ``first_snapshot_pending`` enqueues the task
(once: a lock in the cache for the day, and the unique day behind it) and the page says the
first figures are being calculated.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.access.selectors import late_reviews_of_active_grants
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import destruction_overdue
from governance.core.compiled import CompiledQuery
from governance.core.models import AccessEvent, BusinessArea, User
from governance.core.queue import enqueue
from governance.incidents.queries import open_counts
from governance.register.models import InformationAsset
from governance.releases.models import StatisticalRelease
from governance.training.courses import compliance, uncleared_data_handler_ids
from governance.training.models import Course, TrainingStatus
from governance.trends.models import ComplianceSnapshot

MEASURES = {
    "training": "Training compliance (%)",
    "overdue_reviews": "Asset reviews overdue",
    "grants_past_recertification": "Grants past their recertification deadline",
    "contracts_past_destruction": "Contracts past their destruction date",
}


def figures_on(on: datetime.date) -> dict:
    """Today's figures, organisation-wide and per area, in a fixed number of grouped queries."""
    areas = {str(pk): _empty() for pk in BusinessArea.objects.values_list("pk", flat=True)}
    whole = _empty()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for course_row in compliance(BusinessArea.objects.all(), on):
        share = areas[str(course_row.area.pk)]["training_by_course"]
        share[course_row.course.title] = course_row.percent
        totals[course_row.course.title][0] += course_row.compliant
        totals[course_row.course.title][1] += course_row.total
        _add_training(areas[str(course_row.area.pk)], course_row.compliant, course_row.total)
        _add_training(whole, course_row.compliant, course_row.total)
    whole["training_by_course"] = {title: _percent(done, of) for title, (done, of) in totals.items()}
    for target, rows in (
        ("overdue_reviews", InformationAsset.objects.filter(next_review_date__lt=on).values("business_area")),
        (
            "grants_past_recertification",
            late_reviews_of_active_grants(on).values("grant__asset__business_area"),
        ),
    ):
        for row in rows.annotate(n=Count("pk")).order_by():
            area = str(next(iter(v for k, v in row.items() if k != "n")))
            if area in areas:
                areas[area][target] = row["n"]
            whole[target] += row["n"]
    for row in (
        ContractAsset.objects.filter(destruction_overdue(on, "contract__"))
        .values("asset__business_area")
        .annotate(n=Count("contract", distinct=True))
        .order_by()
    ):
        if str(row["asset__business_area"]) in areas:
            areas[str(row["asset__business_area"])]["contracts_past_destruction"] = row["n"]
    whole["contracts_past_destruction"] = ResearchContract.objects.filter(destruction_overdue(on)).count()
    for figures in (whole, *areas.values()):
        figures["training"] = _percent(figures.pop("_done"), figures.pop("_of"))
    return {"organisation": whole, "areas": areas, "policy": policy_figures(on)}


def policy_figures(on: datetime.date) -> dict[str, int]:
    """The figures the policy traceability page states, counted once a day here rather than on every view."""
    live_grants = AccessGrant.objects.filter(state__in=(AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED))
    reduced = (InformationAsset.Identifiability.ANONYMISED, InformationAsset.Identifiability.PSEUDONYMISED)
    grants = live_grants.aggregate(
        live=Count("pk"),
        active=Count("pk", filter=Q(state=AccessGrant.State.ACTIVE)),
        past_end=Count("pk", filter=Q(state=AccessGrant.State.ACTIVE, ends_on__lt=on)),
        anonymised=Count("pk", filter=Q(asset__identifiability=InformationAsset.Identifiability.ANONYMISED)),
        reduced=Count("pk", filter=Q(asset__identifiability__in=reduced)),
    )
    staff = User.objects.filter(is_active=True, is_system=False, is_external=False)
    trained = (
        TrainingStatus.objects.filter(
            course__is_active=True,
            course__audience=Course.Audience.ALL_STAFF,
            expires_on__gt=on,
            user__is_active=True,
            user__is_system=False,
        )
        .values("user_id")
        .distinct()
        .count()
    )
    assets = InformationAsset.objects.aggregate(
        total=Count("pk"), without_iam=Count("pk", filter=Q(manager__isnull=True) | Q(manager__is_active=False))
    )
    releases = StatisticalRelease.objects.aggregate(
        released=Count("pk", filter=Q(status=StatisticalRelease.Status.RELEASED)),
        signed_off=Count("pk", filter=~Q(status=StatisticalRelease.Status.DRAFT)),
    )
    incidents = open_counts()
    since = timezone.make_aware(datetime.datetime.combine(on - datetime.timedelta(days=30), datetime.time.min))
    return {
        "staff": staff.count(),
        "staff_trained": trained,
        "handlers_uncleared": len(uncleared_data_handler_ids(on)),
        "grants_live": grants["live"],
        "grants_active": grants["active"],
        "grants_past_end": grants["past_end"],
        "grants_anonymised": grants["anonymised"],
        "grants_anonymised_or_pseudonymised": grants["reduced"],
        "authorisations_recorded": AccessGrant.objects.count(),
        "accesses_recorded_30_days": AccessEvent.objects.filter(at__gte=since).count(),
        "assets": assets["total"],
        "assets_without_iam": assets["without_iam"],
        "contracts_past_destruction": ResearchContract.objects.filter(destruction_overdue(on)).count(),
        "releases_signed_off": releases["signed_off"],
        "releases_released": releases["released"],
        "incidents_open": incidents.open,
        "incidents_overdue": incidents.overdue,
    }


def _empty() -> dict:
    return {
        "_done": 0,
        "_of": 0,
        "training_by_course": {},
        "overdue_reviews": 0,
        "grants_past_recertification": 0,
        "contracts_past_destruction": 0,
    }


def _add_training(figures: dict, done: int, of: int) -> None:
    figures["_done"] += done
    figures["_of"] += of


def _percent(done: int, of: int) -> int | None:
    return round(100 * done / of) if of else None


def take_snapshot(on: datetime.date | None = None) -> tuple[ComplianceSnapshot, bool]:
    """The day's snapshot, taken if it is not there yet: ``(snapshot, created)``. Safe to run twice."""
    on = on or timezone.localdate()
    existing = ComplianceSnapshot.objects.filter(taken_on=on).first()
    if existing is not None:
        return existing, False
    figures = figures_on(on)
    try:
        with transaction.atomic():
            return ComplianceSnapshot.objects.create(taken_on=on, figures=figures), True
    except IntegrityError:  # a concurrent run took the day first
        return ComplianceSnapshot.objects.get(taken_on=on), False


FIRST_SNAPSHOT_TASK = "governance.trends.tasks.take_compliance_snapshot"
FIRST_SNAPSHOT_LOCK_SECONDS = 15 * 60  # should a worker lose the task, a view after this asks again


def first_snapshot_pending(on: datetime.date | None = None) -> bool:
    """True while no snapshot has ever been taken; the first call of the day enqueues the first one.

    One query when snapshots exist (every day after the first). Otherwise the first caller takes
    the day's lock in the cache and enqueues the task after its transaction commits; later callers
    find the lock and enqueue nothing. Where tasks run eagerly (no broker) the snapshot is taken
    there and then, and the answer is False.
    """
    if ComplianceSnapshot.objects.exists():
        return False
    on = on or timezone.localdate()
    if cache.add(f"trends:first-snapshot:{on.isoformat()}", True, timeout=FIRST_SNAPSHOT_LOCK_SECONDS):
        enqueue(FIRST_SNAPSHOT_TASK)
    return not ComplianceSnapshot.objects.exists()


@dataclass(frozen=True)
class Series:
    measure: str
    label: str
    points: list[tuple[datetime.date, int | None]]


def series_for(area: BusinessArea | None = None, days: int = 30, on: datetime.date | None = None) -> list[Series]:
    """Each measure over the last ``days`` snapshots, for one area or the organisation. One query.

    The organisation's series read only its part of each snapshot's figures: the rest, every area's
    figures, is some 40 times as much JSON to fetch and decode for nothing."""
    if area is None:
        on = on or timezone.localdate()
        whole = _ORGANISATION_SERIES.rows(since=on - datetime.timedelta(days=days), on=on)
        return _series([(day, figures or {}) for day, figures in whole])
    return _series(_of_area(list(_recent_snapshots(days, on)), area))


def _organisation_series(*, since: datetime.date, on: datetime.date) -> QuerySet:
    return (
        ComplianceSnapshot.objects.filter(taken_on__gt=since, taken_on__lte=on)
        .order_by("taken_on")
        .values_list("taken_on", "figures__organisation")
    )


# The organisation's series, compiled once: building the query cost the SIRO's report and the
# compliance page twice what PostgreSQL took to answer it.
_ORGANISATION_SERIES = CompiledQuery(_organisation_series, since=datetime.date, on=datetime.date)


def series_for_areas(areas, days: int = 30, on: datetime.date | None = None) -> dict[int, list[Series]]:
    """``series_for`` of each area, by its key: the snapshots are read once for them all. One query."""
    snapshots = list(_recent_snapshots(days, on))
    return {area.pk: _series(_of_area(snapshots, area)) for area in areas}


def _recent_snapshots(days: int, on: datetime.date | None):
    on = on or timezone.localdate()
    return ComplianceSnapshot.objects.filter(
        taken_on__gt=on - datetime.timedelta(days=days), taken_on__lte=on
    ).order_by("taken_on")


def _of_area(snapshots: list[ComplianceSnapshot], area: BusinessArea) -> list[tuple[datetime.date, dict]]:
    return [(snapshot.taken_on, snapshot.figures.get("areas", {}).get(str(area.pk), {})) for snapshot in snapshots]


def _series(figures_by_day: list[tuple[datetime.date, dict]]) -> list[Series]:
    return [
        Series(measure, label, [(day, figures.get(measure)) for day, figures in figures_by_day])
        for measure, label in MEASURES.items()
    ]
