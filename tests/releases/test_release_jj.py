"""A release table's protection problem out to tau-ARGUS or sdcTable (JJ format), and a pattern back in; and what
disclosure control states about its cells a priori (tau-ARGUS's a-priori file)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.core.models import AccessEvent, AuditEntry
from governance.disclosure import Rules
from governance.disclosure.jj import from_jj
from governance.releases import records
from governance.releases import workflow as service
from governance.releases.forms import RulesForm
from governance.releases.models import DisclosureRuleSet, OutputTable, StatisticalRelease
from tests.releases import test_releases as releases
from tests.releases.test_releases import csv_upload, sign

pytestmark = pytest.mark.django_db


# The release tests' people and table, under the same names.
@pytest.fixture
def statistician(area):
    return releases.statistician.__wrapped__(area)


@pytest.fixture
def chief(area):
    return releases.chief.__wrapped__(area)


@pytest.fixture
def sdc(area):
    return releases.sdc.__wrapped__(area)


@pytest.fixture
def asset(iam, area, deputy_siro):
    return releases.asset.__wrapped__(iam, area, deputy_siro)


@pytest.fixture
def table(statistician, asset):
    release = releases.release.__wrapped__(statistician)
    source = releases.source.__wrapped__(release, statistician, asset)
    return releases.table.__wrapped__(release, statistician, source)


# The table: North 120, South 3 (unsafe), East 85, West 64, Total 272; South is hidden with West.
NORTH, SOUTH, EAST, WEST, TOTAL = range(5)


def jj_url(table) -> str:
    return f"/releases/{table.release_id}/tables/{table.pk}/jj/"


def pattern_url(table) -> str:
    return f"/releases/{table.release_id}/tables/{table.pk}/jj/pattern/"


def with_statuses(text: str, statuses: dict[int, str]) -> bytes:
    """The JJ text with some cells' statuses changed, as another tool would write it back."""
    lines = text.splitlines()
    for index, status in statuses.items():
        parts = lines[2 + index].split()
        parts[3] = status
        lines[2 + index] = " ".join(parts)
    return ("\n".join(lines) + "\n").encode()


def jj_file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("table.jj", content, content_type="text/plain")


def test_disclosure_control_downloads_the_problem_and_pattern_as_jj(verified_client, sdc, table):
    response = verified_client(sdc).get(jj_url(table))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('claims-by-region.jj"')
    problem = from_jj(response.content.decode())
    assert [cell.status for cell in problem.cells] == ["s", "u", "s", "m", "s"]
    assert [str(cell.value) for cell in problem.cells] == ["120", "3", "85", "64", "272"]
    assert problem.cells[SOUTH].upper_protection == 7  # up to the threshold of 10
    assert len(problem.relations) == 1 and problem.unbalanced() == []
    assert AccessEvent.objects.get(kind="download").detail == "Protection problem (JJ format)"
    page = verified_client(sdc).get(table.get_absolute_url()).content.decode()
    assert jj_url(table) in page and pattern_url(table) in page


@pytest.mark.parametrize("who", ["statistician", "chief", "auditor", "iam"])
def test_only_disclosure_control_exchanges_jj_files(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get(jj_url(table)).status_code == 403
    assert client.get(pattern_url(table)).status_code == 403
    assert client.post(pattern_url(table), {"file": jj_file(b"0\n0\n0\n")}).status_code == 403
    assert not AccessEvent.objects.filter(kind="download").exists()
    page = client.get(table.get_absolute_url()).content.decode()
    assert jj_url(table) not in page and pattern_url(table) not in page


def test_a_pattern_changed_elsewhere_is_audited_and_used(verified_client, sdc, chief, table):
    sign(table.release, chief)
    text = verified_client(sdc).get(jj_url(table)).content.decode()
    # Elsewhere, East was hidden with South in place of West.
    changed = with_statuses(text, {EAST: "m", WEST: "s"})
    response = verified_client(sdc).post(pattern_url(table), {"file": jj_file(changed)})
    assert response.status_code == 302
    table.refresh_from_db()
    result = service.result_of(table)
    assert [cell.suppressed for cell in result.cells] == [False, True, True, False, False]
    assert table.passed and service.is_current(table) and table.checked_by == sdc
    assert result.audit["pattern"]["method"] == "given pattern"
    release = StatisticalRelease.objects.get(pk=table.release_id)
    assert release.status == StatisticalRelease.Status.DRAFT  # the sign-off was voided
    assert service.live_sign_off(release) is None
    # Who brought the pattern in prepared the table, and does not sign the release off.
    with pytest.raises(PermissionDenied):
        sign(release, sdc)


def test_a_pattern_that_falls_short_is_refused_with_every_problem_and_nothing_changes(verified_client, sdc, table):
    before = OutputTable.objects.get(pk=table.pk).result
    text = verified_client(sdc).get(jj_url(table)).content.decode()
    bare = with_statuses(text, {WEST: "s"})  # South alone is given away by its total
    response = verified_client(sdc).post(pattern_url(table), {"file": jj_file(bare)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "does not protect the table" in page and "could be recovered from its total" in page
    shown = with_statuses(text, {SOUTH: "s", WEST: "s"})
    page = verified_client(sdc).post(pattern_url(table), {"file": jj_file(shown)}).content.decode()
    assert "unsafe to publish but would be shown" in page
    assert OutputTable.objects.get(pk=table.pk).result == before


def test_a_file_that_is_not_this_tables_problem_lists_every_problem(verified_client, sdc, table):
    text = verified_client(sdc).get(jj_url(table)).content.decode()
    broken = text.replace("0 120 120 s", "0 121 121 q").replace(" : ", " ").encode()
    page = verified_client(sdc).post(pattern_url(table), {"file": jj_file(broken)}).content.decode()
    assert "the status &#x27;q&#x27; is not one of s, u, z or m" in page
    assert "a relation is its right-hand side" in page
    other = text.replace("0 120 120", "0 121 121").encode()
    page = verified_client(sdc).post(pattern_url(table), {"file": jj_file(other)}).content.decode()
    assert "values other than this table" in page
    page = verified_client(sdc).post(pattern_url(table), {}).content.decode()
    assert "Select a JJ file" in page


def test_no_pattern_comes_in_once_the_release_is_out(statistician, chief, sdc, table):
    sign(table.release, chief)
    service.mark_released(table.release, by=statistician)
    text = service.jj_export(table)
    with pytest.raises(PermissionDenied):
        service.apply_jj_pattern(table, by=sdc, upload=jj_file(text.encode()))
    with pytest.raises(PermissionDenied):
        service.apply_jj_pattern(table, by=statistician, upload=jj_file(text.encode()))


def test_the_service_refuses_an_unreadable_file(sdc, table):
    with pytest.raises(ValidationError, match="could not be read as text"):
        service.apply_jj_pattern(table, by=sdc, upload=jj_file(b"\xff\xfe\x00bad"))


# --- what secondary suppression minimises, as a setting ----------------------------------------------


def test_the_first_rules_take_their_suppression_cost_from_the_setting(settings):
    settings.DISCLOSURE_SECONDARY_COST = "weight"
    assert not DisclosureRuleSet.objects.exists()
    assert service.rules_of(service.current_rule_set()).secondary_cost == "weight"


def test_disclosure_control_chooses_weight_on_the_rules_page(verified_client, sdc):
    form = RulesForm(initial=RulesForm.initial_from(Rules()))
    assert "weight" in dict(form.fields["secondary_cost"].choices)
    page = verified_client(sdc).get("/releases/rules/").content.decode()
    assert "The total weight hidden" in page


# East is dear to hide by weight: with "weight" West (the next smallest by value) is spared instead.
WEIGHTED_CSV = b"region,count,cost\nNorth,120,\nSouth,3,\nEast,85,1\nWest,64,50\nTotal,272,\n"


def cost_url(table) -> str:
    return f"/releases/{table.release_id}/tables/{table.pk}/cost/"


def hidden_regions(table) -> list[str]:
    return [cell.key[0] for cell in service.result_of(table).cells if cell.suppressed]


def test_disclosure_control_chooses_what_one_tables_suppression_minimises(verified_client, sdc, chief, table):
    service.replace_table(
        table, by=table.release.author, title=table.title, source=table.source, upload=csv_upload(WEIGHTED_CSV)
    )
    table.refresh_from_db()
    assert hidden_regions(table) == ["South", "West"]  # by value, as the rules say
    sign(table.release, chief)
    page = verified_client(sdc).get(cost_url(table)).content.decode()
    assert "As the rules in force say" in page
    response = verified_client(sdc).post(cost_url(table), {"secondary_cost": "weight"})
    assert response.status_code == 302
    table.refresh_from_db()
    assert table.secondary_cost == "weight" and table.checked_by == sdc
    assert hidden_regions(table) == ["South", "East"] and table.passed
    assert service.live_sign_off(table.release) is None
    assert records.table_record(table)["table"]["secondary_cost"] == "weight"
    page = verified_client(sdc).get(table.get_absolute_url()).content.decode()
    assert "The total weight hidden" in page
    # The choice is methodology: the trail records the change, not the value chosen.
    entry = AuditEntry.objects.filter(content_type__model="outputtable").latest("pk")
    assert "secondary_cost" not in json.dumps(entry.changes)
    # Back to the rules.
    verified_client(sdc).post(cost_url(table), {"secondary_cost": "rules"})
    table.refresh_from_db()
    assert table.secondary_cost == "" and hidden_regions(table) == ["South", "West"]
    # An empty answer is refused.
    page = verified_client(sdc).post(cost_url(table), {}).content.decode()
    assert "Select what secondary suppression of this table minimises" in page


def test_only_disclosure_control_chooses_a_tables_suppression_cost(statistician, table):
    with pytest.raises(PermissionDenied):
        service.set_secondary_cost(table, by=statistician, cost="cells")


# --- a-priori statements ----------------------------------------------------------------------------


def apriori_url(table, part: str = "") -> str:
    return f"/releases/{table.release_id}/tables/{table.pk}/apriori/{part}"


def hst_file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("table.hst", content, content_type="text/plain")


def hidden_cells(table) -> dict[str, bool]:
    return {cell.key[0]: cell.suppressed for cell in service.result_of(table).cells}


def test_disclosure_control_states_cells_and_the_table_is_checked_again(verified_client, sdc, chief, table):
    sign(table.release, chief)
    client = verified_client(sdc)
    page = client.get(table.get_absolute_url()).content.decode()
    assert apriori_url(table) in page and "State what is known of cells a priori" in page
    assert hidden_cells(table) == {"North": False, "South": True, "East": False, "West": True, "Total": False}
    # East must be hidden whatever the rules say (by 2 either way), and West never: East partners South.
    response = client.post(apriori_url(table), {"file": hst_file(b'"East";u\nEast;pl;2;2\nWest;p\n')})
    assert response.status_code == 302
    table.refresh_from_db()
    assert hidden_cells(table) == {"North": False, "South": True, "East": True, "West": False, "Total": False}
    assert table.passed and service.is_current(table) and table.checked_by == sdc
    release = StatisticalRelease.objects.get(pk=table.release_id)
    assert service.live_sign_off(release) is None  # voided
    with pytest.raises(PermissionDenied):
        sign(release, sdc)  # who stated them prepared the table
    assert AuditEntry.objects.filter(object_pk=str(table.pk), action=AuditEntry.Action.UPDATE).exists()
    page = client.get(table.get_absolute_url()).content.decode()
    assert "A-priori statements (2 cells)" in page
    download = client.get(apriori_url(table, "file/"))
    assert download.status_code == 200 and download["Content-Disposition"].endswith('claims-by-region.hst"')
    assert download.content.decode().splitlines() == ['"East";u', '"East";pl;2;2', '"West";p']
    assert AccessEvent.objects.get(kind="download").detail == "A-priori statements"

    response = client.post(apriori_url(table, "remove/"))
    assert response.status_code == 302
    table.refresh_from_db()
    assert hidden_cells(table)["West"] and not hidden_cells(table)["East"]
    assert service.stated_cells(table) == 0


def test_a_faulty_file_lists_every_problem_and_nothing_changes(verified_client, sdc, table):
    before = OutputTable.objects.get(pk=table.pk)
    page = verified_client(sdc).post(apriori_url(table), {"file": hst_file(b"Nowhere;u\nEast;q\nTotal;b;300;400\n")})
    assert page.status_code == 200
    text = page.content.decode()
    assert "govuk-error-summary" in text
    assert "Line 1: the table has no cell Nowhere." in text
    assert "Line 2: &#x27;q&#x27; is not a statement" in text
    assert "Line 3: the bounds 300 to 400 do not hold the cell&#x27;s value, 272." in text
    after = OutputTable.objects.get(pk=table.pk)
    assert (after.data, after.result, after.table_digest) == (before.data, before.result, before.table_digest)
    assert "Select an a-priori file" in verified_client(sdc).post(apriori_url(table), {}).content.decode()


def test_a_sample_tables_bounds_are_refused_and_nothing_to_withdraw_is_said_so(verified_client, sdc, table):
    source = table.source
    source.extract_type, source.sampling_weight = "sample", 10
    source.save()
    client = verified_client(sdc)
    assert (
        "publishes estimates, so its protection levels (pl) and bounds (b)"
        in client.get(apriori_url(table)).content.decode()
    )
    before = OutputTable.objects.get(pk=table.pk)
    text = client.post(apriori_url(table), {"file": hst_file(b"East;u\nTotal;b;200;300\n")}).content.decode()
    assert "govuk-error-summary" in text and "Line 2: the table is made from a sample and publishes estimates" in text
    assert OutputTable.objects.get(pk=table.pk).data == before.data
    # Withdrawing when nothing is stated says so, and checks nothing again.
    response = client.post(apriori_url(table, "remove/"), follow=True)
    assert "has no a-priori statements to withdraw" in response.content.decode()
    assert OutputTable.objects.get(pk=table.pk).checked_at == before.checked_at


@pytest.mark.parametrize("who", ["statistician", "chief", "auditor", "iam"])
def test_only_disclosure_control_states_cells_a_priori(request, verified_client, table, who):
    client = verified_client(request.getfixturevalue(who))
    assert client.get(apriori_url(table)).status_code == 403
    assert client.post(apriori_url(table), {"file": hst_file(b"East;u\n")}).status_code == 403
    assert client.get(apriori_url(table, "file/")).status_code == 403
    assert client.post(apriori_url(table, "remove/")).status_code == 403
    assert apriori_url(table) not in client.get(table.get_absolute_url()).content.decode()
    assert service.stated_cells(OutputTable.objects.get(pk=table.pk)) == 0


def test_no_statement_comes_in_once_the_release_is_out(statistician, chief, sdc, table):
    sign(table.release, chief)
    service.mark_released(table.release, by=statistician)
    with pytest.raises(PermissionDenied):
        service.apply_apriori(table, by=sdc, upload=hst_file(b"East;u\n"))
    with pytest.raises(PermissionDenied):
        service.remove_apriori(table, by=sdc)
