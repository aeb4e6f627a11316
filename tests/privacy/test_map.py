"""The map of where the data goes: what it draws, for whom, and that names cannot become markup."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.contracts.models import ContractAsset
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.privacy.data_map import render_svg
from governance.privacy.flows import asset_map, department_map
from governance.register.organisation import appoint_office_holder
from governance.releases.models import ReleaseSource, StatisticalRelease
from tests.factories import (
    BusinessAreaFactory,
    ExternalOrganisationFactory,
    ResearchContractFactory,
    SharingAgreementFactory,
    UserFactory,
    make_asset,
    make_grant,
)

pytestmark = pytest.mark.django_db


def contract_on(asset, organisation=None, status="data_released", **kwargs):
    contract = ResearchContractFactory(
        status=status,
        organisation=organisation or ExternalOrganisationFactory(),
        data_released_on=timezone.localdate() if status == "data_released" else None,
        **kwargs,
    )
    ContractAsset.objects.create(contract=contract, asset=asset)
    return contract


def agreement_on(asset, *, direction="out", status="active", **kwargs):
    approved = {"approved_by": system_user(), "approved_at": timezone.now()} if status != "draft" else {}
    agreement = SharingAgreementFactory(
        direction=direction, status=status, business_area=asset.business_area, **approved, **kwargs
    )
    agreement.assets.add(asset)
    return agreement


def release_from(asset, status="released", **kwargs):
    released = {"released_at": timezone.now(), "released_by": system_user()} if status == "released" else {}
    release = StatisticalRelease.objects.create(
        title=kwargs.pop("title", "Benefit statistics"),
        planned_release_date=timezone.localdate() + datetime.timedelta(days=10),
        author=kwargs.pop("author", None) or UserFactory(),
        status=status,
        **released,
    )
    ReleaseSource.objects.create(release=release, asset=asset, extract_type="full")
    return release


def dpo():
    holder = UserFactory(username="dpo")
    appoint_office_holder(OfficeHolder.Office.DATA_PROTECTION_OFFICER, holder, by=system_user())
    return holder


def svg_text(svg: str) -> str:
    return re.sub(r"<[^>]+>", " ", svg)


# --- what is drawn -----------------------------------------------------------------------------


def test_asset_map_draws_every_kind_of_flow_for_oversight(asset, siro, other_area):
    holder_a = UserFactory(business_area=other_area)
    holder_b = UserFactory(business_area=other_area)
    make_grant(holder_a, asset=asset)
    make_grant(holder_b, asset=asset)
    university = ExternalOrganisationFactory(name="University of Leeds")
    first, second = contract_on(asset, university), contract_on(asset, university)
    contract_on(asset, ExternalOrganisationFactory(name="Drafted Org"), status="draft")  # no data goes yet
    agreement = agreement_on(asset, direction="in")
    agreement_on(asset, status="draft")  # not in force
    release = release_from(asset)

    flow_map = asset_map(siro, asset)

    rows = {(r["from"].label, r["to"].label, r["what"]): r for r in flow_map.rows()}
    grants = rows[("Claimant counts", f"Staff in {other_area.name}", "Access grants")]
    assert grants["count"] == 2
    assert grants["url"].startswith(reverse("access:grants"))
    contracts = rows[("Claimant counts", "University of Leeds", "Research contracts")]
    assert contracts["count"] == 2 and "University+of+Leeds" in contracts["url"]
    assert {first.pk, second.pk}  # two contracts: the link is to the list, not to one of them
    received = rows[(agreement.organisation.name, "Claimant counts", "Sharing agreements")]  # data comes in
    assert received["count"] == 1
    published = rows[("Claimant counts", "Published statistics", "Statistical releases")]
    assert published["url"] == reverse("releases:detail", args=[release.pk])
    assert "Drafted Org" not in {n.label for n in flow_map.nodes}
    assert len(flow_map.rows()) == 4
    assert "2 access grants" in flow_map.description


def test_one_record_links_to_itself(asset, siro):
    contract = contract_on(asset, ExternalOrganisationFactory(name="Only Org"))
    flow_map = asset_map(siro, asset)
    [row] = flow_map.rows()
    assert row["url"] == reverse("contracts:detail", args=[contract.pk])
    assert flow_map.node(f"o{contract.organisation_id}").url == reverse(
        "contracts:organisation-detail", args=[contract.organisation_id]
    )


def test_asset_page_shows_picture_and_table(verified_client, asset, siro):
    contract_on(asset, ExternalOrganisationFactory(name="University of York"))
    response = verified_client(siro).get(reverse("privacy:asset-map", args=[asset.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="group"' in svg and 'aria-labelledby="data-map-title" aria-describedby="data-map-desc"' in svg
    assert '<title id="data-map-title">Where the data of Claimant counts goes</title>' in svg
    assert '<desc id="data-map-desc">' in svg
    assert "University of York" in svg
    table = html[html.index("<table") :]
    assert "University of York" in table and "Research contracts" in table
    assert f'href="{reverse("assets:detail", args=[asset.pk])}"' in svg  # the asset's box opens the asset


def test_asset_page_links_to_its_map(verified_client, asset, staff):
    response = verified_client(staff).get(reverse("assets:detail", args=[asset.pk]))
    assert reverse("privacy:asset-map", args=[asset.pk]) in response.content.decode()
    assert "Where this data goes" in response.content.decode()


def test_an_asset_with_no_flows_says_so(verified_client, asset, staff):
    response = verified_client(staff).get(reverse("privacy:asset-map", args=[asset.pk]))
    assert "No flows you may see." in response.content.decode()


# --- who sees what -----------------------------------------------------------------------------


def test_a_contract_the_viewer_may_not_see_is_left_out(verified_client, asset, other_asset, deputy_siro):
    """The Deputy SIRO of one area opens another area's asset: its contract is not theirs to see."""
    contract_on(other_asset, ExternalOrganisationFactory(name="Hidden Research Ltd"))
    contract_on(asset, ExternalOrganisationFactory(name="Seen University"))
    html = verified_client(deputy_siro).get(reverse("privacy:asset-map", args=[other_asset.pk])).content.decode()
    assert "Hidden Research Ltd" not in html  # neither the picture nor the table
    assert "No flows you may see." in html

    department = verified_client(deputy_siro).get(reverse("privacy:map")).content.decode()
    assert "Hidden Research Ltd" not in department and "Housing benefit" not in department
    assert "Seen University" in department


def test_a_release_and_an_agreement_the_viewer_may_not_see_are_left_out(asset, staff):
    release_from(asset, title="Secret tables")
    agreement_on(asset)
    flow_map = asset_map(staff, asset)
    assert flow_map.rows() == []


def test_a_member_sees_only_their_own_grant_on_the_asset_map(asset, staff, other_area):
    make_grant(staff, asset=asset)
    make_grant(UserFactory(business_area=other_area), asset=asset)
    [row] = asset_map(staff, asset).rows()
    assert row["count"] == 1 and row["to"].label == f"Staff in {staff.business_area.name}"


def test_iam_department_map_covers_their_assets_only(asset, other_asset, iam):
    contract_on(other_asset, ExternalOrganisationFactory(name="Elsewhere Ltd"))
    flow_map = department_map(iam)
    assert [n.label for n in flow_map.nodes if n.kind == "asset"] == ["Claimant counts"]
    assert "Elsewhere Ltd" not in {n.label for n in flow_map.nodes}


def test_dpo_sees_every_area_and_agreement(asset, other_asset):
    agreement_on(other_asset, organisation=ExternalOrganisationFactory(name="Council of Leeds"))
    flow_map = department_map(dpo())
    assert {n.label for n in flow_map.nodes if n.kind == "asset"} == {"Claimant counts", "Housing benefit"}
    assert "Council of Leeds" in {n.label for n in flow_map.nodes}


def test_agreement_manager_sees_their_agreement(asset, staff, iam):
    agreement_on(asset, manager=iam, organisation=ExternalOrganisationFactory(name="Managed Council"))
    assert "Managed Council" in {n.label for n in asset_map(iam, asset).nodes}
    assert "Managed Council" not in {n.label for n in asset_map(staff, asset).nodes}


@pytest.mark.parametrize("who", ["staff", "unverified"])
def test_refusals(verified_client, unverified_client, asset, staff, who):
    if who == "staff":
        response = verified_client(staff).get(reverse("privacy:map"))
        assert response.status_code == 403
    else:
        response = unverified_client(staff).get(reverse("privacy:asset-map", args=[asset.pk]))
        assert response.status_code == 302


def test_area_filter(verified_client, asset, other_asset, siro):
    response = verified_client(siro).get(reverse("privacy:map"), {"area": other_asset.business_area_id})
    html = response.content.decode()
    assert "Where the data of Working Age Benefits goes" in html
    assert "Housing benefit" in html and "Claimant counts" not in html
    assert "not on your map" in verified_client(siro).get(reverse("privacy:map"), {"area": "nope"}).content.decode()


# --- names never become markup -----------------------------------------------------------------

HOSTILE = '"><script>alert(1)</script><a href="javascript:x">&amp;</text>'


def test_names_are_escaped_in_the_picture_and_the_table(verified_client, area, iam, siro, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name=HOSTILE)
    contract_on(asset, ExternalOrganisationFactory(name="Org </svg><img src=x onerror=alert(2)>"))
    svg = render_svg(asset_map(siro, asset))
    assert "<script>" not in svg and "<img" not in svg and 'href="javascript' not in svg
    assert "&lt;script&gt;" in svg and "&lt;/svg&gt;&lt;img" in svg
    assert svg.count("<svg") == 1 and svg.count("</svg>") == 1

    html = verified_client(siro).get(reverse("privacy:asset-map", args=[asset.pk])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count("<svg") == 1


def test_long_names_are_cut_in_boxes_and_whole_in_their_tooltip(area, iam, siro, deputy_siro):
    asset = make_asset(manager=iam, business_area=area, name="A very long asset name that goes on and on and on")
    release_from(asset)
    svg = render_svg(asset_map(siro, asset))
    assert "A very long asset name that g\u2026" in svg
    assert "<title>A very long asset name that goes on and on and on" in svg


# --- at scale: bounded pictures and constant queries ---------------------------------------------


def _world(start: int, size: int, areas, organisations):
    holders = [UserFactory(business_area=area) for area in areas]
    for n in range(start, start + size):
        area = areas[n % len(areas)]
        asset = make_asset(business_area=area, name=f"Asset {n:03d}")
        make_grant(holders[(n + 1) % len(holders)], asset=asset)
        contract_on(asset, organisations[n % len(organisations)])
        agreement_on(asset, organisation=organisations[(n + 1) % len(organisations)])
        release_from(asset, title=f"Release {n}")


@pytest.mark.parametrize("view", ["department", "area", "asset"])
def test_constant_queries_at_two_sizes(verified_client, django_assert_max_num_queries, settings, siro, view):
    settings.DATA_MAP_CACHE_SECONDS = 0  # every request counts its flows
    areas = [BusinessAreaFactory(name=f"Area {n}") for n in range(3)]
    organisations = [ExternalOrganisationFactory(name=f"Org {n}") for n in range(3)]
    client = verified_client(siro)

    def url():
        if view == "department":
            return reverse("privacy:map")
        if view == "area":
            return reverse("privacy:map") + f"?area={areas[0].pk}"
        return reverse("privacy:asset-map", args=[areas[0].assets.order_by("pk").first().pk])

    _world(0, 3, areas, organisations)
    client.get(url())
    with django_assert_max_num_queries(22) as small:
        assert client.get(url()).status_code == 200
    _world(3, 9, areas, organisations)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url()).status_code == 200


@pytest.mark.parametrize("change", ["grant", "contract", "agreement", "release"])
def test_the_cached_map_is_dropped_when_a_flow_changes(django_assert_max_num_queries, asset, siro, area, change):
    department_map(siro)
    asset_map(siro, asset)
    with django_assert_max_num_queries(0):
        assert asset_map(siro, asset).rows() == []
    with django_assert_max_num_queries(0):  # read from the cache
        assert department_map(siro).rows() == []
    if change == "grant":
        make_grant(UserFactory(business_area=area), asset=asset)
    elif change == "contract":
        contract_on(asset)
    elif change == "agreement":
        agreement_on(asset)
    else:
        release_from(asset)
    assert len(department_map(siro).rows()) == 1
    assert len(asset_map(siro, asset).rows()) == 1


def test_each_viewer_outside_oversight_has_their_own_cached_map(asset, other_asset, iam, other_iam):
    assert [n.label for n in department_map(iam).nodes] == ["Claimant counts"]
    assert [n.label for n in department_map(other_iam).nodes] == ["Housing benefit"]


def test_large_areas_are_one_box_each_and_open_filtered(settings, siro):
    settings.DATA_MAP_AREA_ASSETS = 2
    big, small = BusinessAreaFactory(name="Big area"), BusinessAreaFactory(name="Small area")
    for n in range(4):
        asset = make_asset(business_area=big, name=f"Big {n}")
        contract_on(asset, ExternalOrganisationFactory(name=f"Partner {n}"))
    make_asset(business_area=small, name="Small one")

    flow_map = department_map(siro)
    group = flow_map.node(f"g{big.pk}")
    assert group.label == "Big area" and group.detail.startswith("4 assets")
    assert group.url == reverse("privacy:map") + f"?area={big.pk}"
    assert "Small one" in {n.label for n in flow_map.nodes}
    assert not any(n.label.startswith("Big ") for n in flow_map.nodes if n.kind == "asset")
    assert sum(r["count"] for r in flow_map.rows() if r["from"].key == group.key) == 4

    opened = department_map(siro, big)
    assert {n.label for n in opened.nodes if n.kind == "asset"} == {"Big 0", "Big 1", "Big 2", "Big 3"}


def test_flows_from_one_box_are_capped_and_the_rest_summed(settings, siro, asset):
    settings.DATA_MAP_EDGES_PER_NODE = 2
    for n in range(5):
        contract_on(asset, ExternalOrganisationFactory(name=f"Partner {n}"))
    flow_map = department_map(siro)
    rows = [r for r in flow_map.rows() if r["what"] == "Research contracts"]
    assert len(rows) == 3
    assert rows[-1]["to"].label == "Other organisations" and rows[-1]["count"] == 3
    # The asset's own map draws every flow.
    assert len(asset_map(siro, asset).rows()) == 5


def test_an_area_too_large_to_draw_keeps_its_busiest_assets(settings, siro, area):
    settings.DATA_MAP_ASSET_NODES = 3
    busy = [make_asset(business_area=area, name=f"Busy {n}") for n in range(2)]
    for asset in busy:
        contract_on(asset)
        contract_on(asset)
    quiet = [make_asset(business_area=area, name=f"Quiet {n}") for n in range(3)]
    contract_on(quiet[0])
    flow_map = department_map(siro, area)
    assets = [n for n in flow_map.nodes if n.column == 1]
    assert {n.label for n in assets} == {"Busy 0", "Busy 1", "3 other assets"}
    others = flow_map.node(f"x{area.pk}")
    assert others.url.endswith(f"?business_area={area.pk}")
    assert [r["count"] for r in flow_map.rows() if r["from"] == others] == [1]  # Quiet 0's contract


def test_an_area_too_large_to_draw_says_how_many_are_left_out_even_without_flows(settings, siro, area):
    settings.DATA_MAP_ASSET_NODES = 3
    for n in range(5):
        make_asset(business_area=area, name=f"Still {n}")
    flow_map = department_map(siro, area)
    assert [n.label for n in flow_map.nodes] == ["5 other assets"]
    assert any("summed in one box" in note for note in flow_map.notes)


def test_five_thousand_assets_draw_a_bounded_picture(siro):
    """5,000 assets in 40 areas, written in bulk: the department's map is one box an area."""
    from governance.core.audit import acting_as
    from governance.register.models import InformationAsset
    from governance.seeding.bulk import AuditedBulk

    areas = [BusinessAreaFactory(name=f"Scale area {n:02d}") for n in range(40)]
    today = timezone.localdate()
    with acting_as(system_user()):
        AuditedBulk(system_user(), "map-scale").create(
            InformationAsset,
            [
                InformationAsset(
                    name=f"Scale asset {n:04d}",
                    description="Bulk",
                    business_area=areas[n % 40],
                    classification=InformationAsset.Classification.OFFICIAL,
                    lawful_basis=InformationAsset.LawfulBasis.PUBLIC_TASK,
                    storage_location="Secure environment",
                    retention_rule="Seven years",
                    next_review_date=today + datetime.timedelta(days=100),
                )
                for n in range(5000)
            ],
        )
    flow_map = department_map(siro)
    assert len(flow_map.nodes) <= 40 + 1
    assert sum(1 for n in flow_map.nodes if n.kind == "asset_group") == 40
    svg = render_svg(flow_map)
    assert svg.count("<rect") < 100
    opened = department_map(siro, areas[0])
    assert len([n for n in opened.nodes if n.column == 1]) <= 60
