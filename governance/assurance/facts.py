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


def compute_facts(iam: User, round_: AssuranceRound, today: datetime.date | None = None) -> dict:
    """The return's content for ``iam`` in ``round_``. Nine queries however many assets, grants or contracts."""
    today = today or timezone.localdate()
    assets = list(
        InformationAsset.objects.filter(manager=iam)
        .select_related("business_area")
        .prefetch_related("items")
        .order_by("name", "pk")
    )
    ids = [a.pk for a in assets]
    last_review = AccessReview.objects.filter(grant=OuterRef("pk")).exclude(decision="").order_by("-decided_at")
    grants = list(
        AccessGrant.objects.filter(asset_id__in=ids, state__in=LIVE_GRANTS)
        .select_related("holder", "request")
        .annotate(
            item_count=Count("items", distinct=True),
            last_decision=Subquery(last_review.values("decision")[:1]),
            last_decided_at=Subquery(last_review.values("decided_at")[:1]),
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
            "classification": asset.get_classification_display(),
            "personal_data": asset.contains_personal_data,
            "special_category": asset.special_category,
            "identifiability": asset.get_identifiability_display(),
            "next_review_date": _day(asset.next_review_date),
            "review_overdue": asset.next_review_date < today,
            "items": [{"name": i.name, "sensitivity": i.get_sensitivity_display()} for i in asset.items.all()],
            "grants": [],
            "contracts": [],
            "releases": [],
            "risks": [],
            "incidents": [],
        }
    for grant in grants:
        trained = current.get(grant.holder_id, set())
        needs = [c for c in courses if c.audience == Course.Audience.ALL_STAFF or grant.holder.is_data_handler]
        by_asset[grant.asset_id]["grants"].append(
            {
                "holder": grant.holder.display_name,
                "purpose": (grant.request.purpose or "")[:300],
                "items": grant.item_count,
                "ends_on": _day(grant.ends_on),
                "state": grant.get_state_display(),
                "past_end": grant.ends_on < today,
                "recertification": grant.last_decision or "not yet reviewed",
                "training_missing": [c.title for c in needs if c.pk not in trained],
            }
        )
    for link in contracts:
        contract = link.contract
        by_asset[link.asset_id]["contracts"].append(
            {
                "reference": contract.reference,
                "status": contract.get_status_display(),
                "retention_end": _day(contract.retention_end_date),
                "destruction_due": _day(contract.destruction_due_date),
                "past_destruction": contract.destruction_due_date < today and contract.status not in DESTROYED,
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
        "computed_on": today.isoformat(),
        "assets": rows,
        "summary": {
            "assets": len(rows),
            "personal_data": sum(r["personal_data"] for r in rows),
            "grants": sum(len(r["grants"]) for r in rows),
            "grants_past_end": sum(g["past_end"] for r in rows for g in r["grants"]),
            "grants_not_recertified": sum(g["recertification"] != "confirm" for r in rows for g in r["grants"]),
            "holders_missing_training": len({g["holder"] for r in rows for g in r["grants"] if g["training_missing"]}),
            "contracts": sum(len(r["contracts"]) for r in rows),
            "contracts_past_destruction": sum(c["past_destruction"] for r in rows for c in r["contracts"]),
            "releases": sum(len(r["releases"]) for r in rows),
            "open_risks": sum(len(r["risks"]) for r in rows),
            "high_risks": sum(k["band"] == "high" for r in rows for k in r["risks"]),
            "risk_reviews_overdue": sum(k["review_overdue"] for r in rows for k in r["risks"]),
            "incidents": len({i["reference"] for r in rows for i in r["incidents"]}),
        },
    }
