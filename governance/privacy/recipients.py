"""The recipients of a processing activity's personal data, read from live records, never typed in.

- Inside the department: the live access grants on its assets, summarised by the holders'
  business area ("Working Age Benefits: 12 people").
- Research contracts drawing on its assets (not yet closed).
- Sharing agreements giving data from its assets (drafted or in force, not ended).
- The processors named on the activity.

``recipients_for`` gathers them for many activities at once in a fixed number of queries (the
detail page asks for one, the export for every row).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from governance.access.models import AccessGrant
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.models import BusinessArea
from governance.core.plurals import plural
from governance.privacy.models import ProcessingActivity, SharingAgreement


@functools.lru_cache(maxsize=1024)
def _people(count: int) -> str:
    """ "1 person", "12 people": written once for each count, as the record of processing writes some 4,000
    (an area's holders for each activity), mostly the same few small numbers."""
    return plural(count, "person", "people")


@dataclass
class Recipients:
    internal: list[tuple[str, int]] = field(default_factory=list)  # (business area, people)
    contracts: list[ResearchContract] = field(default_factory=list)
    agreements: list[SharingAgreement] = field(default_factory=list)
    processors: list = field(default_factory=list)

    @property
    def internal_text(self) -> list[str]:
        return [f"{area}: {_people(people)}" for area, people in self.internal]

    def as_text(self) -> str:
        parts = [f"Within the department: {'; '.join(self.internal_text)}"] if self.internal else []
        if self.contracts:
            parts.append(
                "Research contracts: " + "; ".join(f"{c.organisation.name} ({c.reference})" for c in self.contracts)
            )
        if self.agreements:
            parts.append(
                "Sharing agreements: " + "; ".join(f"{a.organisation.name} ({a.reference})" for a in self.agreements)
            )
        if self.processors:
            parts.append("Processors: " + "; ".join(p.name for p in self.processors))
        return ". ".join(parts)

    def __bool__(self) -> bool:
        return bool(self.internal or self.contracts or self.agreements or self.processors)


def recipients_for(
    activities: Iterable[ProcessingActivity], *, links: Iterable[tuple[int, int]] | None = None
) -> dict[int, Recipients]:
    """Each activity's recipients, keyed by its id: six queries however many activities, five when the
    caller has read the activities' (activity, asset) ``links`` already. Given a queryset (read or not),
    the queries name the activities by it as a subquery rather than by a list of their ids."""
    subquery = activities.values("pk") if isinstance(activities, QuerySet) else None
    activities = list(activities)
    found: dict[int, Recipients] = {activity.pk: Recipients() for activity in activities}
    if not activities:
        return found
    chosen: QuerySet | list[int] = list(found) if subquery is None else subquery
    through = ProcessingActivity.assets.through
    if links is None:
        links = through.objects.filter(processingactivity__in=chosen).values_list(
            "processingactivity_id", "informationasset_id"
        )
    assets_of: dict[int, set[int]] = defaultdict(set)  # asset -> activities
    for activity_id, asset_id in links:
        assets_of[asset_id].add(activity_id)
    assets = through.objects.filter(processingactivity__in=chosen).values("informationasset_id")  # a subquery

    # Distinct holders per activity and area, counted by the database: the live grants on an
    # activity's assets run to thousands, the areas they come from to a handful. Grouped by the
    # area's id, named here: grouping thousands of grants by the area's name compared names.
    people: dict[int, list[tuple[str, int]]] = defaultdict(list)
    grants = (
        through.objects.filter(processingactivity__in=chosen, informationasset__grants__state=AccessGrant.State.ACTIVE)
        .values_list("processingactivity_id", "informationasset__grants__holder__business_area_id")
        .annotate(people=Count("informationasset__grants__holder_id", distinct=True))
        .order_by()
    )
    counted = list(grants)
    names = dict(BusinessArea.objects.filter(pk__in={area for _, area, _ in counted}).values_list("pk", "name"))
    for activity_id, area, count in counted:
        people[activity_id].append((names.get(area) or "No business area recorded", count))
    for activity_id, areas in people.items():
        found[activity_id].internal = sorted(areas)

    seen: dict[int, set[int]] = defaultdict(set)
    rows = (
        ContractAsset.objects.filter(asset_id__in=assets)
        .exclude(contract__status__in=[ResearchContract.Status.CLOSED, ResearchContract.Status.DRAFT])
        .select_related("contract__organisation")
        .order_by("contract__reference", "pk")
    )
    for row in rows:
        for activity_id in assets_of[row.asset_id]:
            if row.contract_id not in seen[activity_id]:
                seen[activity_id].add(row.contract_id)
                found[activity_id].contracts.append(row.contract)

    agreement_assets = SharingAgreement.assets.through.objects.filter(
        informationasset_id__in=assets,
        sharingagreement__direction__in=[SharingAgreement.Direction.OUT, SharingAgreement.Direction.BOTH],
    ).exclude(sharingagreement__status=SharingAgreement.Status.ENDED)
    agreements: dict[int, SharingAgreement] = {}
    shared: dict[int, set[int]] = defaultdict(set)
    for share in agreement_assets.select_related("sharingagreement__organisation"):  # the links and their agreements
        agreements.setdefault(share.sharingagreement_id, share.sharingagreement)
        for activity_id in assets_of[share.informationasset_id]:
            shared[activity_id].add(share.sharingagreement_id)
    for activity_id, ids in shared.items():
        found[activity_id].agreements = sorted((agreements[pk] for pk in ids), key=lambda a: a.reference)

    for link in (
        ProcessingActivity.processors.through.objects.filter(processingactivity__in=chosen)
        .select_related("externalorganisation")
        .order_by("externalorganisation__name")
    ):
        found[link.processingactivity_id].processors.append(link.externalorganisation)
    return found
