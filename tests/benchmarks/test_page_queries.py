"""Every page ``benchmark_pages`` measures runs as many queries on a small seed as on one twice its size.

The pages come from the command's own list and are found the way the command finds them, so a
page added to the benchmark is covered here without another line. A page whose count moves with
the data runs a query per row somewhere, which is what this test is for; no page has a tolerance
but the audit explorer (``TOLERANCE``).

It runs on PostgreSQL, the database the benchmark and production use: two seeds and some 360
requests take two to three minutes under coverage, and the SQLite pass measures coverage. The
pages it covers also have their own query tests on both databases.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client

from governance.management.commands.benchmark_pages import PAGES, fetch, page_url, queries_of, signed_in
from governance.seeding.scale import Plan, seed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="compared on PostgreSQL, the benchmark's database"),
]

SMALL = Plan(
    staff=60,
    areas=3,
    assets=30,
    items_per_asset=12,
    signoffs=60,
    grants=60,
    contracts=60,
    audit=0,
    access_events=10,
    batch=500,
)
# Twice as much of everything a page lists (the contracts stay under 120 so the
# researchers' outputs, one researcher per 60 contracts, stay the same).
LARGER = dataclasses.replace(SMALL, staff=120, areas=4, assets=60, signoffs=150, grants=150, contracts=119)

# The audit explorer names the records its 50 newest events mention with one query per kind of
# record (people, assets, incidents...): its count follows which kinds are among those 50 events
# (where one seed phase ends and the next begins moves with the sizes), never how many rows there
# are. Two kinds either way.
TOLERANCE = {"audit explorer": 2}


class Undo(Exception):
    """Rolls back the first seed so the second starts from an empty database."""


def counts_at(plan: Plan) -> dict[str, int]:
    """Seed ``plan`` and count each benchmarked page's queries, after one warming request."""
    cache.clear()
    seed(plan, lambda message: None)
    clients: dict[str, Client] = {}
    counts, failures = {}, []
    for label, role, target in PAGES:
        url = page_url(target)
        if url is None:
            failures.append(f"{label}: the seed has nothing for this page")
            continue
        client = clients.get(role) or clients.setdefault(role, signed_in(role))
        try:
            fetch(client, url)
        except CommandError as error:
            failures.append(f"{label} as {role}: {error}")
            continue
        counts[label] = queries_of(client, url)
    assert failures == []
    return counts


def test_each_benchmarked_page_runs_the_same_queries_at_two_sizes():
    small: dict[str, int] = {}
    try:
        with transaction.atomic():
            small.update(counts_at(SMALL))
            raise Undo
    except Undo:
        pass
    larger = counts_at(LARGER)

    grown = {
        label: (small[label], larger[label])
        for label in small
        if abs(small[label] - larger[label]) > TOLERANCE.get(label, 0)
    }
    # The largest incident names 50 grants where the others name one, and is otherwise alike.
    one, fifty = (larger[f"incident, naming {n}"] for n in ("1 grant", "50 grants"))
    if one != fifty:
        grown["incident, naming 1 grant against 50"] = (one, fifty)
    assert grown == {}, f"query counts that follow the data (small seed or 1 grant, larger or 50): {grown}"
