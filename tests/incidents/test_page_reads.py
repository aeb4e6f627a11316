"""What the incident pages read by statements built once (the incident and its people, its actions) is
what the querysets load."""

from __future__ import annotations

import pytest

from governance.core.compiled import concrete_attnames
from governance.core.models import User
from governance.incidents import linked, records
from governance.incidents.models import Incident, IncidentAction
from governance.incidents.views import _INCIDENT, _incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_actions_and_their_owners_are_the_queryset_s(incident, handler, area):
    owners = [handler, UserFactory(business_area=area, first_name="Ola")]
    for n in range(3):
        records.add_action(incident, by=handler, description=f"Step {n}", owner=owners[n % 2])
    expected = list(
        IncidentAction.objects.filter(incident=incident).select_related("owner").order_by("created_at", "pk")
    )
    read = linked.actions_of(incident)
    assert read == expected and len(read) == 3
    for got, want in zip(read, expected, strict=True):
        assert [getattr(got, n) for n in concrete_attnames(IncidentAction)] == [
            getattr(want, n) for n in concrete_attnames(IncidentAction)
        ]
        assert IncidentAction.owner.is_cached(got)
        assert [getattr(got.owner, n) for n in concrete_attnames(User)] == [
            getattr(want.owner, n) for n in concrete_attnames(User)
        ]
        assert got.get_state_display() == want.get_state_display()


def _same(got, want):
    """Two instances alike: the same columns loaded, and the same relations attached, all the way down."""
    assert type(got) is type(want) and got.__dict__.keys() == want.__dict__.keys()
    assert [getattr(got, n) for n in concrete_attnames(type(got))] == [
        getattr(want, n) for n in concrete_attnames(type(want))
    ]
    assert got._state.fields_cache.keys() == want._state.fields_cache.keys()
    for name, related in want._state.fields_cache.items():
        if related is None:
            assert got._state.fields_cache[name] is None
        else:
            _same(got._state.fields_cache[name], related)


def test_the_incident_comes_with_its_people_as_select_related_brings_them(incident, handler, area, deputy_siro):
    from django.http import Http404

    from tests.incidents.conftest import triage

    def loaded(pk):
        return Incident.objects.select_related(*_INCIDENT.related).get(pk=pk)

    assert incident.handler_id is None  # not triaged yet: an empty key
    _same(_incident(incident.pk), loaded(incident.pk))
    triage(incident, handler)
    _same(_incident(incident.pk), loaded(incident.pk))
    area.deputy_siro = None
    area.save()
    _same(_incident(incident.pk), loaded(incident.pk))
    Incident.objects.filter(pk=incident.pk).update(business_area=None)
    _same(_incident(incident.pk), loaded(incident.pk))
    with pytest.raises(Http404):
        _incident(incident.pk + 1000)
