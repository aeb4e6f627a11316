"""Across releases: a release of nearly the same population as an earlier one from the same asset must not give
its newcomers away by subtraction, nor, of the same population, a hidden cell to an intruder holding both; the
disclosure record names the earlier releases each check took into account."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import OfficeHolder
from governance.disclosure import Extract, Rules, check_table, parse_table
from governance.disclosure.differencing import Published, newcomer_problems
from governance.register.organisation import appoint_office_holder
from governance.releases import records
from governance.releases import workflow as service
from tests.factories import UserFactory, make_asset

pytestmark = pytest.mark.django_db

PLANNED = datetime.date.today() + datetime.timedelta(days=60)
MAY = b"region,count\nNorth,120\nSouth,40\nEast,85\nTotal,245\n"
JUNE_THREE_MORE_IN_SOUTH = b"region,count\nNorth,120\nSouth,43\nEast,85\nTotal,248\n"
JUNE_NOT_NESTED = b"region,count\nNorth,120\nSouth,43\nEast,80\nTotal,243\n"
JUNE_MANY_MORE = b"region,count\nNorth,140\nSouth,60\nEast,100\nTotal,300\n"


@pytest.fixture
def statistician(area):
    return UserFactory(username="stat", business_area=area, groups=[roles.STATISTICIANS])


@pytest.fixture
def chief(area):
    user = UserFactory(username="chief", business_area=area, groups=[roles.STATISTICIANS])
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, user, by=system_user())
    return user


@pytest.fixture
def asset(iam, area, deputy_siro):
    return make_asset(manager=iam, business_area=area, name="Benefit claims")


@pytest.fixture
def other_asset(other_iam, other_area):
    return make_asset(manager=other_iam, business_area=other_area, name="Pension records")


def prepare(statistician, title: str, asset, content: bytes):
    release = service.create_release(by=statistician, title=title, planned_release_date=PLANNED)
    source = service.add_source(release, by=statistician, asset=asset, extract_type="full")
    upload = SimpleUploadedFile("table.csv", content, content_type="text/csv")
    service.add_table(release, by=statistician, title="Claims by region", source=source, upload=upload)
    return release


def publish(release, statistician, chief):
    state = service.readiness(release)
    assert state.ready, state.problems
    service._record_sign_off(release, state, by=chief, comments="", ip_address=None)
    return service.mark_released(release, by=statistician)


def test_a_release_three_people_larger_in_one_cell_than_an_earlier_one_from_the_same_asset_is_refused(
    statistician, chief, asset
):
    may = publish(prepare(statistician, "Claimant counts, May", asset, MAY), statistician, chief)
    june = prepare(statistician, "Claimant counts, June", asset, JUNE_THREE_MORE_IN_SOUTH)

    state = service.readiness(june)

    assert not state.ready
    south = [problem for problem in state.problems if '"South"' in problem]
    assert south, state.problems
    assert '"Claimant counts, May"' in south[0]
    assert f"released {may.released_at.day} " in south[0]
    assert "3 people more" in south[0] and "fewer than the minimum of 10" in south[0]
    assert "even as rounded" in south[0]  # base-5 rounding, the default, does not stop it
    record = records.release_record(june)
    differencing = record["tables"][0]["checks"]["differencing_with_earlier_releases"]
    assert differencing["problems"] >= 1
    assert [item["title"] for item in differencing["earlier_tables"]] == ["Claimant counts, May"]


def test_releases_from_different_assets_are_not_compared(statistician, chief, asset, other_asset):
    publish(prepare(statistician, "Claimant counts, May", asset, MAY), statistician, chief)
    june = prepare(statistician, "Pensions, June", other_asset, JUNE_THREE_MORE_IN_SOUTH)

    assert service.readiness(june).ready
    record = records.release_record(june)
    assert record["tables"][0]["checks"]["differencing_with_earlier_releases"] == {"earlier_tables": [], "problems": 0}


def test_populations_neither_of_which_holds_the_other_are_not_flagged(statistician, chief, asset):
    publish(prepare(statistician, "Claimant counts, May", asset, MAY), statistician, chief)
    june = prepare(statistician, "Claimant counts, June", asset, JUNE_NOT_NESTED)

    assert service.readiness(june).ready


def test_the_record_names_the_earlier_releases_considered_even_when_nothing_is_found(statistician, chief, asset):
    may = publish(prepare(statistician, "Claimant counts, May", asset, MAY), statistician, chief)
    unreleased = prepare(statistician, "Claimant counts, draft", asset, MAY)  # not published: an intruder lacks it
    june = prepare(statistician, "Claimant counts, June", asset, JUNE_MANY_MORE)

    assert service.readiness(june).ready
    table = june.tables.get()
    for record in (records.release_record(june)["tables"][0], records.table_record(table)):
        differencing = record["checks"]["differencing_with_earlier_releases"]
        assert differencing["problems"] == 0
        assert [(item["release"], item["title"]) for item in differencing["earlier_tables"]] == [
            (may.pk, "Claimant counts, May")
        ]
        assert unreleased.pk not in [item["release"] for item in differencing["earlier_tables"]]


# --- tables of one population released apart -------------------------------------------------------
# An intruder holds every earlier release from the same source asset, so a release's tables are audited
# together with the earlier tables that count the same people.

# Each alone is safe (checked, passed); holding both, NE + NW is North, so NE/F = 15 - 12 = 3.
BY_REGION = (
    b"Region,Sex,count\nNorth,F,15\nNorth,M,40\nNorth,Total,55\nSouth,F,30\nSouth,M,35\nSouth,Total,65\n"
    b"Total,F,45\nTotal,M,75\nTotal,Total,120\n"
)
BY_SUB_REGION = (
    b"Region,Sex,count\nNE,F,3\nNE,M,20\nNE,Total,23\nNW,F,12\nNW,M,20\nNW,Total,32\n"
    b"SE,F,15\nSE,M,15\nSE,Total,30\nSW,F,15\nSW,M,20\nSW,Total,35\nTotal,F,45\nTotal,M,75\nTotal,Total,120\n"
)
# A later population: a year on, the North's cells as before, the South's not (fewer women, more men, so
# neither population holds the other and differencing finds no newcomers). Read as the same people,
# the North's lines would give NE/F away; they are not the same people, so nothing is tied.
BY_SUB_REGION_NEXT_YEAR = (
    b"Region,Sex,count\nNE,F,3\nNE,M,20\nNE,Total,23\nNW,F,12\nNW,M,20\nNW,Total,32\n"
    b"SE,F,14\nSE,M,15\nSE,Total,29\nSW,F,15\nSW,M,22\nSW,Total,37\nTotal,F,44\nTotal,M,77\nTotal,Total,121\n"
)
REGIONS_HRC = b"North\n@NE\n@NW\nSouth\n@SE\n@SW\n"


def release_of(statistician, title: str, asset, content: bytes, *, hierarchy: bool = False):
    release = service.create_release(by=statistician, title=title, planned_release_date=PLANNED)
    source = service.add_source(release, by=statistician, asset=asset, extract_type="full")
    service.add_table(
        release,
        by=statistician,
        title="Claims by area",
        source=source,
        upload=SimpleUploadedFile("table.csv", content, content_type="text/csv"),
        hierarchy=("Region", SimpleUploadedFile("regions.hrc", REGIONS_HRC)) if hierarchy else None,
    )
    return release


def test_a_table_by_sub_region_is_audited_with_the_earlier_release_by_region(statistician, chief, asset):
    may = publish(release_of(statistician, "Claims, May", asset, BY_REGION), statistician, chief)
    june = release_of(statistician, "Claims, June", asset, BY_SUB_REGION, hierarchy=True)
    assert june.tables.get().passed  # alone it is safe

    state = service.readiness(june)

    assert not state.ready
    exact = [problem for problem in state.problems if "NE, F could be worked out exactly" in problem]
    assert exact, state.problems
    assert '"Claims, May"' in exact[0] and f"released {may.released_at.day} " in exact[0]
    checks = records.table_record(june.tables.get())["checks"]
    assert [item["title"] for item in checks["joint_audit_with_earlier_releases"]["earlier_tables"]] == ["Claims, May"]


def test_the_order_of_release_does_not_matter(statistician, chief, asset):
    publish(release_of(statistician, "Claims, May", asset, BY_SUB_REGION, hierarchy=True), statistician, chief)
    june = release_of(statistician, "Claims, June", asset, BY_REGION)

    problems = service.readiness(june).problems

    assert any("NE, F could be worked out exactly" in problem and '"Claims, May"' in problem for problem in problems)


def test_a_later_population_is_not_audited_as_the_same_people(statistician, chief, asset):
    publish(release_of(statistician, "Claims, 2025", asset, BY_REGION), statistician, chief)
    later = release_of(statistician, "Claims, 2026", asset, BY_SUB_REGION_NEXT_YEAR, hierarchy=True)

    state = service.readiness(later)

    assert state.ready, state.problems
    checks = records.release_record(later)["tables"][0]["checks"]
    differencing = checks["differencing_with_earlier_releases"]
    assert [item["title"] for item in differencing["earlier_tables"]] == ["Claims, 2025"]
    assert checks["joint_audit_with_earlier_releases"] == {"earlier_tables": []}


def test_the_same_table_released_again_is_not_refused(statistician, chief, asset):
    publish(release_of(statistician, "Claims, May", asset, BY_REGION), statistician, chief)
    again = release_of(statistician, "Claims, May (corrected)", asset, BY_REGION)

    assert service.readiness(again).ready


def test_releases_of_another_asset_are_not_combined(statistician, chief, asset, other_asset):
    publish(release_of(statistician, "Pensions, May", other_asset, BY_REGION), statistician, chief)
    june = release_of(statistician, "Claims, June", asset, BY_SUB_REGION, hierarchy=True)

    assert service.readiness(june).ready


# --- the engine's check, without the database -------------------------------------------------------


def published(name: str, content: bytes, rules: Rules) -> Published:
    table = parse_table(content, "table.csv")
    return Published(
        name=name, table=table, result=check_table(table, Extract.FULL, rules, scope="asset:1"), rules=rules
    )


def test_without_rounding_one_business_more_in_a_cell_gives_its_value_away():
    rules = Rules(rounding_base=1)
    may = published('"May"', b"industry,value,contributors\nRetail,900,300;300;300\nFarming,800,200;300;300\n", rules)
    june = published(
        '"June"', b"industry,value,contributors\nRetail,950,300;300;300;50\nFarming,800,200;300;300\n", rules
    )

    problems = newcomer_problems(june, may)

    assert len(problems) == 1
    assert problems[0].startswith('The cell "Retail" has 1 contributor more than in "May"')


def test_perturbation_passes_a_pair_only_when_the_newcomers_could_still_number_the_threshold():
    """For many keys, the flag agrees with a brute-force intruder who tries every pair of true counts
    consistent with the published (perturbed) ones: passed exactly when a group of 10 or more fits."""
    seen = set()
    for number in range(30):
        rules = Rules(method="perturbation", perturbation_key=f"key {number}", perturbation_max=4, rounding_base=1)
        may = published('"May"', MAY, rules)
        june = published('"June"', JUNE_THREE_MORE_IN_SOUTH, rules)
        flagged = any('"South"' in problem for problem in newcomer_problems(june, may))
        old = next(cell.published for cell in may.result.cells if cell.key == ("South",))
        new = next(cell.published for cell in june.result.cells if cell.key == ("South",))
        most = rules.perturbation_max
        fits = any(
            abs(new - (before + group)) <= most
            for before in range(int(old) - most, int(old) + most + 1)
            for group in range(10, 40)
        )
        assert flagged == (not fits), (number, old, new)
        seen.add(flagged)
    assert seen == {True, False}  # both outcomes were tried


def test_the_release_page_names_the_earlier_releases_checked_against(verified_client, statistician, chief, asset):
    publish(prepare(statistician, "Claimant counts, May", asset, MAY), statistician, chief)
    june = prepare(statistician, "Claimant counts, June", asset, JUNE_THREE_MORE_IN_SOUTH)

    page = verified_client(statistician).get(june.get_absolute_url()).content.decode()

    earlier = page[page.index('id="earlier-releases"') : page.index('id="sign-off"')]
    assert "Claimant counts, May" in earlier
    assert "3 people more than in" in page  # the finding itself, under the sign-off


def test_a_table_with_a_column_more_is_added_up_over_it_before_subtracting():
    rules = Rules(rounding_base=1)
    may = published('"May"', MAY, rules)
    june = published(
        '"June"',
        b"region,sex,count\nNorth,F,60\nNorth,M,60\nNorth,Total,120\nSouth,F,23\nSouth,M,20\nSouth,Total,43\n"
        b"East,F,40\nEast,M,45\nEast,Total,85\nTotal,F,123\nTotal,M,125\nTotal,Total,248\n",
        rules,
    )

    problems = newcomer_problems(june, may)

    assert [problem.split('"')[1] for problem in problems] == ["South", "Total"]
    assert newcomer_problems(may, june)  # and the other way round: the earlier table is the larger one's part


def test_the_release_page_shows_the_joint_audit_from_the_cache_but_sign_off_audits_again(
    verified_client, statistician, chief, asset, monkeypatch
):
    """A page view need not audit the release with its earlier tables again while nothing audited has
    changed (the findings are kept under the digest of what was audited); the sign-off is the control
    and always audits."""
    publish(release_of(statistician, "Claims, May", asset, BY_REGION), statistician, chief)
    june = release_of(statistician, "Claims, June", asset, BY_SUB_REGION, hierarchy=True)
    audits = []
    real = service.audit_release
    monkeypatch.setattr(service, "audit_release", lambda *args, **kwargs: audits.append(1) or real(*args, **kwargs))
    cache.clear()
    client = verified_client(statistician)
    for _ in range(2):
        page = client.get(june.get_absolute_url()).content.decode()
        assert "NE, F could be worked out exactly" in page
    assert len(audits) == 1
    assert not service.readiness(june).ready and len(audits) == 2  # sign-off's own check: audited again
    # Another table in the release is another audit: the cache is keyed by what is audited.
    table = june.tables.get()
    service.replace_table(
        table,
        by=statistician,
        title=table.title,
        source=table.source,
        upload=SimpleUploadedFile("t.csv", BY_REGION, content_type="text/csv"),
    )
    assert "NE, F could be worked out exactly" not in client.get(june.get_absolute_url()).content.decode()
    assert len(audits) == 3
