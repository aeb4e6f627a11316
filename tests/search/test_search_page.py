"""The search page: grouped results with counts, one kind page by page, refusals, and its queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.search.results import clean_text
from tests.factories import UserFactory, contract_manager, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db


def test_a_contract_manager_finds_their_contract_by_its_reference_and_staff_do_not(verified_client, staff):
    manager = contract_manager()
    contract = make_contract(manager=manager, reference="DWP-RES-2031-014", title="Labour market outcomes")
    make_contract(reference="DWP-RES-2031-099", title="Someone else's study")
    page = verified_client(manager).get("/search/?q=DWP-RES-2031-014")
    assert page.status_code == 200
    groups = {group.kind.key: group for group in page.context["groups"]}
    assert groups["contracts"].count == 1
    assert [r.url for r in groups["contracts"].results] == [contract.get_absolute_url()]
    content = page.content.decode()
    assert "1 contract" in content and "Labour market outcomes" in content
    assert "Someone else" not in content
    staff_page = verified_client(staff).get("/search/?q=DWP-RES-2031-014")
    assert {g.kind.key: g.count for g in staff_page.context["groups"]}["contracts"] == 0
    assert "Nothing you can see matches" in staff_page.content.decode()


def test_results_are_grouped_by_kind_with_counts_and_a_kind_is_listed_in_full(verified_client, auditor, area):
    for n in range(7):
        make_asset(manager=None, business_area=area, name=f"Pension payments {n}")
    client = verified_client(auditor)
    page = client.get("/search/?q=Pension payments")
    groups = {group.kind.key: group for group in page.context["groups"]}
    assert groups["assets"].count == 7 and len(groups["assets"].results) == 5
    content = page.content.decode()
    assert "7 assets" in content and "See all 7 assets" in content
    every = client.get("/search/?q=Pension payments&kind=assets")
    assert every.context["total"] == 7 and len(every.context["results"]) == 7
    assert "Assets matching “Pension payments”" in every.content.decode()


def test_a_grant_and_an_incident_are_found_by_their_references(verified_client, auditor, area, iam):
    holder = UserFactory(business_area=area, first_name="Dana", last_name="Okafor")
    grant = make_grant(holder, asset=make_asset(manager=iam, business_area=area, name="Claims"))
    client = verified_client(auditor)
    for text in (f"Grant {grant.pk}", f"grant #{grant.pk}"):
        found = {g.kind.key: g for g in client.get("/search/", {"q": text}).context["groups"]}
        assert grant.get_absolute_url() in [r.url for r in found["grants"].results], text
    by_holder = {g.kind.key: g for g in client.get("/search/?q=Dana Okafor").context["groups"]}
    assert by_holder["people"].count == 1 and by_holder["grants"].count == 1


def test_the_header_has_the_search_box_once_signed_in(client, verified_client, staff):
    assert 'role="search"' not in client.get("/account/login/").content.decode()
    home = verified_client(staff).get("/").content.decode()
    assert 'action="/search/"' in home and 'name="q"' in home


def test_an_empty_search_shows_the_box_only(verified_client, staff):
    page = verified_client(staff).get("/search/?q=%20%20")
    assert page.status_code == 200 and "groups" not in page.context


def test_the_anonymous_are_sent_to_sign_in(client):
    assert client.get("/search/?q=anything")["Location"].startswith("/account/login/")


def test_the_words_are_trimmed_and_bounded():
    assert clean_text("  two   words ") == "two words"
    assert len(clean_text("x" * 1000)) == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["auditor", "iam"])
def test_the_queries_do_not_grow_with_the_results(verified_client, request, area, who):
    viewer = request.getfixturevalue(who)
    client = verified_client(viewer)
    counts = []
    for size in (2, 12):
        for n in range(size):
            asset = make_asset(manager=request.getfixturevalue("iam"), business_area=area, name=f"Growth {size} {n}")
            make_grant(UserFactory(business_area=area, last_name=f"Growth{n}"), asset=asset)
            make_contract(reference=f"GROWTH-{size}-{n}", title=f"Growth study {n}")
        _queries(client, "/search/?q=Growth")  # warm the session and caches
        counts.append((_queries(client, "/search/?q=Growth"), _queries(client, "/search/?q=Growth&kind=grants")))
    assert counts[0] == counts[1], counts
    assert counts[1][0] <= 30  # two per kind and the person's own facts
