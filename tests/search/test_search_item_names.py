"""On PostgreSQL the data items are ranked and counted through the summary of their distinct names:
the summary must follow every way items are written, answer exactly as ranking the items one by one
does, and never answer for someone who sees only some of the items."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.register.models import DataItem
from governance.search import item_names
from governance.search.first_rows import first_matches
from governance.search.item_names import first_by_names
from governance.search.kinds import BY_KEY
from tests.factories import DataItemFactory, make_asset

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the summary of names is PostgreSQL's"),
]

ITEMS = BY_KEY["items"]


def _summary() -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, description, items FROM search_data_item_names")
        return {(name, description): items for name, description, items in cursor.fetchall()}


def _counted() -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, description, COUNT(*) FROM governance_dataitem GROUP BY name, description")
        return {(name, description): items for name, description, items in cursor.fetchall()}


def test_the_summary_follows_every_way_items_are_written(area):
    """Saved one by one, created in bulk, renamed by an update of many rows, redescribed, deleted one by
    one and with their asset, written by hand in SQL, and truncated: the summary counts what is there."""
    claims, benefits = (make_asset(manager=None, business_area=area, name=name) for name in ("Claims", "Benefits"))
    DataItemFactory(asset=claims, name="benefit_type", description="Benefit type")
    DataItemFactory(asset=benefits, name="benefit_type", description="Benefit type")
    assert _summary()[("benefit_type", "Benefit type")] == 2
    assert _summary() == _counted()

    DataItem.objects.bulk_create(
        DataItem(asset=asset, name="nino", description="National Insurance number", sensitivity="identifier")
        for asset in (claims, benefits)
    )
    assert _summary()[("nino", "National Insurance number")] == 2

    DataItem.objects.filter(name="nino").update(name="ni_number")
    assert ("nino", "National Insurance number") not in _summary()
    assert _summary()[("ni_number", "National Insurance number")] == 2

    item = DataItem.objects.get(asset=claims, name="benefit_type")
    item.description = "The benefit claimed"
    item.save()
    item.save()  # saved again unchanged: counted once
    assert _summary()[("benefit_type", "Benefit type")] == 1
    assert _summary()[("benefit_type", "The benefit claimed")] == 1

    item.delete()
    assert ("benefit_type", "The benefit claimed") not in _summary()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO governance_dataitem (asset_id, name, description, sensitivity) VALUES (%s, %s, %s, %s)",
            [claims.pk, "sex", "Sex", "personal"],
        )
    assert _summary() == _counted()

    benefits.items.all().delete()
    assert _summary() == _counted()
    assert _summary()[("ni_number", "National Insurance number")] == 1

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check left pending on the tables truncated
        cursor.execute("TRUNCATE governance_dataitem CASCADE")
    assert _summary() == {}


def _both(viewer, text: str, limit: int) -> tuple[tuple[int, list[int]], tuple[int, list[int]]]:
    visible = ITEMS.records(viewer)
    summarised = first_by_names(visible, text, limit, ITEMS.related)
    assert summarised is not None, "the summary should answer for someone who sees every item"
    one_by_one = first_matches(visible, text, ITEMS.ranking, also=None, limit=limit)
    return (summarised[0], [row.pk for row in summarised[1]]), (one_by_one[0], [row.pk for row in one_by_one[1]])


TEXTS = (
    "benefit",
    "type",
    "benefit type",
    "Benefit -amount",
    "-type",
    "ben",
    "benefit_type",
    "amount",
    "insurance",
    "e",
    "xyz",
    "50%",
    "t_5",
)


def test_the_summary_finds_and_orders_the_items_as_ranking_each_of_them_does(auditor, area):
    """Names shared by many assets, a name described two ways, names ranked alike whose items interleave
    by their assets' names, a tie with fewer items than are shown followed by the next: for each text and
    number shown, the same count and the same items in the same order as ranking the items one by one."""
    assets = [make_asset(manager=None, business_area=area, name=name) for name in ("Zeta", "Alpha", "Mid", "Beta")]
    for asset in assets:
        DataItemFactory(asset=asset, name="benefit_type", description="Benefit type")
    for asset in assets[1:3]:
        DataItemFactory(asset=asset, name="benefit_amount", description="Benefit amount")
        DataItemFactory(asset=asset, name="claim_type", description="Claim type")
    DataItemFactory(asset=assets[3], name="type_of_benefit", description="Type of benefit paid")
    DataItemFactory(asset=assets[0], name="nino", description="National Insurance number")
    DataItemFactory(asset=assets[2], name="amount_paid", description="Benefit type")

    for text in TEXTS:
        for limit in (1, 2, 5, 10):
            summarised, one_by_one = _both(auditor, text, limit)
            assert summarised == one_by_one, (text, limit)
    assert _both(auditor, "benefit", 5)[0][0] == 8


def test_someone_who_sees_only_some_items_is_never_answered_from_the_summary(staff, area):
    """The summary counts everyone's items: a view of some (a selector that restricts, or none at all)
    is ranked one by one."""
    claims = make_asset(manager=None, business_area=area, name="Claims")
    DataItemFactory(asset=claims, name="benefit_type", description="Benefit type")
    DataItemFactory(name="benefit_type", description="Benefit type")
    some = DataItem.objects.filter(asset=claims)
    assert first_by_names(some, "benefit", 5, ITEMS.related) is None
    assert first_by_names(DataItem.objects.none(), "benefit", 5, ITEMS.related) is None
    assert ITEMS.first(staff, "benefit", 5)[0] == 2


def test_many_names_ranked_alike_are_ranked_one_by_one(auditor, area, monkeypatch):
    monkeypatch.setattr(item_names, "MOST_ALIKE", 2)
    claims = make_asset(manager=None, business_area=area, name="Claims")
    for name in ("alpha_type", "beta_type", "gamma_type"):
        DataItemFactory(asset=claims, name=name, description="A type")
    assert first_by_names(ITEMS.records(auditor), "type", 5, ITEMS.related) is None
    count, rows = ITEMS.first(auditor, "type", 5)
    assert (count, len(rows)) == (3, 3)


def test_a_name_shared_by_many_items_is_found_in_two_queries(auditor, area):
    for n in range(12):
        asset = make_asset(manager=None, business_area=area, name=f"Survey {n:02}")
        DataItemFactory(asset=asset, name="benefit_type", description="Benefit type")
    with CaptureQueriesContext(connection) as captured:
        count, rows = first_by_names(ITEMS.records(auditor), "benefit", 5, ITEMS.related)
    assert count == 12
    assert [row.asset.name for row in rows] == [f"Survey {n:02}" for n in range(5)]
    assert len(captured.captured_queries) == 2
