"""Where the data goes: the nodes and edges of the map, gathered for one viewer.

The assets stand in the middle; on one side the business areas whose staff hold grants to them,
on the other the external organisations (research contracts, sharing agreements) and the
published statistics (releases). Every flow comes from its domain's selector, so a flow is drawn
only if the viewer may see its records, and is counted in SQL: the number of queries does not
grow with the number of assets, grants, contracts, agreements or releases.

The department's map stays readable at any size: an area with more than ``DATA_MAP_AREA_ASSETS``
assets is one node (with its counts) that opens the map filtered to that area; no more than
``DATA_MAP_ASSET_NODES`` assets, ``DATA_MAP_ORGANISATIONS`` organisations and
``DATA_MAP_EDGES_PER_NODE`` flows of each kind from one node are drawn, the rest summed into
"other" nodes and flows that say how many they stand for.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch, reverse

from governance.access.models import AccessGrant
from governance.access.selectors import visible_grants
from governance.contracts.models import ContractAsset, ResearchContract
from governance.contracts.selectors import visible_contracts
from governance.core.models import BusinessArea
from governance.core.plurals import plural
from governance.core.policy import has_oversight, role_facts
from governance.privacy.models import SharingAgreement
from governance.privacy.policy import sees_every_flow_area
from governance.privacy.selectors import visible_agreements
from governance.register.models import InformationAsset
from governance.register.selectors import visible_assets
from governance.releases.models import ReleaseSource, StatisticalRelease
from governance.releases.selectors import visible_releases

# What counts as data going somewhere: live grants, contracts from approval until the data is
# destroyed, agreements in force, and releases signed off or published.
LIVE_GRANTS = (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)
FLOWING_CONTRACTS = (
    ResearchContract.Status.APPROVED,
    ResearchContract.Status.DATA_RELEASED,
    ResearchContract.Status.RETENTION_ENDED,
)
FLOWING_RELEASES = (StatisticalRelease.Status.SIGNED_OFF, StatisticalRelease.Status.RELEASED)

# The columns of the picture.
INSIDE, ASSETS, OUTSIDE = 0, 1, 2

GRANTS, CONTRACTS, AGREEMENTS, RELEASES = "grants", "contracts", "agreements", "releases"
KIND_NAMES = {
    GRANTS: ("grant", "Access grants"),
    CONTRACTS: ("research contract", "Research contracts"),
    AGREEMENTS: ("sharing agreement", "Sharing agreements"),
    RELEASES: ("statistical release", "Statistical releases"),
}
PUBLIC = "public"
OTHER_AREAS = "r-other"
OTHER_ORGS = "o-other"
NO_AREA = "r-none"


@dataclass(frozen=True)
class Node:
    key: str
    kind: str  # asset, asset_group, other_assets, area, organisation, public, other
    label: str
    column: int
    url: str = ""
    detail: str = ""  # a second line: "125 assets", the asset's area
    cluster: str = ""  # the business area an asset is drawn under


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # grants, contracts, agreements, releases
    count: int
    url: str = ""
    direction: str = "out"  # out: source to target; in: target to source; both

    @property
    def label(self) -> str:
        return plural(self.count, KIND_NAMES[self.kind][0])


@dataclass
class FlowMap:
    title: str
    description: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def node(self, key: str) -> Node:
        return self._by_key[key]

    @property
    def _by_key(self) -> dict[str, Node]:
        return {node.key: node for node in self.nodes}

    def rows(self) -> list[dict]:
        """The map as table rows, one a flow, in the order drawn: from, to, what, how many, links."""
        by_key = self._by_key
        rows = []
        for edge in self.edges:
            source, target = by_key[edge.source], by_key[edge.target]
            if edge.direction == "in":
                source, target = target, source
            rows.append(
                {
                    "from": source,
                    "to": target,
                    "what": KIND_NAMES[edge.kind][1],
                    "both_ways": edge.direction == "both",
                    "count": edge.count,
                    "label": edge.label,
                    "url": edge.url,
                }
            )
        return rows

    def unconnected(self) -> list[Node]:
        """Assets drawn with no flow the viewer may see."""
        linked = {e.source for e in self.edges} | {e.target for e in self.edges}
        return [n for n in self.nodes if n.column == ASSETS and n.key not in linked]


def _url(name: str, *args, query: dict | None = None) -> str:
    """A page's address, or "" when the page is not there (a record page of another part of the portal)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def _limit(name: str) -> int:
    return int(getattr(settings, name))


# --- gathering ----------------------------------------------------------------------------------


@dataclass
class _Flows:
    """Counts keyed by (source node, target node, kind, direction): [count, one record's id]."""

    counts: dict[tuple[str, str, str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    org_names: dict[int, str] = field(default_factory=dict)
    grant_links: bool = True  # whether the viewer may open the grants behind a flow to staff

    def add(self, source: str, target: str, kind: str, direction: str, count: int, first: int) -> None:
        entry = self.counts[(source, target, kind, direction)]
        entry[0] += count
        entry[1] = first if entry[1] == 0 else min(entry[1], first)


def _gather(flows: _Flows, viewer, on_asset: Q, node_of: str, key_prefix: str) -> None:
    """Add every flow from the assets matching ``on_asset`` (a Q on an asset), grouped by the asset
    field ``node_of`` ("pk" for one node an asset, "business_area_id" for one node an area): four queries."""

    def keyed(relation: str) -> Q:
        return _through(on_asset, relation)

    # The Data Protection Officer reads every activity's recipients, grants summarised by business area, in
    # the record of processing: their map draws the same counts, though they do not open the grants themselves.
    counts_only = sees_every_flow_area(viewer) and not has_oversight(viewer)
    flows.grant_links = not counts_only
    grants = (
        (AccessGrant.objects.all() if counts_only else visible_grants(viewer))
        .filter(keyed("asset"), state__in=LIVE_GRANTS)
        .values(f"asset__{node_of}", "holder__business_area_id")
        .annotate(n=Count("pk"), first=Min("pk"))
        .order_by()
    )
    for row in grants:
        area = row["holder__business_area_id"]
        target = f"r{area}" if area is not None else NO_AREA
        flows.add(f"{key_prefix}{row[f'asset__{node_of}']}", target, GRANTS, "out", row["n"], row["first"])

    contracts = (
        ContractAsset.objects.filter(
            keyed("asset"),
            contract__in=visible_contracts(viewer).values("pk"),
            contract__status__in=FLOWING_CONTRACTS,
        )
        .values(f"asset__{node_of}", "contract__organisation_id", "contract__organisation__name")
        .annotate(n=Count("contract", distinct=True), first=Min("contract_id"))
        .order_by()
    )
    for row in contracts:
        org = row["contract__organisation_id"]
        flows.org_names[org] = row["contract__organisation__name"]
        flows.add(f"{key_prefix}{row[f'asset__{node_of}']}", f"o{org}", CONTRACTS, "out", row["n"], row["first"])

    through = SharingAgreement.assets.through
    agreements = (
        through.objects.filter(
            keyed("informationasset"),
            sharingagreement__in=visible_agreements(viewer).values("pk"),
            sharingagreement__status=SharingAgreement.Status.ACTIVE,
        )
        .values(
            f"informationasset__{node_of}",
            "sharingagreement__organisation_id",
            "sharingagreement__organisation__name",
            "sharingagreement__direction",
        )
        .annotate(n=Count("sharingagreement", distinct=True), first=Min("sharingagreement_id"))
        .order_by()
    )
    for row in agreements:
        org = row["sharingagreement__organisation_id"]
        flows.org_names[org] = row["sharingagreement__organisation__name"]
        source = f"{key_prefix}{row[f'informationasset__{node_of}']}"
        flows.add(source, f"o{org}", AGREEMENTS, row["sharingagreement__direction"], row["n"], row["first"])

    releases = (
        ReleaseSource.objects.filter(
            keyed("asset"),
            release__in=visible_releases(viewer).values("pk"),
            release__status__in=FLOWING_RELEASES,
        )
        .values(f"asset__{node_of}")
        .annotate(n=Count("release", distinct=True), first=Min("release_id"))
        .order_by()
    )
    for row in releases:
        flows.add(f"{key_prefix}{row[f'asset__{node_of}']}", PUBLIC, RELEASES, "out", row["n"], row["first"])


def _through(condition: Q, relation: str) -> Q:
    """A condition on an asset, asked through a relation to it ("asset"): a join the planner can
    use, rather than a subquery of asset ids."""
    rewritten = Q()
    rewritten.connector, rewritten.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            rewritten.children.append(_through(child, relation))
        else:
            lookup, value = cast(tuple[str, Any], child)
            rewritten.children.append((f"{relation}__{lookup}", value))
    return rewritten


def _scope(viewer, area: BusinessArea | None) -> Q:
    """The assets the department's map covers for ``viewer``: every asset for the DPO and oversight,
    otherwise those of the areas they oversee and those they manage; within ``area`` if given."""
    scope = Q()
    if not sees_every_flow_area(viewer):
        facts = role_facts(viewer)
        scope = Q(business_area_id__in=sorted(facts.overseen_areas)) | Q(pk__in=sorted(facts.managed_assets))
    if area is not None:
        scope &= Q(business_area=area)
    return scope


VERSION_KEY = "data-map:version"


def forget_flows(**kwargs) -> None:
    """Drop every cached department map: a grant, contract, agreement, release or asset changed."""
    cache.add(VERSION_KEY, 0, None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted between the two calls
        cache.set(VERSION_KEY, 1, None)


def cache_key(viewer, area: BusinessArea | None = None, asset: InformationAsset | None = None) -> str:
    """Organisation-wide oversight sees every flow, so they share one map; anyone else has their own,
    keyed by what their roles let them see as well (an appointment changes the key)."""
    if has_oversight(viewer):
        who = "oversight"
    else:
        facts = role_facts(viewer)
        roles = repr(
            (sorted(facts.groups), sorted(facts.offices), sorted(facts.overseen_areas), sorted(facts.managed_assets))
        )
        who = f"{viewer.pk}:{hashlib.sha256(roles.encode()).hexdigest()[:16]}"
    version = cache.get(VERSION_KEY, 0)
    where = f"asset{asset.pk}" if asset is not None else f"area{area.pk}" if area is not None else "all"
    return f"data-map:{version}:{who}:{where}"


def department_map(viewer, area: BusinessArea | None = None) -> FlowMap:
    """The department's map for ``viewer``, or one business area's when ``area`` is given.

    Counting every grant of a large department takes a few hundred milliseconds, so the map is kept in
    the cache for ``DATA_MAP_CACHE_SECONDS`` and dropped as soon as a flow's records change."""
    return _cached(cache_key(viewer, area), lambda: _department_map(viewer, area))


def _cached(key: str, build: Callable[[], FlowMap]) -> FlowMap:
    seconds = _limit("DATA_MAP_CACHE_SECONDS")
    if seconds <= 0:
        return build()
    found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, seconds)
    return found


def _department_map(viewer, area: BusinessArea | None) -> FlowMap:
    scope = _scope(viewer, area)
    assets = visible_assets(viewer).filter(scope)
    area_names = dict(BusinessArea.objects.values_list("pk", "name"))
    counted = assets.values("business_area_id").annotate(n=Count("pk")).order_by()
    per_area = {row["business_area_id"]: row["n"] for row in counted}
    per_node_cap, most_assets = _limit("DATA_MAP_AREA_ASSETS"), _limit("DATA_MAP_ASSET_NODES")

    # Small areas are drawn asset by asset (the smallest first, while the picture has room); the rest as one node.
    expanded: list[int] = []
    drawn = 0
    if area is not None:
        expanded = [area.pk] if per_area.get(area.pk) else []
    else:
        for area_id, count in sorted(per_area.items(), key=lambda item: (item[1], area_names[item[0]])):
            if count <= per_node_cap and drawn + count <= most_assets:
                expanded.append(area_id)
                drawn += count
    grouped = [area_id for area_id in per_area if area_id not in expanded]

    flows = _Flows()
    if expanded:
        _gather(flows, viewer, Q(scope, business_area_id__in=expanded), "pk", "a")
    if grouped:
        _gather(flows, viewer, Q(scope, business_area_id__in=grouped), "business_area_id", "g")

    # Within one large area, the assets with most flows are drawn; the others become one node.
    totals: dict[str, int] = defaultdict(int)
    for (source, _target, _kind, _direction), (count, _first) in flows.counts.items():
        totals[source] += count
    overflow = area is not None and per_area.get(area.pk, 0) > most_assets
    if overflow:
        ranked = sorted((k for k in totals if k.startswith("a")), key=lambda k: (-totals[k], int(k[1:])))
        shown_ids = [int(k[1:]) for k in ranked[: most_assets - 1]]
        shown = list(assets.filter(pk__in=shown_ids).values_list("pk", "name", "business_area_id"))
    else:
        shown = list(assets.filter(business_area_id__in=expanded).values_list("pk", "name", "business_area_id"))
    shown_keys = {f"a{pk}" for pk, _name, _area in shown}
    if area is not None and overflow:
        _rekey_sources(flows, {k: f"x{area.pk}" for k in list(totals) if k.startswith("a") and k not in shown_keys})

    nodes: list[Node] = []
    for pk, name, area_id in sorted(shown, key=lambda row: (area_names[row[2]].lower(), row[1].lower(), row[0])):
        nodes.append(
            Node(
                f"a{pk}",
                "asset",
                name,
                ASSETS,
                _url("assets:detail", pk),
                detail=area_names[area_id],
                cluster=area_names[area_id],
            )
        )
    for area_id in sorted(grouped, key=lambda a: area_names[a].lower()):
        nodes.append(
            Node(
                f"g{area_id}",
                "asset_group",
                area_names[area_id],
                ASSETS,
                _url("privacy:map", query={"area": area_id}),
                detail=f"{plural(per_area[area_id], 'asset')}: show them",
                cluster=area_names[area_id],
            )
        )
    if area is not None and overflow:
        rest = per_area[area.pk] - len(shown)
        nodes.append(
            Node(
                f"x{area.pk}",
                "other_assets",
                f"{plural(rest, 'other asset')}",
                ASSETS,
                _url("assets:list", query={"business_area": area.pk}),
                detail="with fewer flows",
                cluster=area.name,
            )
        )

    result = FlowMap(
        title=f"Where the data of {area.name} goes" if area is not None else "Where the department's data goes",
        description="",
    )
    _finish(result, nodes, flows, area_names, department=True)
    total_assets = sum(per_area.values())
    result.description = _describe(result, total_assets)
    if grouped:
        result.notes.append(
            f"Areas with more than {plural(per_node_cap, 'asset')}, and any the picture has no room for, "
            "are drawn as one box each: choose one to see its assets."
        )
    if overflow:
        result.notes.append(
            f"The {plural(most_assets - 1, 'asset')} with the most flows are drawn one by one; "
            "the others are summed in one box."
        )
    return result


def asset_map(viewer, asset: InformationAsset) -> FlowMap:
    """One asset's map: the asset and every flow from it that ``viewer`` may see (cached as the department's is)."""
    return _cached(cache_key(viewer, asset=asset), lambda: _asset_map(viewer, asset))


def _asset_map(viewer, asset: InformationAsset) -> FlowMap:
    flows = _Flows()
    _gather(flows, viewer, Q(pk=asset.pk), "pk", "a")
    area_names = dict(BusinessArea.objects.values_list("pk", "name"))
    node = Node(
        f"a{asset.pk}",
        "asset",
        asset.name,
        ASSETS,
        _url("assets:detail", asset.pk),
        detail=area_names.get(asset.business_area_id, ""),
        cluster=area_names.get(asset.business_area_id, ""),
    )
    result = FlowMap(title=f"Where the data of {asset.name} goes", description="")
    _finish(result, [node], flows, area_names, department=False)
    result.description = _describe(result, 1)
    return result


def _rekey_sources(flows: _Flows, mapping: dict[str, str]) -> None:
    if not mapping:
        return
    merged = _Flows(org_names=flows.org_names)
    for (source, target, kind, direction), (count, first) in flows.counts.items():
        merged.add(mapping.get(source, source), target, kind, direction, count, first)
    flows.counts = merged.counts


def _finish(result: FlowMap, nodes: list[Node], flows: _Flows, area_names: dict[int, str], *, department: bool):
    """Cap the organisations and the flows a node, then add the recipients' nodes and the edges with their links."""
    most_orgs = _limit("DATA_MAP_ORGANISATIONS")
    org_totals: dict[str, int] = defaultdict(int)
    for (_source, target, _kind, _direction), (count, _first) in flows.counts.items():
        if target.startswith("o"):
            org_totals[target] += count
    ranked_orgs = sorted(org_totals, key=lambda k: (-org_totals[k], flows.org_names[int(k[1:])].lower()))
    capped = {k: OTHER_ORGS for k in ranked_orgs[most_orgs:]}
    counts: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    merged_into: dict[tuple[str, str, str, str], int] = defaultdict(int)  # how many targets a merged edge sums
    for (source, target, kind, direction), (count, first) in flows.counts.items():
        target = capped.get(target, target)
        entry = counts[(source, target, kind, direction)]
        entry[0] += count
        entry[1] = first if entry[1] == 0 else min(entry[1], first)
        merged_into[(source, target, kind, direction)] += 1

    if department:  # at most so many flows of each kind from one node; the rest summed to "other"
        per_node = _limit("DATA_MAP_EDGES_PER_NODE")
        by_source_kind: dict[tuple[str, str], list] = defaultdict(list)
        for key, value in counts.items():
            by_source_kind[(key[0], key[2])].append((key, value))
        trimmed: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        for (source, kind), items in by_source_kind.items():
            items.sort(key=lambda item: (-item[1][0], item[0][1]))
            for index, ((_s, target, _k, direction), (count, first)) in enumerate(items):
                if index >= per_node and kind in (GRANTS, CONTRACTS, AGREEMENTS):
                    target = OTHER_AREAS if kind == GRANTS else OTHER_ORGS
                    merged_into[(source, target, kind, direction)] += 1
                entry = trimmed[(source, target, kind, direction)]
                entry[0] += count
                entry[1] = first if entry[1] == 0 else min(entry[1], first)
        counts = trimmed

    asset_nodes = {node.key: node for node in nodes}
    used_targets = {key[1] for key in counts}
    for source in {key[0] for key in counts}:
        if source not in asset_nodes:  # a flow from an asset not drawn (never expected); leave it out
            counts = {k: v for k, v in counts.items() if k[0] != source}
    recipients: list[Node] = []
    for target in used_targets:
        if target.startswith("r") and target not in (OTHER_AREAS, NO_AREA):
            area_id = int(target[1:])
            recipients.append(
                Node(target, "area", f"Staff in {area_names[area_id]}", INSIDE, _url("areas:detail", area_id))
            )
    if NO_AREA in used_targets:
        recipients.append(Node(NO_AREA, "area", "Staff with no business area recorded", INSIDE))
    recipients.sort(key=lambda n: n.label.lower())
    if OTHER_AREAS in used_targets:
        recipients.append(Node(OTHER_AREAS, "other", "Staff in other business areas", INSIDE, _url("access:grants")))
    outside: list[Node] = []
    for target in used_targets:
        if target.startswith("o") and target != OTHER_ORGS:
            org = int(target[1:])
            outside.append(
                Node(target, "organisation", flows.org_names[org], OUTSIDE, _url("contracts:organisation-detail", org))
            )
    outside.sort(key=lambda n: n.label.lower())
    if OTHER_ORGS in used_targets:
        outside.append(Node(OTHER_ORGS, "other", "Other organisations", OUTSIDE, _url("contracts:organisation-list")))
    if PUBLIC in used_targets:
        outside.append(Node(PUBLIC, "public", "Published statistics", OUTSIDE, _url("releases:list")))

    result.nodes = [*recipients, *nodes, *outside]
    by_key = {n.key: n for n in result.nodes}
    order = {n.key: i for i, n in enumerate(result.nodes)}
    edges = []
    for (source, target, kind, direction), (count, first) in counts.items():
        single = count == 1 and merged_into[(source, target, kind, direction)] <= 1
        url = _edge_url(kind, by_key[source], by_key[target], first if single else None, source)
        if kind == GRANTS and not flows.grant_links:
            url = ""
        edges.append(Edge(source, target, kind, count, url, direction))
    kind_order = list(KIND_NAMES)
    edges.sort(key=lambda e: (order[e.source], kind_order.index(e.kind), order[e.target], e.direction))
    result.edges = edges


def _edge_url(kind: str, source: Node, target: Node, record: int | None, source_key: str) -> str:
    """The records behind a flow: the record itself when there is one, else the list they are in."""
    area_id = source_key[1:] if source_key[0] in "gx" else ""
    if kind == GRANTS:
        if record:
            return _url("access:grant", record)
        if source.kind == "asset":
            return _url("access:grants", query={"q": source.label, "state": "active"})
        return _url("access:grants", query={"business_area": area_id, "state": "active"})
    if kind == CONTRACTS:
        if record:
            return _url("contracts:detail", record)
        query = {"q": target.label} if target.kind == "organisation" else {}
        if area_id:
            query["business_area"] = area_id
        return _url("contracts:list", query=query or None)
    if kind == AGREEMENTS:
        if record:
            return _url("privacy:agreement-detail", record) or target.url
        return _url("privacy:agreement-list") or target.url
    if record:
        return _url("releases:detail", record)
    if source.kind == "asset":
        return _url("releases:list", query={"q": source.label})
    return _url("releases:list")


def _describe(result: FlowMap, total_assets: int) -> str:
    """The picture in words, for its <desc> and the page: what is drawn and how many of each flow."""
    counts: dict[str, int] = defaultdict(int)
    for edge in result.edges:
        counts[edge.kind] += edge.count
    orgs = sum(1 for n in result.nodes if n.kind == "organisation")
    areas = sum(1 for n in result.nodes if n.kind == "area")
    parts = [
        plural(counts[GRANTS], "access grant") + f" to staff in {plural(areas, 'business area')}",
        plural(counts[CONTRACTS], "research contract"),
        plural(counts[AGREEMENTS], "sharing agreement"),
        plural(counts[RELEASES], "statistical release"),
    ]
    return (
        f"{plural(total_assets, 'asset')}. Their data goes through {', '.join(parts[:-1])} and {parts[-1]}; "
        f"{plural(orgs, 'external organisation')} shown. The table below the picture lists the same flows."
    )


def map_areas(viewer):
    """The business areas the department's map may be filtered to for ``viewer`` (those it covers)."""
    covered = visible_assets(viewer).filter(_scope(viewer, None)).values("business_area_id")
    return BusinessArea.objects.filter(pk__in=covered).order_by("name")
