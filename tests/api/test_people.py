"""People through the API: the person pages' visibility, limited fields, and the all-or-nothing HR import."""

from __future__ import annotations

import pytest

from governance.core.models import User
from governance.register.policy import can_view_person
from governance.register.selectors import visible_people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _row(number: str, **extra) -> dict:
    row = {
        "staff_number": number,
        "name": "Jo Bloggs",
        "email": f"{number.lower()}@dwp.example",
        "business_area": "das",
    }
    row.update(extra)
    return row


def test_list_agrees_with_the_person_page_rule(api, area, other_area, staff, deputy_siro, auditor):
    report = UserFactory(business_area=other_area, line_manager=staff)
    UserFactory(business_area=other_area)
    everyone = list(User.objects.filter(is_system=False))
    for viewer in (staff, deputy_siro, auditor, report):
        listed = set(visible_people(viewer).values_list("pk", flat=True))
        assert listed == {person.pk for person in everyone if can_view_person(viewer, person)}, viewer
    body = api(staff).get("/api/people/").json()["results"]
    assert {row["id"] for row in body} == {staff.pk, report.pk}
    assert not {"email", "username", "password", "groups"} & set(body[0])


def test_another_person_is_a_404(api, staff, other_area):
    stranger = UserFactory(business_area=other_area)
    assert api(staff).get(f"/api/people/{stranger.pk}/").status_code == 404
    assert api(staff).get(f"/api/people/{staff.pk}/").status_code == 200


def test_hr_import_is_for_administrators_and_all_or_nothing(api, area, staff, administrator):
    body = {"rows": [_row("N1"), _row("N2", line_manager="N1")]}
    assert api(staff, write=True).post_json("/api/people/import/", body).status_code == 403
    assert api(administrator).post_json("/api/people/import/", body).status_code == 403  # read-only token

    bad = {"rows": [_row("N3"), _row("N4", business_area="nope")]}
    refused = api(administrator, write=True).post_json("/api/people/import/", bad)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"row": 3, "column": "business_area", "message": "There is no business area with the code nope"}
    ]
    assert not User.objects.filter(staff_number__in=["N3", "N4"]).exists()

    done = api(administrator, write=True).post_json("/api/people/import/", body)
    assert done.status_code == 200, done.content
    assert done.json()["created"] == 2
    assert User.objects.get(staff_number="N2").line_manager == User.objects.get(staff_number="N1")
