"""Your grants: an IAM's live grants on their assets, refused to everyone else, in constant queries."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from governance.access import recertification
from governance.access.grants import revoke
from governance.access.models import AccessGrant
from governance.access.selectors import _YOUR_GRANT_COLUMNS, YourGrantRow, your_grant_rows
from governance.access.views import LAST_ACCESS_DAYS, YourGrantsView
from governance.core.access_events import record_access
from tests.factories import DataItemFactory, UserFactory, make_asset, make_course, make_grant, make_signoff

pytestmark = pytest.mark.django_db

URL = reverse("access:your-grants")


def _grant(asset, holder, **fields) -> AccessGrant:
    grant = make_grant(holder, asset)
    if fields.get("state") == AccessGrant.State.REVOKED:
        revoke(grant, by=asset.manager, reason="No longer needed")
    return grant


def test_an_iam_sees_the_live_grants_on_their_assets_only(verified_client, iam, asset, other_asset, staff):
    mine = _grant(asset, staff)
    _grant(asset, UserFactory(business_area=asset.business_area), state=AccessGrant.State.REVOKED)
    _grant(other_asset, staff)
    page = verified_client(iam).get(URL)
    assert page.status_code == 200
    assert [row.pk for row in page.context["grants"]] == [mine.pk]
    assert "1 live grant" in page.content.decode()
    assert "Never" in page.content.decode()


def test_last_access_is_the_holders_own_on_that_asset(iam, asset, staff, rf):
    grant = _grant(asset, staff)
    request = rf.get("/")
    request.user = staff
    record_access(request, asset, "download")
    assert your_grant_rows(iam, [grant.pk])[grant.pk].last_access is not None


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "auditor", "administrator"])
def test_people_who_manage_no_asset_are_refused(verified_client, request, asset, who):
    assert verified_client(request.getfixturevalue(who)).get(URL).status_code == 403


def test_the_asset_filter_offers_only_ones_own_assets(verified_client, iam, asset, other_asset):
    theirs = DataItemFactory(asset=other_asset, name="their_item")
    offered = verified_client(iam).get(URL).content.decode()
    assets = offered[offered.index('name="asset"') : offered.index("</select>", offered.index('name="asset"'))]
    items = offered[offered.index('name="item"') : offered.index("</select>", offered.index('name="item"'))]
    assert f'<option value="{asset.pk}">' in assets and f'value="{other_asset.pk}"' not in assets
    assert other_asset.name not in items and "their_item" not in items
    page = verified_client(iam).get(URL, {"asset": other_asset.pk, "item": theirs.pk})
    assert page.status_code == 200
    assert page.content.decode().count("Select a valid choice") == 2


def test_the_item_filter_groups_each_assets_items_under_its_name(verified_client, iam, asset, staff):
    second = make_asset(manager=iam, business_area=asset.business_area, name="Appeals register")
    region = DataItemFactory(asset=second, name="claim_count", sensitivity="non_personal")
    held = make_grant(staff, second, items=[region])
    page = verified_client(iam).get(URL).content.decode()
    select = page[page.index('name="item"') : page.index("</select>", page.index('name="item"'))]
    # Each asset's items under its name, the assets in name order: the same item name under both.
    assert select.index('<optgroup label="Appeals register">') < select.index(f'<optgroup label="{asset.name}">')
    assert select.count(">claim_count</option>") == 2
    assert f'<option value="{region.pk}">claim_count</option></optgroup>' in select
    chosen = verified_client(iam).get(URL, {"item": region.pk})
    assert [row.pk for row in chosen.context["grants"]] == [held.pk]
    assert f'<option value="{region.pk}" selected>claim_count</option>' in chosen.content.decode()


def test_the_pages_and_their_count_come_from_one_query_and_answer_as_django_pages_do(
    verified_client, iam, asset, monkeypatch
):
    monkeypatch.setattr(YourGrantsView, "paginate_by", 2)
    grants = [_grant(asset, UserFactory(business_area=asset.business_area)) for _ in range(3)]
    client = verified_client(iam)
    client.get(URL)  # the session and the role facts, read once
    with CaptureQueriesContext(connection) as queries:
        first = client.get(URL)
    # No count of its own: the count comes with the page's ids.
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT COUNT(*) AS "__count"')]
    second = client.get(URL, {"page": 2})
    listed = [row.pk for row in first.context["grants"]] + [row.pk for row in second.context["grants"]]
    assert sorted(listed) == sorted(g.pk for g in grants) and len(first.context["grants"]) == 2
    assert first.context["paginator"].count == second.context["paginator"].count == 3
    assert "3 live grants" in second.content.decode() and second.context["page_obj"].number == 2
    assert [row.pk for row in client.get(URL, {"page": "last"}).context["grants"]] == listed[2:]
    assert client.get(URL, {"page": 3}).status_code == 404
    assert client.get(URL, {"page": "two"}).status_code == 404
    # Nothing matched: an empty first page, counted as 0 without a second query.
    nothing = client.get(URL, {"holder": "nobody-by-this-name"})
    assert nothing.status_code == 200 and nothing.context["paginator"].count == 0
    assert "No live grants match." in nothing.content.decode()


def test_queries_do_not_grow_with_the_grants(verified_client, iam, asset, django_assert_max_num_queries):
    client = verified_client(iam)
    _grant(asset, UserFactory())
    client.get(URL)
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for _ in range(10):
        _grant(asset, UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL).context["grants"]) == 11


def test_the_iams_home_counts_the_live_grants_that_the_list_shows(verified_client, iam, asset, staff):
    _grant(asset, staff)
    _grant(asset, UserFactory(business_area=asset.business_area))
    home = verified_client(iam).get("/")
    assert "Your grants: 2 live" in home.content.decode()
    listed = verified_client(iam).get(URL)
    assert listed.context["page_obj"].paginator.count == 2


def test_staff_who_manage_nothing_have_no_grants_item(verified_client, staff, asset):
    assert "Your grants" not in verified_client(staff).get("/").content.decode()


def _listed(client, **filters) -> set[int]:
    page = client.get(URL, filters)
    assert page.status_code == 200
    return {row.pk for row in page.context["grants"]}


def test_the_filters_narrow_by_item_review_training_leaver_and_last_access(
    verified_client, iam, asset, other_area, staff, rf
):
    course = make_course()
    trained, lapsed = UserFactory(business_area=asset.business_area), UserFactory(business_area=other_area)
    make_signoff(trained, course)
    make_signoff(staff, course)
    counts = [asset.items.get(name="claim_count")]
    both = list(asset.items.filter(name__in=["claim_count", "benefit_type"]))
    fresh = make_grant(trained, asset, items=counts)
    moved = make_grant(lapsed, asset, items=both)
    recertification.start_campaign()
    late = make_grant(staff, asset, items=both)  # granted after the campaign opened: not in it
    request = rf.get("/")
    request.user = trained
    record_access(request, asset, "granted data viewed", f"grant {fresh.pk}; columns: claim_count")
    staff.leaver_date = datetime.date.today() + datetime.timedelta(days=10)
    staff.save()
    client = verified_client(iam)
    benefit = asset.items.get(name="benefit_type")
    assert _listed(client, item=benefit.pk) == {moved.pk, late.pk}
    assert _listed(client, review="due") == {fresh.pk, moved.pk}
    assert _listed(client, review="none") == {late.pk}
    assert _listed(client, training="lapsed") == {moved.pk}
    assert _listed(client, training="current") == {fresh.pk, late.pk}
    assert _listed(client, leaver="left") == {late.pk}
    assert _listed(client, leaver="moved") == {moved.pk}
    assert _listed(client, leaver="in_post") == {fresh.pk}
    assert _listed(client, last_access="never") == {moved.pk, late.pk}
    assert _listed(client, last_access="recent") == {fresh.pk}
    # An access long ago is stale, as is none at all.
    with time_machine.travel(timezone.now() - datetime.timedelta(days=LAST_ACCESS_DAYS + 5)):
        request.user = staff
        record_access(request, asset, "granted data viewed", f"grant {late.pk}; columns: claim_count")
    assert _listed(client, last_access="never") == {moved.pk}
    assert _listed(client, last_access="stale") == {moved.pk, late.pk}
    assert _listed(client, last_access="recent") == {fresh.pk}


def test_the_filters_add_no_query_per_grant(verified_client, iam, asset, django_assert_max_num_queries):
    make_course()
    client = verified_client(iam)
    filters = {"review": "due", "training": "lapsed", "leaver": "moved", "last_access": "stale"}
    _grant(asset, UserFactory())
    recertification.start_campaign()
    client.get(URL, filters)
    with django_assert_max_num_queries(25) as few:
        client.get(URL, filters)
    for _ in range(10):
        _grant(asset, UserFactory())
    recertification.start_campaign()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(URL, filters).context["grants"]) == 11


def test_the_home_count_says_how_many_are_due_and_by_when(verified_client, iam, asset, staff):
    _grant(asset, staff)
    _grant(asset, UserFactory(business_area=asset.business_area))
    run = recertification.start_campaign()
    deadline = run.campaign.deadline
    day = dateformat.format(deadline, "j F" if deadline.year == datetime.date.today().year else "j F Y")
    home = verified_client(iam).get("/").content.decode()
    assert f"Your grants: 2 live, 2 due for review by {day}" in home


def test_the_rows_read_each_column_into_its_place(iam, asset, staff):
    """The row's fields are the selected columns, in order: the evidence's names are the last fields."""
    assert [column.replace("__", "_").replace("business_area", "area") for column in _YOUR_GRANT_COLUMNS] == list(
        YourGrantRow._fields
    )
    grant = _grant(asset, staff)
    row = your_grant_rows(iam, [grant.pk])[grant.pk]
    assert (row.asset_name, row.holder_name, row.holder_area_id, row.ends_on, row.state) == (
        asset.name,
        staff.display_name,
        staff.business_area_id,
        grant.ends_on,
        grant.state,
    )
    assert row.item_count == grant.items.count()
    assert your_grant_rows(UserFactory(), [grant.pk]) == {}  # another person's grant: not their row
