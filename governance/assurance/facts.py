"""The facts of an IAM's return, computed from live records in a fixed number of queries.

Nothing here is typed by the IAM: the return shows what the register, access, contracts,
releases, training, risks and incidents say about the IAM's assets. The result is plain
JSON so it can be stored with the return and fixed by its digest when signed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from governance.access.models import AccessGrant, AccessReview
from governance.assurance.models import AssuranceRound
from governance.assurance.risks import open_risks
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.models import User
from governance.incidents.queries import touching_assets
from governance.register.models import InformationAsset
from governance.releases.models import ReleaseSource
from governance.training.models import Course, TrainingStatus

LIVE_GRANTS = (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)
DESTROYED = (ResearchContract.Status.DESTRUCTION_CERTIFIED, ResearchContract.Status.CLOSED)


def iam_ids_with_assets() -> list[int]:
    """Every active IAM who manages at least one asset: one return each."""
    return list(
        InformationAsset.objects.filter(manager__isnull=False, manager__is_active=True)
        .order_by("manager_id")
        .values_list("manager_id", flat=True)
        .distinct()
    )


def _day(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


#: The layout of the facts a return stores; returns signed before it keep their own and are shown with it.
FORMAT = 2

#: Where a live grant stands in recertification. A grant approved since the campaign began has not been
#: asked about yet: that is "not yet due", never "not confirmed".
CONFIRMED, DUE, OVERDUE, NOT_YET_DUE = "confirmed", "due", "overdue", "not_yet_due"


def recertification_state(
    grant: AccessGrant, pending_deadline: datetime.date | None, last_decision: str | None, today: datetime.date
) -> tuple[str, datetime.date | None]:
    """The grant's recertification state and the date that goes with it (deadline, or day confirmed)."""
    if grant.state == AccessGrant.State.SUSPENDED and grant.suspension == AccessGrant.Suspension.NOT_RECERTIFIED:
        return OVERDUE, pending_deadline
    if pending_deadline is not None:
        return (OVERDUE if pending_deadline < today else DUE), pending_deadline
    if last_decision == AccessReview.Decision.CONFIRM:
        return CONFIRMED, None
    return NOT_YET_DUE, None


def compute_facts(iam: User, round_: AssuranceRound, today: datetime.date | None = None) -> dict:
    """The return's content for ``iam`` in ``round_``. Nine queries however many assets, grants or contracts.

    Every count in the summary counts distinct records (a contract that draws on three of the IAM's
    assets is one contract), and people, assets and data items are named as people read them.
    """
    today = today or timezone.localdate()
    assets = list(
        InformationAsset.objects.filter(manager=iam)
        .select_related("business_area")
        .prefetch_related("items")
        .order_by("name", "pk")
    )
    ids = [a.pk for a in assets]
    last_review = AccessReview.objects.filter(grant=OuterRef("pk")).exclude(decision="").order_by("-decided_at")
    pending = AccessReview.objects.filter(grant=OuterRef("pk"), decision="", campaign__closed_at__isnull=True).order_by(
        "campaign__deadline"
    )
    grants = list(
        AccessGrant.objects.filter(asset_id__in=ids, state__in=LIVE_GRANTS)
        .select_related("holder", "request")
        .annotate(
            item_count=Count("items", distinct=True),
            last_decision=Subquery(last_review.values("decision")[:1]),
            last_decided_at=Subquery(last_review.values("decided_at")[:1]),
            pending_deadline=Subquery(pending.values("campaign__deadline")[:1]),
        )
        .order_by("asset_id", "ends_on", "pk")
    )
    contracts = list(
        ContractAsset.objects.filter(asset_id__in=ids).select_related("contract").order_by("asset_id", "contract_id")
    )
    releases = list(
        ReleaseSource.objects.filter(asset_id__in=ids).select_related("release").order_by("asset_id", "release_id")
    )
    risks = list(open_risks().filter(asset_id__in=ids).select_related("owner").order_by("asset_id", "pk"))
    holder_ids = {g.holder_id for g in grants}
    courses = list(Course.objects.filter(is_active=True).order_by("pk"))
    current = defaultdict(set)
    for user_id, course_id in TrainingStatus.objects.filter(
        user_id__in=holder_ids, course__is_active=True, expires_on__gt=today
    ).values_list("user_id", "course_id"):
        current[user_id].add(course_id)
    incidents = list(
        touching_assets(
            ids,
            datetime.datetime.combine(round_.period_start, datetime.time.min, tzinfo=datetime.UTC),
            datetime.datetime.combine(
                round_.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
            ),
        ).prefetch_related("links")
        if ids
        else []
    )

    by_asset: dict[int, dict] = {}
    for asset in assets:
        by_asset[asset.pk] = {
            "id": asset.pk,
            "name": asset.name,
            "business_area": str(asset.business_area),
            "business_area_id": asset.business_area_id,
            "classification": asset.get_classification_display(),
            "personal_data": asset.contains_personal_data,
            "special_category": asset.special_category,
            "identifiability": asset.get_identifiability_display(),
            "next_review_date": _day(asset.next_review_date),
            "review_overdue": asset.next_review_date < today,
            "items": [
                {"name": i.description or i.name, "sensitivity": i.get_sensitivity_display()} for i in asset.items.all()
            ],
            "grants": [],
            "contracts": [],
            "releases": [],
            "risks": [],
            "incidents": [],
        }
    missing_training: set[int] = set()
    recertification: dict[str, int] = dict.fromkeys((CONFIRMED, DUE, OVERDUE, NOT_YET_DUE), 0)
    for grant in grants:
        trained = current.get(grant.holder_id, set())
        needs = [c for c in courses if c.audience == Course.Audience.ALL_STAFF or grant.holder.is_data_handler]
        missing = [c.title for c in needs if c.pk not in trained]
        if missing:
            missing_training.add(grant.holder_id)
        state, on = recertification_state(grant, grant.pending_deadline, grant.last_decision, today)
        recertification[state] += 1
        by_asset[grant.asset_id]["grants"].append(
            {
                "holder": grant.holder.display_name,
                "purpose": (grant.request.purpose or "")[:300],
                "items": grant.item_count,
                "ends_on": _day(grant.ends_on),
                "state": grant.get_state_display(),
                "past_end": grant.ends_on < today,
                "recertification": state,
                "recertification_date": _day(on)
                or (
                    _day(timezone.localdate(grant.last_decided_at))
                    if state == CONFIRMED and grant.last_decided_at
                    else None
                ),
                "training_missing": missing,
            }
        )
    contracts_seen: set[int] = set()
    contracts_overdue: set[int] = set()
    for link in contracts:
        contract = link.contract
        past = contract.destruction_due_date < today and contract.status not in DESTROYED
        contracts_seen.add(contract.pk)
        if past:
            contracts_overdue.add(contract.pk)
        by_asset[link.asset_id]["contracts"].append(
            {
                "reference": contract.reference,
                "status": contract.get_status_display(),
                "retention_end": _day(contract.retention_end_date),
                "destruction_due": _day(contract.destruction_due_date),
                "past_destruction": past,
            }
        )
    for source in releases:
        by_asset[source.asset_id]["releases"].append(
            {"title": source.release.title, "status": source.release.get_status_display()}
        )
    for risk in risks:
        by_asset[risk.asset_id]["risks"].append(
            {
                "description": risk.description[:300],
                "rating": risk.rating,
                "band": risk.band,
                "status": risk.get_status_display(),
                "owner": risk.owner.display_name,
                "review_date": _day(risk.review_date),
                "review_overdue": risk.review_date < today,
            }
        )
    for incident in incidents:
        for link in incident.links.all():
            if link.asset_id in by_asset:
                entry = {
                    "reference": incident.reference,
                    "title": incident.title,
                    "state": incident.get_state_display(),
                }
                if entry not in by_asset[link.asset_id]["incidents"]:
                    by_asset[link.asset_id]["incidents"].append(entry)

    rows = list(by_asset.values())
    return {
        "format": FORMAT,
        "computed_on": today.isoformat(),
        "assets": rows,
        "summary": {
            "assets": len(rows),
            "personal_data": sum(r["personal_data"] for r in rows),
            "register_reviews_overdue": sum(r["review_overdue"] for r in rows),
            "grants": len(grants),
            "grants_past_end": sum(g.ends_on < today for g in grants),
            "recertification_confirmed": recertification[CONFIRMED],
            "recertification_due": recertification[DUE],
            "recertification_overdue": recertification[OVERDUE],
            "recertification_not_yet_due": recertification[NOT_YET_DUE],
            "holders": len(holder_ids),
            "holders_missing_training": len(missing_training),
            "contracts": len(contracts_seen),
            "contracts_past_destruction": len(contracts_overdue),
            "releases": len({s.release_id for s in releases}),
            "open_risks": len(risks),
            "high_risks": sum(k.band == "high" for k in risks),
            "risk_reviews_overdue": sum(k.review_date < today for k in risks),
            "incidents": len(incidents),
        },
    }
