"""The read API for the traceability page and the annual return: incidents touching assets in a period,
and open and overdue counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.core import roles
from governance.incidents import queries, records, touched
from tests.factories import DataItemFactory, make_contract, make_grant
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


def test_the_pages_links_name_every_kind_of_record_in_two_queries(reporter, asset, django_assert_num_queries):
    """The incident page's links (``touched.links_of``): each names its record, its IAM, its asset or its
    holder from the two compiled statements alone, as the ORM would read them."""
    grant = make_grant(reporter, asset)  # one the reporter holds, and a contract they manage: both theirs to name
    item = DataItemFactory(asset=asset, name="claimant_nino")
    reporter.groups.add(Group.objects.get(name=roles.CONTRACT_MANAGERS))
    contract = make_contract(manager=reporter)
    incident = report(reporter, assets=[asset], data_items=[item], grants=[grant], contracts=[contract])
    expected = {link.pk: link for link in incident.links.select_related("asset__manager", "data_item__asset")}
    with django_assert_num_queries(2):
        links = touched.links_of(incident)
        named = {
            link.pk: (
                str(link.asset or link.data_item or link.grant or link.contract),
                link.asset.manager.display_name if link.asset else None,
                link.data_item.asset.name if link.data_item else None,
                (link.grant.holder.display_name, link.grant.asset.name, link.grant.state) if link.grant else None,
                link.contract.get_absolute_url() if link.contract else None,
            )
            for link in links
        }
    assert [link.pk for link in links] == sorted(expected)
    grant_link = next(link for link in links if link.grant_id)
    assert named[grant_link.pk] == (str(grant), None, None, (reporter.display_name, asset.name, grant.state), None)
    for pk, link in expected.items():
        assert named[pk][0] == str(link.asset or link.data_item or link.grant or link.contract)
        if link.asset_id:
            assert named[pk][1] == asset.manager.display_name
        if link.data_item_id:
            assert named[pk][2] == asset.name
