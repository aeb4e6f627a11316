"""An incident's history panel read by the statements built once (``history_events.scoped_history``, on
PostgreSQL) is the querysets' history: the same events, entries, sizes and actors, for every viewer,
and never an entry the viewer may not see."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from governance.core import history_events
from governance.core.audit import acting_as, correlation
from governance.core.history import entries_of, hidden_types
from governance.core.history_events import event_heads, events_from, history_for, scoped_history, without_system
from governance.incidents import records
from governance.incidents.models import IncidentAction, IncidentLink
from tests.factories import UserFactory, make_grant
from tests.incidents.conftest import triage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the statements built once are PostgreSQL's"),
]


def _by_querysets(incident, viewer, *, system: bool, limit: int):
    entries = entries_of(incident, viewer)
    entries = entries if system else without_system(entries)
    return events_from(list(event_heads(entries)[:limit]), entries, system=system)


def _by_statements(incident, viewer, *, system: bool, limit: int):
    heads, members, sizes = scoped_history(
        incident.audit_scope(), hidden_types(incident, viewer), system, limit, "default"
    )
    return history_events._events(heads, members, sizes, system=system, known=None)


def _read(events):
    """What a page shows of the events, and the entries and actors behind each line."""
    return [
        (
            event.key,
            event.text,
            event.more,
            [(row.entry.pk, row.entry.actor_id, row.entry.actor, row.subject, row.changes) for row in event.rows],
            [row.entry.pk for row in event.system_rows],
            event.entry.pk,
            event.actor,
        )
        for event in events
    ]


@pytest.fixture
def busy(incident, handler, area, reporter):
    """An incident with a triage, a named grant (its link names the holder), and one action of many entries."""
    triage(incident, handler)
    grant = make_grant(UserFactory(business_area=area), incident.links.get().asset)
    with correlation(), acting_as(handler):
        IncidentLink.objects.create(incident=incident, grant=grant, added_by=handler)
    with correlation(), acting_as(handler):
        for n in range(6):
            IncidentAction.objects.create(incident=incident, description=f"Step {n}", owner=handler, created_by=handler)
    records.add_action(incident, by=handler, description="Recall the email", owner=handler)
    return incident


@pytest.mark.parametrize("shown", [100, 3])
def test_the_statements_read_the_querysets_events_for_every_viewer(
    busy, handler, reporter, auditor, monkeypatch, shown
):
    monkeypatch.setattr(history_events, "ENTRIES_SHOWN", shown)
    for viewer in (handler, reporter, auditor, None):
        for system in (False, True):
            for limit in (20, 2):
                expected = _read(_by_querysets(busy, viewer, system=system, limit=limit))
                assert _read(_by_statements(busy, viewer, system=system, limit=limit)) == expected
    largest = max(_by_statements(busy, handler, system=True, limit=20), key=lambda e: len(e.all_rows) + e.more)
    assert (largest.more > 0) == (shown == 3)


def test_an_event_is_read_only_as_far_back_as_its_reach(busy, handler, monkeypatch):
    assert any(len(event.all_rows) > 2 for event in _by_statements(busy, handler, system=True, limit=20))
    monkeypatch.setattr(history_events, "ENTRIES_REACH", 2)
    events = _by_statements(busy, handler, system=True, limit=20)
    assert _read(events) == _read(_by_querysets(busy, handler, system=True, limit=20))
    assert all(len(event.all_rows) <= 2 for event in events)


def test_a_viewer_who_may_not_see_the_links_never_reads_their_entries(busy, reporter, auditor):
    link_type = ContentType.objects.get_for_model(IncidentLink).pk
    assert hidden_types(busy, reporter) == (link_type,)
    assert hidden_types(busy, auditor) == ()

    def link_entries(events):
        return [row for event in events for row in event.all_rows if row.entry.content_type_id == link_type]

    for system in (False, True):
        assert not link_entries(_by_statements(busy, reporter, system=system, limit=20))
    assert link_entries(_by_statements(busy, auditor, system=False, limit=20))


def test_the_panel_reads_the_entries_with_the_two_statements(busy, auditor):
    request = RequestFactory().get(busy.get_absolute_url())
    request.user = auditor
    history_for(busy, limit=20, request=request)  # warm: content types
    for limit in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            events = history_for(busy, limit=limit, request=request)
        reads = [q["sql"] for q in queries.captured_queries if 'FROM "governance_auditentry"' in q["sql"]]
        assert len(reads) == 2 and "unnest" in reads[1]
        assert _read(events) == _read(_by_querysets(busy, auditor, system=False, limit=limit))
