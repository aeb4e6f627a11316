"""The grants an incident involves: those named in it, on any asset, and every grant on its linked assets."""

from __future__ import annotations

import pytest

from governance.incidents import linked
from governance.incidents.models import IncidentLink
from tests.factories import UserFactory, make_asset, make_grant

pytestmark = pytest.mark.django_db


def test_named_grants_on_other_assets_and_every_grant_on_linked_assets_are_in_scope(
    incident, asset, iam, area, reporter
):
    elsewhere = make_asset(manager=iam, business_area=area, name="Another asset")
    unlinked = make_asset(manager=iam, business_area=area, name="Unrelated asset")
    on_linked = [make_grant(UserFactory(business_area=area), asset) for _ in range(2)]
    named = make_grant(UserFactory(business_area=area), elsewhere)
    make_grant(UserFactory(business_area=area), elsewhere)  # on the named grant's asset, but not named
    make_grant(UserFactory(business_area=area), unlinked)
    IncidentLink.objects.create(incident=incident, grant=named, added_by=reporter)
    expected = {*(g.pk for g in on_linked), named.pk}

    assert {g.pk for g in linked.grants_in_scope(incident)} == expected
    loaded = list(IncidentLink.objects.filter(incident=incident).select_related("grant"))
    assert {g.pk for g in linked.grants_in_scope(incident, loaded)} == expected
    unloaded = list(IncidentLink.objects.filter(incident=incident))  # grants not loaded: the links are read again
    assert {g.pk for g in linked.grants_in_scope(incident, unloaded)} == expected
    assert {g.pk for g in linked.live_grants(incident, loaded)} == expected


def test_an_incident_naming_no_grant_or_asset_has_none(reporter):
    from tests.incidents.conftest import report

    bare = report(reporter, assets=[])
    assert list(linked.grants_in_scope(bare)) == []
    assert list(linked.live_grants(bare, [])) == []


def test_the_page_s_live_grants_are_the_queryset_s(incident, asset, iam, area, reporter, handler, monkeypatch):
    from governance.access.models import AccessGrant
    from governance.incidents import touched

    grants = [make_grant(UserFactory(business_area=area), asset) for _ in range(4)]
    elsewhere = make_asset(manager=iam, business_area=area, name="Another asset")
    named = make_grant(UserFactory(business_area=area), elsewhere)
    IncidentLink.objects.create(incident=incident, grant=named, added_by=reporter)
    AccessGrant.objects.filter(pk=grants[1].pk).update(
        state=AccessGrant.State.SUSPENDED, suspension=AccessGrant.Suspension.INCIDENT
    )
    links = touched.links_of(incident)
    for limit in (50, 2):
        expected = list(linked.live_grants(incident, links)[:limit])
        shown = linked.live_grants_shown(incident, links, limit)
        assert [g.pk for g in shown] == [g.pk for g in expected]
        for got, want in zip(shown, expected, strict=True):
            assert (got.state, got.suspension, got.holder_id, got.restorable_here) == (
                want.state,
                want.suspension,
                want.holder_id,
                want.restorable_here,
            )
            assert (got.holder.display_name, got.asset.name) == (want.holder.display_name, want.asset.name)
    assert linked.live_grants_shown(incident, [], 50) == []
