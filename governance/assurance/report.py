"""The SIRO's report for the annual governance statement: one row per business area, for the page, the CSV
and the PDF.

A return counts in every area where its IAM manages an asset, so an IAM whose assets sit in two areas is
named in both. Every figure is a grouped SQL aggregate (returns, incidents, access, contracts, risks) or
read from the daily compliance snapshot (training), so the report takes the same number of queries
however many IAMs, returns, grants or contracts there are; no return's stored facts are read.

The change since the last round compares the round's returns and incidents with the previous round's, and
today's access, contract and training figures with the snapshot taken when the previous round's period ended.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection, router
from django.db.models import BigIntegerField, Count, Exists, F, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Cast
from django.utils import timezone

from governance.access.models import AccessGrant
from governance.access.selectors import grants_past_end, late_reviews_of_active_grants
from governance.assurance.models import AssuranceReturn, AssuranceRound, SiroReportApproval
from governance.assurance.risks import figure_filter, scored_risks
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import destruction_overdue
from governance.core.compiled import CompiledQuery, concrete_attnames
from governance.core.models import BusinessArea, User, person_name
from governance.incidents.models import Incident
from governance.incidents.queries import ICO_FIGURES, in_period
from governance.outputs.models import OutputSubmission
from governance.outputs.selectors import output_figures
from governance.privacy.models import DPIA, SharingAgreement
from governance.privacy.selectors import agreements_past_review, outstanding_dpias
from governance.register.models import InformationAsset
from governance.trends.models import ComplianceSnapshot

S = AssuranceReturn.State
RETURN_STATES = {
    "signed": (S.SIGNED, S.ACCEPTED),
    "accepted": (S.ACCEPTED,),
    "sent_back": (S.SENT_BACK,),
    "missing": (S.DRAFT,),
}
#: The measures whose change since the last round is shown.
CHANGED = (
    "returns_signed",
    "returns_missing",
    "returns_sent_back",
    "incidents",
    "ico_reports",
    "deadlines_missed",
    "training",
    "grants_past_recertification",
    "contracts_past_destruction",
)


@dataclass
class AreaRow:
    """One business area's figures. Plain values only: a signed report stores its rows as JSON."""

    area: str
    area_id: int | None = None
    returns_signed: int = 0
    returns_accepted: int = 0
    returns_sent_back: int = 0
    returns_missing: int = 0
    outstanding: list[dict] = field(default_factory=list)  # {"iam", "state", "return_id"}
    incidents: int = 0
    ico_reports: int = 0
    deadlines_missed: int = 0
    training: int | None = None
    grants_past_end: int = 0
    grants_past_recertification: int = 0
    contracts_past_destruction: int = 0
    agreements_past_review: int = 0
    risks_high: int = 0
    risks_medium: int = 0
    risks_low: int = 0
    risks_tolerated: int = 0
    risk_reviews_overdue: int = 0
    dpias_signed: int = 0
    dpias_outstanding: int = 0
    change: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Report:
    round: AssuranceRound
    previous: AssuranceRound | None
    rows: list[AreaRow]
    total: AreaRow
    snapshot_on: datetime.date | None
    today: datetime.date
    # Researchers' outputs of every contract: cleared, refused and pending (organisation-wide, not by area).
    outputs: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        """What a signature fixes: every row's figures, the total, and where the figures came from."""
        return {
            "rows": [dataclasses.asdict(r) for r in self.rows],
            "total": dataclasses.asdict(self.total),
            "previous": self.previous.period if self.previous else None,
            "snapshot_on": self.snapshot_on.isoformat() if self.snapshot_on else None,
            "today": self.today.isoformat(),
            "outputs": dict(self.outputs),
        }


def _names() -> dict[str, str]:
    """The tables and columns ``_returns`` names in its SQL, quoted, read from the models: a field renamed
    or given another column is followed there, as it is by every query the ORM writes."""
    qn = connection.ops.quote_name

    def column(model, field: str) -> str:
        return qn(model._meta.get_field(field).column)

    return {
        "returns": qn(AssuranceReturn._meta.db_table),
        "assets": qn(InformationAsset._meta.db_table),
        "users": qn(User._meta.db_table),
        "areas": qn(BusinessArea._meta.db_table),
        "area_pk": column(BusinessArea, "id"),
        "area_name": column(BusinessArea, "name"),
        "asset_iam": column(InformationAsset, "manager"),
        "asset_area": column(InformationAsset, "business_area"),
        "return_pk": column(AssuranceReturn, "id"),
        "return_iam": column(AssuranceReturn, "iam"),
        "return_round": column(AssuranceReturn, "round"),
        "return_state": column(AssuranceReturn, "state"),
        "user_pk": column(User, "id"),
        "first_name": column(User, "first_name"),
        "last_name": column(User, "last_name"),
        "username": column(User, "username"),
    }


class ReturnFigures(NamedTuple):
    by_area: dict[int | None, dict[str, int]]
    totals: dict[str, int]
    outstanding: dict[int | None, list[dict]]
    areas: list[tuple[int, str]]  # every business area (key, name) by name, when asked for


def _returns(round_: AssuranceRound, *, areas: bool = False) -> ReturnFigures:
    """The round's live returns: by state in each area of the IAMs' assets, by state in the whole round,
    and the IAMs whose return is not signed or was sent back, by area and name; with ``areas``, every
    business area by name, the report's rows (a statement of its own cost the page more than reading
    forty names). One query.

    An IAM has one live return a round (``return_one_live_per_iam``), so counting returns counts IAMs,
    and the IAMs counted in each state are apart: a figure over several states (signed: signed or
    accepted) is the sum of theirs. One whose assets are in two areas counts in both, and once in the
    whole round; one without assets in no area.

    By area, the (IAM, area) pairs of every asset are made distinct first, from the index of assets by
    IAM and area without reading the table, then met with the returns once for both the counts and the
    names: counting distinct IAMs over every asset's row, and naming them in a query of its own, took
    twice as long, and keeping only the pairs of IAMs with a return before meeting them a tenth longer.
    The round's totals by state come in the same statement.
    """
    by_area: dict[int | None, dict[str, int]] = {}
    outstanding: dict[int | None, list[dict]] = {}
    sql = (
        "WITH p AS (SELECT DISTINCT a.{asset_iam} AS iam_id, a.{asset_area} AS area FROM {assets} a "
        "WHERE a.{asset_area} IS NOT NULL), "
        "x AS (SELECT p.area AS area, r.{return_state} AS state, r.{return_iam} AS iam_id, r.{return_pk} AS id "
        "FROM {returns} r INNER JOIN p ON p.iam_id = r.{return_iam} "
        "WHERE r.{return_round} = %s AND r.{return_state} <> %s) "
        "SELECT 0, x.state, x.area, COUNT(*), NULL, NULL, NULL, NULL FROM x GROUP BY x.state, x.area "
        "UNION ALL "
        "SELECT 1, x.state, x.area, NULL, u.{first_name}, u.{last_name}, u.{username}, x.id "
        "FROM x INNER JOIN {users} u ON u.{user_pk} = x.iam_id WHERE x.state IN (%s, %s) "
        "UNION ALL "
        "SELECT 2, r.{return_state}, NULL, COUNT(*), NULL, NULL, NULL, NULL FROM {returns} r "
        "WHERE r.{return_round} = %s AND r.{return_state} <> %s GROUP BY r.{return_state} "
    )
    if areas:  # by name in the database's collation (as ``order_by("name")``), then key
        sql += "UNION ALL SELECT 3, NULL, NULL, NULL, b.{area_name}, NULL, NULL, b.{area_pk} FROM {areas} b "
    sql += "ORDER BY 1, 3, 6, 5, 8"
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(**_names()),  # the models' tables and columns, quoted; values are parameters
            [round_.pk, S.SUPERSEDED, S.DRAFT, S.SENT_BACK, round_.pk, S.SUPERSEDED],
        )
        rows = cursor.fetchall()
    totals = dict.fromkeys(RETURN_STATES, 0)
    named: list[tuple[int, str]] = []
    for part, state, area, iams, first_name, last_name, username, pk in rows:
        if part == 3:
            named.append((pk, first_name))
        elif part != 1:
            figures = by_area.setdefault(area, dict.fromkeys(RETURN_STATES, 0)) if part == 0 else totals
            for name, states in RETURN_STATES.items():
                if state in states:
                    figures[name] += iams
        else:
            name = person_name(first_name, last_name, username)
            outstanding.setdefault(area, []).append(
                {"iam": name, "state": "missing" if state == S.DRAFT else "sent_back", "return_id": pk}
            )
    return ReturnFigures(by_area, totals, outstanding, named)


#: The parts of ``_figures_query`` and the figures each counts by business area, in the order of its count
#: columns. A part counting one figure is named for it.
PARTS: dict[str, tuple[str, ...]] = {
    "contracts_total": ("contracts_total",),
    "grants_past_end": ("grants_past_end",),
    "grants_past_recertification": ("grants_past_recertification",),
    "contracts_past_destruction": ("contracts_past_destruction",),
    "agreements_past_review": ("agreements_past_review",),
    "incidents": ("incidents", "ico_reports", "deadlines_missed"),
    "incidents_before": ("incidents", "ico_reports", "deadlines_missed"),
    "risks": ("risks_high", "risks_medium", "risks_low", "risks_tolerated", "risk_reviews_overdue"),
    "dpias": ("dpias_signed", "dpias_outstanding"),
    "outputs": tuple(output_figures()),
}
_COUNTS = tuple(f"n{number}" for number in range(1, max(len(figures) for figures in PARTS.values()) + 1))
# Typed: PostgreSQL takes an untyped NULL in a union's first parts for text, and then refuses the counts.
_NO_COUNT = Cast(Value(None), output_field=BigIntegerField())
#: The risk list's filters behind the report's risk figures (``risks.figure_filter``), in ``PARTS`` order.
_RISK_FILTERS = ("high", "medium", "low", "tolerated", "review_overdue")

#: The figures of an area's row that are today's single counts.
TODAY_COUNTS = (
    "grants_past_end",
    "grants_past_recertification",
    "contracts_past_destruction",
    "agreements_past_review",
)


def _part(part: str, queryset: QuerySet, area: str | BaseExpression, *counts: Count) -> QuerySet:
    """``queryset`` counted by business area (``area``: a path to one, a subquery, or none) as rows
    (part, area, n1, ..., n5) of ``_figures_query``; the counts a part does not have are NULL."""
    if len(counts) != len(PARTS[part]):
        raise ValueError(f"{part}: {len(PARTS[part])} counts expected")
    area_of = F(area) if isinstance(area, str) else area
    columns = dict(zip(_COUNTS, (*counts, *[_NO_COUNT] * (len(_COUNTS) - len(counts))), strict=True))
    return queryset.annotate(part=Value(part), area=area_of).values("part", "area").annotate(**columns).order_by()


def _incidents_part(part: str, start: datetime.date, end: datetime.date, now: datetime.datetime) -> QuerySet:
    """Incidents the department became aware of in a period (the incident list's ``narrowed`` rules, which
    the report's links use), by their business area."""
    return _part(
        part,
        Incident.objects.filter(in_period(start, end)),
        "business_area_id",
        Count("pk"),
        Count("pk", filter=ICO_FIGURES["reported"][1](now)),
        Count("pk", filter=ICO_FIGURES["missed"][1](now)),
    )


def _figures_query(
    start: datetime.date,
    end: datetime.date,
    before: tuple[datetime.date, datetime.date] | None,
    late: bool = True,
    *,
    today: datetime.date,
    now: datetime.datetime,
) -> QuerySet:
    """Every grouped count of the report but the returns', as one UNION ALL (``PARTS``): each part was a
    statement of its own, and sending and reading each cost more than PostgreSQL took to count it.

    ``start`` and ``end`` are the round's period, ``before`` the previous round's (None without one).
    Without ``late`` (no active grant is past a recertification deadline) that part is left out: it
    counts nothing then, but PostgreSQL hashed every asset before finding so.
    """
    parts = [
        _part("contracts_total", ResearchContract.objects.filter(destruction_overdue(today)), _NO_COUNT, Count("pk")),
        _part(
            "grants_past_end",
            AccessGrant.objects.filter(grants_past_end(today)),
            "asset__business_area_id",
            Count("pk"),
        ),
        _part(
            "contracts_past_destruction",
            ContractAsset.objects.filter(destruction_overdue(today, "contract__")),
            "asset__business_area_id",
            Count("contract", distinct=True),
        ),
        _part(
            "agreements_past_review",
            SharingAgreement.objects.filter(agreements_past_review(today)),
            "business_area_id",
            Count("pk"),
        ),
        _incidents_part("incidents", start, end, now),
        _part(
            "risks",
            scored_risks(),
            "asset__business_area_id",
            *(Count("pk", filter=figure_filter(figure, today)) for figure in _RISK_FILTERS),
        ),
        _part(
            "dpias",
            DPIA.objects.all(),
            "business_area_id",
            Count("pk", filter=Q(state=DPIA.State.SIGNED)),
            Count("pk", filter=outstanding_dpias()),
        ),
    ]
    if late:
        parts.append(
            _part(
                "grants_past_recertification",
                late_reviews_of_active_grants(today),
                "grant__asset__business_area_id",
                Count("grant", distinct=True),
            )
        )
    outputs = (Count("pk", filter=rule) for rule in output_figures().values())
    parts.append(_part("outputs", OutputSubmission.objects.all(), _NO_COUNT, *outputs))
    if before is not None:
        parts.append(_incidents_part("incidents_before", *before, now))
    return parts[0].union(*parts[1:], all=True)


# Compiled once for each round and previous round (their periods shape the incidents' parts); today's date
# and the time vary.
_FIGURES = CompiledQuery(_figures_query, today=datetime.date, now=datetime.datetime)


def _figures(
    round_: AssuranceRound,
    previous: AssuranceRound | None,
    today: datetime.date,
    now: datetime.datetime,
    late: bool = True,
) -> dict[str, dict[int | None, dict[str, int]]]:
    """Each part's figures by business area (None: no area), from one query (``late``: as ``_figures_query``):

    - ``contracts_total`` (area None): contracts holding data past their destruction date, each once;
    - ``grants_past_end``: active grants past their end date;
    - ``grants_past_recertification``: active grants past a recertification deadline, unconfirmed;
    - ``contracts_past_destruction``: the contracts of ``contracts_total`` by the areas of the assets they
      draw on (a contract drawing on two areas counts in both);
    - ``agreements_past_review``: sharing agreements in force past their review date (the agreements
      register's ``past_review`` filter);
    - ``incidents`` and ``incidents_before``: incidents the department became aware of in the round's period
      and the previous round's, those reported to the ICO and those whose ICO deadline was missed;
    - ``risks``: risks not closed, open ones by rating band, tolerated ones and reviews overdue (each the
      filter the risk list applies for the report's links, ``risks.risks_behind``);
    - ``dpias``: DPIAs signed, and those screening says are (or may be) needed and not yet signed;
    - ``outputs`` (area None): researchers' outputs of every contract cleared, refused and pending.
    """
    before = (previous.period_start, previous.period_end) if previous is not None else None
    found: dict[str, dict[int | None, dict[str, int]]] = {part: {} for part in PARTS}
    fixed = (round_.period_start, round_.period_end, before, late)
    for part, area, *counts in _FIGURES.rows(*fixed, today=today, now=now):
        found[part][area] = dict(zip(PARTS[part], counts, strict=False))
    return found


def _snapshots_until(on) -> QuerySet:
    """Daily snapshots taken on or before ``on`` (a date or an outer reference), the latest first."""
    return ComplianceSnapshot.objects.filter(taken_on__lte=on).order_by("-taken_on")


def _rounds_before(start) -> QuerySet:
    """Rounds whose period starts before ``start`` (a date or an outer reference), the latest first:
    the first is the round before, whose figures the report compares with."""
    return AssuranceRound.objects.filter(period_start__lt=start).order_by("-period_start", "-pk")


def approvals_newest_first(round_) -> QuerySet:
    """The signed versions of the report of ``round_`` (a key or an outer reference), the newest first."""
    return SiroReportApproval.objects.filter(round=round_).order_by("-version")


#: What the report reads of the round before.
_EARLIER = ("pk", "period", "period_start", "period_end")


def _snapshot_query(*, on: datetime.date) -> QuerySet:
    return _snapshots_until(on).values("taken_on", "figures")[:1]


def _previous_query(*, before: datetime.date) -> QuerySet:
    return _rounds_before(before).values(*_EARLIER)[:1]


# The report's other lookups, compiled once as its counts are: building each query took longer than
# PostgreSQL took to answer it.
_SNAPSHOT = CompiledQuery(_snapshot_query, on=datetime.date)
_PREVIOUS = CompiledQuery(_previous_query, before=datetime.date)


def _snapshot(on: datetime.date) -> ComplianceSnapshot | None:
    """The latest daily snapshot taken on or before ``on`` (its day and figures). One query."""
    found = _SNAPSHOT.dicts(on=on)
    return ComplianceSnapshot(**found[0]) if found else None


def _from_snapshot(snapshot: ComplianceSnapshot | None, area_id: int | None, measure: str) -> int | None:
    if snapshot is None:
        return None
    figures = (
        snapshot.figures.get("areas", {}).get(str(area_id), {}) if area_id else snapshot.figures.get("organisation", {})
    )
    return figures.get(measure)


def _previous(round_: AssuranceRound) -> AssuranceRound | None:
    """The round before ``round_`` (its key, name and period: what the report reads of it). One query."""
    found = _PREVIOUS.dicts(before=round_.period_start)
    return AssuranceRound(**found[0]) if found else None


@dataclass(frozen=True)
class RoundHeader:
    """A round with what its report reads beside it: the round before it and the latest daily snapshot
    on ``today``."""

    round: AssuranceRound
    previous: AssuranceRound | None
    snapshot: ComplianceSnapshot | None
    today: datetime.date
    # Whether any active grant is past a recertification deadline (``grants_past_recertification``):
    # the report counts them by area only then.
    grants_late: bool = True
    # The round's latest signed version, if it has one: the page reads it (``latest_approval``) only then.
    approval_id: int | None = None


def _header_query(*, pk: int, today: datetime.date) -> QuerySet:
    earlier = _rounds_before(OuterRef("period_start"))
    latest = _snapshots_until(today)
    return (
        AssuranceRound.objects.filter(pk=pk)
        .annotate(
            **{f"earlier_{name}": Subquery(earlier.values(name)[:1]) for name in _EARLIER},
            snapshot_on=Subquery(latest.values("taken_on")[:1]),
            snapshot_figures=Subquery(latest.values("figures")[:1], output_field=JSONField()),
            grants_late=Exists(late_reviews_of_active_grants(today)),
            approval_id=Subquery(approvals_newest_first(OuterRef("pk")).values("pk")[:1]),
        )
        .values_list(
            *concrete_attnames(AssuranceRound),
            *(f"earlier_{name}" for name in _EARLIER),
            "snapshot_on",
            "snapshot_figures",
            "grants_late",
            "approval_id",
        )
    )


# The report's page reads its round, the round before and the snapshot in one statement: three small
# statements of their own cost it more than PostgreSQL took to answer them.
_HEADER = CompiledQuery(_header_query, pk=int, today=datetime.date)


def round_header(pk: int, today: datetime.date | None = None) -> RoundHeader | None:
    """The round ``pk`` with the round before it and the latest snapshot on ``today``; None without such a round."""
    today = today or timezone.localdate()
    db = router.db_for_read(AssuranceRound)
    found = _HEADER.rows(using=db, pk=pk, today=today)
    if not found:
        return None
    row = found[0]
    columns = concrete_attnames(AssuranceRound)
    round_ = AssuranceRound.from_db(db, columns, row[: len(columns)])
    earlier = dict(zip(_EARLIER, row[len(columns) : len(columns) + len(_EARLIER)], strict=True))
    previous = AssuranceRound(**earlier) if earlier["pk"] is not None else None
    taken_on, figures, grants_late, approval_id = row[-4:]
    snapshot = ComplianceSnapshot(taken_on=taken_on, figures=figures) if taken_on is not None else None
    return RoundHeader(round_, previous, snapshot, today, bool(grants_late), approval_id)


def build_report(
    round_: AssuranceRound,
    today: datetime.date | None = None,
    *,
    outputs: bool = True,
    header: RoundHeader | None = None,
) -> Report:
    """Every area's row, the organisation's total and the change since the previous round; without
    ``outputs``, not the researchers' outputs (the CSV has no column for them). ``header``: the round's
    ``round_header``, when the page has read it (the round before and the snapshot are then not read again)."""
    today = today or timezone.localdate()
    now = timezone.now()
    returns, returns_total, outstanding, areas = _returns(round_, areas=True)
    if header is not None and header.round.pk == round_.pk and header.today == today:
        snapshot, previous, late = header.snapshot, header.previous, header.grants_late
    else:
        snapshot, previous, late = _snapshot(today), _previous(round_), True
    figures = _figures(round_, previous, today, now, late)
    incidents, before_incidents = figures["incidents"], figures["incidents_before"]
    if previous is not None:
        before_returns, before_returns_total, _, _ = _returns(previous)
        before_snapshot = _snapshot(previous.period_end)
    else:
        before_returns, before_returns_total, before_snapshot = {}, {}, None

    def fill(row: AreaRow, key: int | None) -> None:
        for name, value in returns.get(key, {}).items():
            setattr(row, f"returns_{name}", value)
        row.outstanding = outstanding.get(key, [])
        for part in ("incidents", "risks", "dpias", *TODAY_COUNTS):
            for name, value in figures[part].get(key, {}).items():
                setattr(row, name, value)
        row.training = _from_snapshot(snapshot, key, "training")

    rows = []
    for pk, name in areas:
        row = AreaRow(name, pk)
        fill(row, pk)
        before = {f"returns_{k}": v for k, v in before_returns.get(pk, {}).items()}
        before.update(before_incidents.get(pk, {}))
        row.change = _change(row, before, before_snapshot, pk, previous is not None)
        rows.append(row)

    total = AreaRow("All areas")
    for name, value in returns_total.items():
        setattr(total, f"returns_{name}", value)
    total.outstanding = []
    for row in rows:
        for name in (
            "grants_past_end",
            "grants_past_recertification",
            "agreements_past_review",
            "risks_high",
            "risks_medium",
            "risks_low",
            "risks_tolerated",
            "risk_reviews_overdue",
            "dpias_signed",
            "dpias_outstanding",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    for in_area in incidents.values():  # incidents with no area count in the total
        for name, value in in_area.items():
            setattr(total, name, getattr(total, name) + value)
    total.contracts_past_destruction = figures["contracts_total"].get(None, {}).get("contracts_total", 0)
    total.training = _from_snapshot(snapshot, None, "training")
    before_total = {f"returns_{k}": v for k, v in before_returns_total.items()}
    for in_area in before_incidents.values():
        for name, value in in_area.items():
            before_total[name] = before_total.get(name, 0) + value
    total.change = _change(total, before_total, before_snapshot, None, previous is not None)
    return Report(
        round_,
        previous,
        rows,
        total,
        snapshot.taken_on if snapshot else None,
        today,
        {**dict.fromkeys(PARTS["outputs"], 0), **figures["outputs"].get(None, {})} if outputs else {},
    )


def _change(
    row: AreaRow, before: dict[str, int], snapshot: ComplianceSnapshot | None, area_id: int | None, has_previous: bool
) -> dict[str, int | None]:
    """Each measure's change since the previous round; None where there is nothing to compare with."""
    if not has_previous:
        return dict.fromkeys(CHANGED)
    change: dict[str, int | None] = {}
    for name in CHANGED:
        if name in ("training", "grants_past_recertification", "contracts_past_destruction"):
            earlier = _from_snapshot(snapshot, area_id, name)
        else:
            earlier = before.get(name, 0)
        now = getattr(row, name)
        change[name] = None if earlier is None or now is None else now - earlier
    return change


def report_rows(round_: AssuranceRound) -> list[AreaRow]:
    """The areas' rows without the total (for callers that only list areas)."""
    return build_report(round_).rows


CSV_COLUMNS = (
    ("business area", "area"),
    ("returns signed", "returns_signed"),
    ("returns accepted", "returns_accepted"),
    ("returns sent back", "returns_sent_back"),
    ("returns missing", "returns_missing"),
    ("IAMs with returns missing or sent back", "outstanding"),
    ("incidents", "incidents"),
    ("reported to the ICO", "ico_reports"),
    ("ICO deadlines missed", "deadlines_missed"),
    ("training compliance (%)", "training"),
    ("grants past their end date", "grants_past_end"),
    ("grants past recertification", "grants_past_recertification"),
    ("contracts past destruction", "contracts_past_destruction"),
    ("sharing agreements past review", "agreements_past_review"),
    ("high risks", "risks_high"),
    ("medium risks", "risks_medium"),
    ("low risks", "risks_low"),
    ("risks tolerated", "risks_tolerated"),
    ("risk reviews overdue", "risk_reviews_overdue"),
    ("DPIAs signed", "dpias_signed"),
    ("DPIAs outstanding", "dpias_outstanding"),
    *((f"change in {name.replace('_', ' ')}", f"change.{name}") for name in CHANGED),
)


def _cell(row: AreaRow, key: str):
    if key == "outstanding":
        return "; ".join(
            f"{o['iam']} ({'sent back' if o['state'] == 'sent_back' else 'not signed'})" for o in row.outstanding
        )
    value = row.change.get(key.removeprefix("change.")) if key.startswith("change.") else getattr(row, key)
    return "" if value is None else value


def report_csv(round_: AssuranceRound) -> str:
    report = build_report(round_, outputs=False)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for label, _ in CSV_COLUMNS])
    for row in [*report.rows, report.total]:
        writer.writerow([_safe(str(_cell(row, key))) for _, key in CSV_COLUMNS])
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (a negative change stays a number)."""
    if text[:1] == "-" and text[1:].isdigit():
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
