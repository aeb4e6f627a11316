"""The audit explorer: filters, field differences, timelines, correlation, export on the record."""

from __future__ import annotations

import datetime

import pytest

from governance.core.audit import acting_as
from governance.core.models import AccessEvent, AuditEntry, BusinessArea
from tests.factories import BusinessAreaFactory, DataItemFactory, UserFactory, make_asset

TODAY = datetime.date.today()


@pytest.fixture
def history(area, other_area):
    actor = UserFactory(username="changer", staff_number="X1")
    with acting_as(actor):
        asset = make_asset(manager=None, business_area=area, name="Claims")
        DataItemFactory(asset=asset, name="nino")
        asset.storage_location = "Vault"
        asset.save()
        make_asset(manager=None, business_area=other_area, name="Pensions")
    return {"actor": actor, "asset": asset}


@pytest.mark.parametrize("who", ["staff", "deputy_siro"])
def test_the_explorer_is_refused_without_oversight(request, verified_client, who):
    response = verified_client(request.getfixturevalue(who)).get("/audit/")
    assert response.status_code == 403
    assert b"for auditors, the SIRO and administrators" in response.content


def test_filters_and_field_differences(verified_client, auditor, history, area):
    client = verified_client(auditor)
    asset = history["asset"]
    by_actor = client.get("/audit/?actor=changer").context["entries"]
    assert {e.actor for e in by_actor} == {history["actor"]}
    timeline = client.get(f"/audit/?object=informationasset:{asset.pk}")
    assert {e.scope for e in timeline.context["entries"]} == {asset.audit_scope()}
    content = timeline.content.decode()
    assert "Vault" in content and "Analytical secure environment" in content  # before and after
    updates = client.get(f"/audit/?object=informationasset:{asset.pk}&action=1").context["entries"]
    assert all(e.action == AuditEntry.Action.UPDATE for e in updates) and updates
    in_area = client.get(f"/audit/?business_area={area.pk}").context["entries"]
    assert all(e.business_area_id == area.pk for e in in_area) and in_area
    tomorrow = TODAY + datetime.timedelta(days=1)
    since = {"since_day": tomorrow.day, "since_month": tomorrow.month, "since_year": tomorrow.year}
    assert not client.get("/audit/", since).context["entries"]
    types = client.get(f"/audit/?content_type={timeline.context['entries'][0].content_type_id}").context["entries"]
    assert types


def test_one_requests_changes_are_viewed_together(verified_client, administrator, auditor, staff):
    response = verified_client(administrator).post(
        "/areas/new/", {"name": "Pensions", "code": "pen", "deputy_siro": staff.username}
    )
    cid = response["X-Correlation-ID"]
    entries = verified_client(auditor).get(f"/audit/?cid={cid}").context["entries"]
    assert len(entries) == 1  # one action: one event
    (event,) = verified_client(auditor).get(f"/audit/?cid={cid}&system=1").context["rows"]
    assert len(event.all_rows) >= 3 and {row.entry.cid for row in event.all_rows} == {cid}


def test_export_is_filtered_and_on_the_record(verified_client, auditor, history):
    client = verified_client(auditor)
    asset = history["asset"]
    csv_text = b"".join(client.get(f"/audit/?object=informationasset:{asset.pk}&format=csv").streaming_content)
    lines = csv_text.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("timestamp,chain_index,action")
    assert all("Pensions" not in line for line in lines)
    assert AccessEvent.objects.filter(user=auditor, kind="audit trail exported").exists()


def test_object_pages_link_to_their_timeline(verified_client, auditor, staff, history):
    asset = history["asset"]
    link = f"/audit/?object=informationasset%3A{asset.pk}"
    assert link in verified_client(auditor).get(f"/assets/{asset.pk}/").content.decode()
    assert link not in verified_client(staff).get(f"/assets/{asset.pk}/").content.decode()


@pytest.mark.parametrize("count", [10, 500])
def test_the_explorer_runs_a_bounded_number_of_queries(verified_client, auditor, count, django_assert_max_num_queries):
    actor = UserFactory()
    with acting_as(actor):
        areas = [BusinessAreaFactory() for _ in range(3)]
        for n in range(count):
            area = areas[n % 3]
            area.name = f"Name {n}"
            area.save()
    client = verified_client(auditor)
    client.get("/audit/")
    with django_assert_max_num_queries(20):
        response = client.get("/audit/")
    assert len(response.context["rows"]) == min(50, AuditEntry.objects.count())
    assert BusinessArea.objects.count() >= 3


def test_a_spreadsheet_too_large_for_a_web_worker_is_refused_with_advice(verified_client, auditor, history, settings):
    """XLSX is built whole in memory: above the cap the auditor is told to narrow the filters."""
    client = verified_client(auditor)
    matching = AuditEntry.objects.count()
    settings.AUDIT_EXPORT_XLSX_MAX_ROWS = matching - 1
    response = client.get("/audit/?format=xlsx", follow=True)
    assert response.redirect_chain and "format" not in response.redirect_chain[-1][0]
    page = response.content.decode()
    assert "too many for a spreadsheet" in page and "Narrow the filters" in page
    assert not AccessEvent.objects.filter(user=auditor, kind="audit trail exported").exists()
    settings.AUDIT_EXPORT_XLSX_MAX_ROWS = matching
    response = client.get("/audit/?format=xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
