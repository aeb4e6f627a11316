"""The records the oversight pages read, in proportion to the rest of the seed.

Incidents (one for every 100 grants, at least six) in every state, each naming one grant and its
asset, and one open incident naming 50 grants (fewer when the seed has fewer): the incident page is
measured naming 1 and 50 grants. This year's assurance round, with a return for every IAM whose facts
are computed as the round's preparation computes them, four in five signed (answers, signature and
digest exactly as the signing service stores them) and a third of those accepted, so the SIRO's
report and the round and return pages read a finished round. And a year of daily compliance
snapshots (today's computed, the year before drifting back from it), so the compliance dashboard
and the policy page read the history they would after a year in service. Requests waiting for the
benchmark IAM's decision (one for every 25 grants, between 2 and 25), so the decisions page lists
rows at every size and its query count is compared over different numbers of them.

Every row goes through ``AuditedBulk``, so each has its CREATE audit entry.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict

from django.utils import timezone

from governance.access.models import AccessGrant, AccessRequest, AccessRequestItem, StatusChange
from governance.assurance.facts import compute_facts, iam_ids_with_assets
from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.returns import content_digest
from governance.core.models import BusinessArea, User
from governance.incidents.models import REPORTING_WINDOW, Incident, IncidentAction, IncidentLink
from governance.register.models import DataItem, InformationAsset
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import figures_on

from .bulk import AuditedBulk

#: The grants the largest seeded incident names: the incident page is measured with it.
MANY_GRANTS = 50
SNAPSHOT_DAYS = 365
INCIDENT_KINDS = list(Incident.Kind.values)


def seed_oversight(plan, rng, *, assets, staff, bench, grants, bulk: AuditedBulk, progress) -> None:
    progress.begin("incidents")
    incidents = _incidents(plan, rng, staff, bench, grants, bulk)
    progress(f"{incidents} incidents")
    progress.begin("assurance round")
    returns = _round(assets, bench, bulk)
    if returns:
        progress(f"an assurance round of {returns} returns")
    progress.begin("compliance snapshots")
    progress(f"{_snapshots(rng, bulk)} daily compliance snapshots")
    progress.begin("requests waiting")
    progress(f"{_waiting_requests(plan, assets, staff, bench, bulk)} requests waiting for the IAM's decision")


def _waiting_requests(plan, assets, staff, bench, bulk: AuditedBulk) -> int:
    """Submitted requests on the benchmark IAM's assets, each asking for two non-personal items."""
    iam = bench["iam"]
    theirs = [a for a in assets if a.manager_id == iam.pk]
    requesters = [p for p in staff if p.is_data_handler and p.pk != iam.pk] or [p for p in staff if p.pk != iam.pk]
    if not theirs or not requesters:
        return 0
    count = max(2, min(25, plan.grants // 25))
    today, now = timezone.localdate(), timezone.now()
    requests = bulk.create(
        AccessRequest,
        [
            AccessRequest(
                requester=requesters[(n * 11) % len(requesters)],
                asset=theirs[n % len(theirs)],
                purpose="Scale test analysis, waiting",
                business_case="Synthetic.",
                requested_end_date=today + datetime.timedelta(days=90),
                state="submitted",
                submitted_at=now,
            )
            for n in range(count)
        ],
    )
    items = defaultdict(list)
    for item in DataItem.objects.filter(asset__in=theirs, sensitivity=DataItem.Sensitivity.NON_PERSONAL).order_by("pk"):
        items[item.asset_id].append(item)
    bulk.create(
        AccessRequestItem,
        [
            AccessRequestItem(request=r, data_item=i, justification="Needed")
            for r in requests
            for i in items[r.asset_id][:2]
        ],
    )
    bulk.create(
        StatusChange,
        [StatusChange(request=r, from_state="draft", to_state="submitted", by=r.requester) for r in requests],
    )
    return len(requests)


def _incidents(plan, rng, staff, bench, grants: list[AccessGrant], bulk: AuditedBulk) -> int:
    """Incidents in turn reported, being handled and closed, each naming one grant and its asset;
    the last one open and naming ``MANY_GRANTS`` grants."""
    if not grants:
        return 0
    now = timezone.now()
    count = max(plan.grants // 100, 6)
    states = [Incident.State.REPORTED, Incident.State.TRIAGED, Incident.State.CLOSED]
    reporters = [bench["staff"], *staff[: max(len(staff) // 50, 1)]]
    incidents, named = [], []
    for n in range(count + 1):
        many = n == count
        state = Incident.State.TRIAGED if many else states[n % len(states)]
        aware = now - datetime.timedelta(hours=rng.randint(2, 24 * 300))
        # The large incident has the shape of the first open one (no ICO decision yet), so its page
        # differs from that one's only by the grants it names.
        decided = state == Incident.State.CLOSED or (state == Incident.State.TRIAGED and n % 2 == 0 and not many)
        closed = state == Incident.State.CLOSED
        personal = n % 2 == 0 or many
        first = (n * 37) % len(grants)
        chosen = [grants[(first + k) % len(grants)] for k in range(min(MANY_GRANTS, len(grants)) if many else 1)]
        incidents.append(
            Incident(
                title=f"Extract of {chosen[0].asset.name} sent to the wrong team"
                if not many
                else f"Shared drive of {len(chosen)} extracts left open",
                description="Synthetic incident for scale testing.",
                kind=INCIDENT_KINDS[n % len(INCIDENT_KINDS)],
                reported_by=reporters[n % len(reporters)],
                reported_at=aware,
                found_at=aware - datetime.timedelta(hours=1),
                aware_at=aware,
                # bulk_create calls no save(): the deadline save() derives is set here.
                ico_deadline=aware + REPORTING_WINDOW,
                business_area_id=chosen[0].asset.business_area_id,
                personal_data=personal,
                special_category=personal and n % 4 == 0,
                people_affected=10 + n if personal else None,
                state=state,
                handler=bench["siro"] if state != Incident.State.REPORTED else None,
                severity=rng.choice(Incident.Severity.values) if state != Incident.State.REPORTED else "",
                risk_level=Incident.Risk.RISK if state != Incident.State.REPORTED and personal else "",
                risk_assessment="Synthetic assessment." if state != Incident.State.REPORTED else "",
                triaged_at=aware + datetime.timedelta(hours=1) if state != Incident.State.REPORTED else None,
                triaged_by=bench["siro"] if state != Incident.State.REPORTED else None,
                ico_decision=Incident.IcoDecision.NOT_REPORT if decided else "",
                ico_reason="Unlikely to result in a risk to people." if decided else "",
                ico_decided_at=aware + datetime.timedelta(hours=20) if decided else None,
                ico_decided_by=bench["siro"] if decided else None,
                lessons="Checked recipients before sending." if closed else "",
                closed_at=aware + datetime.timedelta(days=10) if closed else None,
                closed_by=bench["siro"] if closed else None,
            )
        )
        named.append(chosen)
    incidents = bulk.create(Incident, incidents)
    links, actions = [], []
    for incident, chosen in zip(incidents, named, strict=True):
        added = incident.aware_at + datetime.timedelta(minutes=30)
        by = bench["siro"]
        links.append(IncidentLink(incident=incident, asset_id=chosen[0].asset_id, added_by=by, added_at=added))
        links += [IncidentLink(incident=incident, grant=g, added_by=by, added_at=added) for g in chosen]
        if incident.state != Incident.State.REPORTED:
            done = incident.state == Incident.State.CLOSED
            actions.append(
                IncidentAction(
                    incident=incident,
                    description="Ask the recipient to delete the extract and confirm it.",
                    owner=bench["siro"],
                    due_on=timezone.localdate(incident.aware_at) + datetime.timedelta(days=3),
                    state=IncidentAction.State.DONE if done else IncidentAction.State.OPEN,
                    outcome="Deleted and confirmed." if done else "",
                    created_by=bench["siro"],
                    created_at=added,
                    completed_at=incident.closed_at if done else None,
                )
            )
    bulk.create(IncidentLink, links)
    bulk.create(IncidentAction, actions)
    return len(incidents)


def _round(assets: list[InformationAsset], bench, bulk: AuditedBulk) -> int:
    """This year's round: a return per IAM with the facts preparation computes, most signed."""
    iam_ids = iam_ids_with_assets()
    if not iam_ids:
        return 0
    today = timezone.localdate()
    now = timezone.now()
    (round_,) = bulk.create(
        AssuranceRound,
        [
            AssuranceRound(
                period=f"{today.year - 1} to {today.year} (scale)",
                period_start=today - datetime.timedelta(days=365),
                period_end=today - datetime.timedelta(days=1),
                due_date=today + datetime.timedelta(days=30),
                opened_by=bench["siro"],
                opened_at=now - datetime.timedelta(days=20),
                state=AssuranceRound.State.OPEN,
                iam_total=len(iam_ids),
                prepared=len(iam_ids),
            )
        ],
    )
    area_of: dict[int, int] = {}
    for asset in sorted(assets, key=lambda a: a.business_area_id):
        if asset.manager_id:
            area_of.setdefault(asset.manager_id, asset.business_area_id)
    deputy_of: dict[int | None, int] = defaultdict(lambda: bench["siro"].pk)
    deputy_of.update(BusinessArea.objects.filter(deputy_siro__isnull=False).values_list("pk", "deputy_siro_id"))
    users = User.objects.in_bulk(iam_ids)
    returns = []
    for n, pk in enumerate(iam_ids):
        iam = users[pk]
        ret = AssuranceReturn(
            round=round_,
            iam=iam,
            business_area_id=area_of.get(pk),
            facts=compute_facts(iam, round_, today),
            facts_at=now - datetime.timedelta(days=20),
        )
        # The bench IAM's return waits for a signature; four in five of the others are signed.
        if pk != bench["iam"].pk and n % 5 != 4:
            ret.register_accurate = ret.incidents_reported = ret.risks_managed = ret.access_still_needed = True
            ret.changes = "No changes in the period."
            ret.signed_by = iam
            ret.signed_at = now - datetime.timedelta(days=n % 19 + 1)
            ret.state = AssuranceReturn.State.SIGNED
            ret.digest = content_digest(ret)
            deputy = deputy_of[area_of.get(pk)]
            if n % 3 == 0 and deputy != pk:
                ret.state = AssuranceReturn.State.ACCEPTED
                ret.decided_by_id = deputy
                ret.decided_at = ret.signed_at + datetime.timedelta(hours=4)
        returns.append(ret)
    return len(bulk.create(AssuranceReturn, returns))


def _snapshots(rng, bulk: AuditedBulk) -> int:
    """A year of daily snapshots: today's computed from the records, each day before a little worse."""
    today = timezone.localdate()
    if ComplianceSnapshot.objects.filter(taken_on__gt=today - datetime.timedelta(days=SNAPSHOT_DAYS)).exists():
        return 0
    current = figures_on(today)
    snapshots = []
    for back in range(SNAPSHOT_DAYS):
        day = today - datetime.timedelta(days=back)
        figures = current if back == 0 else _earlier(current, back, rng)
        taken = timezone.make_aware(datetime.datetime.combine(day, datetime.time(2, 0)))
        snapshots.append(ComplianceSnapshot(taken_on=day, taken_at=taken, figures=figures))
    return len(bulk.create(ComplianceSnapshot, snapshots))


def _earlier(current: dict, back: int, rng) -> dict:
    """``current`` as it might have read ``back`` days ago: training lower, more overdue."""
    figures = copy.deepcopy(current)
    drift = back / SNAPSHOT_DAYS
    for share in (figures["organisation"], *figures["areas"].values()):
        if share.get("training") is not None:
            share["training"] = max(0, round(share["training"] - 15 * drift + rng.uniform(-2, 2)))
        share["training_by_course"] = {
            title: None if percent is None else max(0, round(percent - 15 * drift))
            for title, percent in share.get("training_by_course", {}).items()
        }
        for measure in ("overdue_reviews", "grants_past_recertification", "contracts_past_destruction"):
            share[measure] = max(0, round(share.get(measure, 0) * (1 + drift) + rng.randint(-1, 1)))
    return figures
