"""Home, business area and person pages: what each role sees, what each is refused."""

from __future__ import annotations

import pytest

from governance.core.audit import acting_as
from governance.core.models import BusinessArea
from tests.factories import BusinessAreaFactory, UserFactory


def test_home_shows_name_roles_and_area(verified_client, deputy_siro, area):
    response = verified_client(deputy_siro).get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert deputy_siro.get_full_name() in content
    assert "Deputy SIRO" in content
    assert area.name in content


def test_area_list_runs_a_constant_number_of_queries(verified_client, staff, django_assert_max_num_queries):
    client = verified_client(staff)
    client.get("/areas/")  # warm caches (content types, session)
    for _n in range(5):
        BusinessAreaFactory(deputy_siro=UserFactory())
    with django_assert_max_num_queries(15) as small:
        assert client.get("/areas/").status_code == 200
    for _n in range(60):
        BusinessAreaFactory(deputy_siro=UserFactory())
    with django_assert_max_num_queries(15) as large:
        response = client.get("/areas/")
    assert len(small.captured_queries) == len(large.captured_queries)
    assert response.context["is_paginated"]


def test_area_list_counts_each_areas_active_staff(verified_client, staff):
    busy = BusinessAreaFactory(name="Aa busy")
    BusinessAreaFactory(name="Ab empty")
    for active in (True, True, False):
        UserFactory(business_area=busy, is_active=active)
    response = verified_client(staff).get("/areas/")
    counts = {area.name: area.staff_count for area in response.context["areas"]}
    assert counts["Aa busy"] == 2
    assert counts["Ab empty"] == 0
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in response.content.decode()


def test_area_history_is_for_its_deputy_siro_and_oversight(verified_client, area, deputy_siro, staff, auditor):
    assert "history" in verified_client(deputy_siro).get(f"/areas/{area.pk}/").context
    assert "history" in verified_client(auditor).get(f"/areas/{area.pk}/").context
    response = verified_client(staff).get(f"/areas/{area.pk}/")
    assert response.status_code == 200
    assert "history" not in response.context


def test_area_history_shows_who_changed_what(verified_client, area, administrator, django_assert_max_num_queries):
    with acting_as(administrator):
        for n in range(20):
            area.name = f"Renamed {n}"
            area.save()
            area.deputy_siro = UserFactory(business_area=area)
            area.save()
    client = verified_client(administrator)
    # 14 for the page and its history, one for the compliance figures charted for the area.
    with django_assert_max_num_queries(15):
        response = client.get(f"/areas/{area.pk}/")
    content = response.content.decode()
    assert "Renamed 19" in content
    assert administrator.get_full_name() in content


@pytest.mark.parametrize("who", ["staff", "deputy_siro", "auditor"])
def test_only_administrators_may_change_areas(request, verified_client, area, who):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    for url in ("/areas/new/", f"/areas/{area.pk}/edit/", f"/areas/{area.pk}/delete/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Only administrators" in response.content
    response = client.post(f"/areas/{area.pk}/edit/", {"name": "Hijacked", "code": "hj", "deputy_siro": ""})
    assert response.status_code == 403
    assert client.post(f"/areas/{area.pk}/delete/").status_code == 403
    assert BusinessArea.objects.get(pk=area.pk).name == area.name


def test_area_form_shows_errors_and_keeps_input(verified_client, administrator, area):
    client = verified_client(administrator)
    response = client.post("/areas/new/", {"name": area.name, "code": "not a slug!", "deputy_siro": "nobody"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert 'href="#id_name"' in content
    assert 'href="#id_deputy_siro"' in content
    assert "No active member of staff has the username or staff number nobody" in content
    assert 'value="not a slug!"' in content  # nothing typed is lost
    assert response.context["form"].errors.keys() == {"name", "code", "deputy_siro"}
    assert "Error:" in content.split("</title>")[0]


def test_area_with_staff_cannot_be_deleted(verified_client, administrator, area, staff):
    response = verified_client(administrator).post(f"/areas/{area.pk}/delete/")
    assert response.status_code == 200
    assert b"still has staff" in response.content
    assert BusinessArea.objects.filter(pk=area.pk).exists()


def test_person_page_for_self_manager_deputy_and_oversight(
    verified_client, area, staff, deputy_siro, auditor, siro, administrator
):
    manager = UserFactory(business_area=area)
    staff.line_manager = manager
    staff.save()
    for viewer in (staff, manager, deputy_siro, auditor, siro, administrator):
        response = verified_client(viewer).get(f"/people/{staff.pk}/")
        assert response.status_code == 200, viewer.username
        assert "Change history" in response.content.decode()


def test_person_page_refuses_colleagues_and_other_areas(verified_client, area, staff, other_deputy_siro):
    colleague = UserFactory(business_area=area)
    for viewer in (colleague, other_deputy_siro):
        response = verified_client(viewer).get(f"/people/{staff.pk}/")
        assert response.status_code == 403, viewer.username
        assert b"You can see your own record" in response.content


def test_the_system_account_has_no_page(verified_client, administrator):
    from governance.core.audit import system_user

    assert verified_client(administrator).get(f"/people/{system_user().pk}/").status_code == 404
