"""One rule, one implementation: the page, the API list and the predicate agree object by object.

The viewers include the two that once split them: a superuser (who oversees every area
without holding a role) and someone holding an area's oversight permission through a
group, not in their own name. Each rule's queryset (``selectors``) is the implementation;
the predicate answers for one record from the same role facts; the page and the API use
them. Any viewer for whom a page opens but the list leaves the record out fails here.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from governance.core.models import BusinessArea, User
from governance.core.policy import OVERSEE_AREA_PERM, is_deputy_siro, oversees_area
from governance.core.selectors import overseen_areas, oversees_any_area
from governance.incidents.policy import can_view
from governance.incidents.selectors import visible_incidents
from governance.register.policy import can_view_person
from governance.register.selectors import visible_people
from tests.factories import UserFactory
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewers(area, other_area, staff, deputy_siro, other_deputy_siro, siro, auditor, administrator, iam):
    """Every kind of viewer the rules distinguish, each a signed-in person."""
    superuser = UserFactory(username="root", business_area=area, is_superuser=True)
    overseers = Group.objects.create(name="Area overseers (test)")
    assign_perm(OVERSEE_AREA_PERM, overseers, other_area)
    group_deputy = UserFactory(username="groupdeputy", business_area=area)
    group_deputy.groups.add(overseers)
    report = UserFactory(username="report", business_area=other_area, line_manager=staff)
    leaver = UserFactory(username="gone", business_area=area, is_active=False)
    return {
        "staff": staff,
        "line report": report,
        "Deputy SIRO": deputy_siro,
        "other Deputy SIRO": other_deputy_siro,
        "oversight through a group": group_deputy,
        "superuser": superuser,
        "SIRO": siro,
        "auditor": auditor,
        "administrator": administrator,
        "IAM": iam,
        "leaver": leaver,
    }


def test_area_oversight_is_one_rule(viewers):
    areas = list(BusinessArea.objects.all())
    for role, viewer in viewers.items():
        listed = set(overseen_areas(viewer).values_list("pk", flat=True))
        assert listed == {area.pk for area in areas if oversees_area(viewer, area)}, role
        assert oversees_any_area(viewer) == bool(listed) == is_deputy_siro(viewer), role


def test_group_held_oversight_and_the_superuser_see_their_areas(viewers, other_area):
    assert set(overseen_areas(viewers["oversight through a group"])) == {other_area}
    assert set(overseen_areas(viewers["superuser"])) == set(BusinessArea.objects.all())
    assert not overseen_areas(viewers["leaver"]).exists()


def test_people_page_api_and_predicate_agree(viewers, verified_client, api):
    everyone = list(User.objects.filter(is_system=False))
    for role, viewer in viewers.items():
        listed = set(visible_people(viewer).values_list("pk", flat=True))
        assert listed == {person.pk for person in everyone if can_view_person(viewer, person)}, role
        if not viewer.is_active:
            assert not listed, role
            continue
        through_api = {row["id"] for row in _all_pages(api(viewer), "/api/people/")}
        assert through_api == listed, role
        client = verified_client(viewer)
        for person in everyone:
            status = client.get(f"/people/{person.pk}/").status_code
            assert status == (200 if person.pk in listed else 403), (role, person.username, status)


def test_incident_list_and_predicate_agree(viewers, asset, other_asset, staff):
    incidents = [report(staff, assets=[asset]), report(viewers["line report"], assets=[other_asset])]
    for role, viewer in viewers.items():
        listed = set(visible_incidents(viewer).values_list("pk", flat=True))
        assert listed == {i.pk for i in incidents if can_view(viewer, i)}, role


def _all_pages(client, url: str) -> list[dict]:
    rows: list[dict] = []
    while url:
        body = client.get(url).json()
        rows.extend(body["results"])
        url = body.get("next")
    return rows
