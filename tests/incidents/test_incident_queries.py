"""The read API for the traceability page and the annual return: incidents touching assets in a period,
and open and overdue counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from governance.incidents import queries, records
from tests.factories import make_grant
from tests.incidents.conftest import report, triage

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_incidents_touching_assets_in_a_period(reporter, asset, other_asset):
    with time_machine.travel(timezone.now() - 40 * DAY):
        old = report(reporter, assets=[asset])
    direct = report(reporter, assets=[asset])
    through_grant = report(reporter, grants=[make_grant(reporter, asset)])  # a grant the reporter holds
    elsewhere = report(reporter, assets=[other_asset])
    recent = queries.touching_assets([asset], start=timezone.now() - 30 * DAY)
    assert set(recent) == {direct, through_grant}
    assert set(queries.touching_assets([asset.pk])) == {old, direct, through_grant}
    assert elsewhere not in queries.touching_assets([asset])
    assert list(queries.touching_assets([asset], end=timezone.now() - 30 * DAY)) == [old]


def test_touching_assets_is_one_query(reporter, asset, django_assert_num_queries):
    for _ in range(3):
        report(reporter, assets=[asset])
    with django_assert_num_queries(1):
        assert len(list(queries.touching_assets([asset]))) == 3


def test_open_and_overdue_counts(reporter, asset, deputy_siro, django_assert_num_queries):
    decided = triage(report(reporter, assets=[asset]), deputy_siro)
    records.decide_ico(decided, by=deputy_siro, decision="report", reason="Risk")
    waiting = report(reporter, assets=[asset])
    with django_assert_num_queries(1):
        counts = queries.open_counts()
    assert (counts.open, counts.awaiting_decision, counts.overdue) == (2, 1, 0)
    later = queries.open_counts(now=waiting.ico_deadline + DAY)
    assert (later.open, later.awaiting_decision, later.overdue) == (2, 1, 1)
