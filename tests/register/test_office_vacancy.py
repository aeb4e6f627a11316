"""Offices left by leavers, the "SIRO vacant" notice, and reactivating a leaver recorded by mistake."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry as LogEntryBase
from django.urls import reverse

from governance.core.audit import system_user
from governance.core.models import AuditEntry, OfficeHolder, User
from governance.register import organisation, people

pytestmark = pytest.mark.django_db


def test_vacating_an_office_is_recorded_and_only_for_administrators(siro, administrator, staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        organisation.vacate_office(OfficeHolder.Office.SIRO, by=staff)
    organisation.vacate_office(OfficeHolder.Office.SIRO, by=administrator)
    assert not OfficeHolder.objects.exists()
    assert AuditEntry.objects.filter(content_type__model="officeholder", action=LogEntryBase.Action.DELETE).count() == 1
    organisation.vacate_office(OfficeHolder.Office.SIRO, by=administrator)  # already vacant: nothing


def test_a_reactivated_leaver_is_not_deactivated_again_that_night(staff, administrator):
    people.mark_leaver(staff, by=administrator)
    people.update_person(User.objects.get(pk=staff.pk), by=administrator, is_active=True)
    staff = User.objects.get(pk=staff.pk)
    assert staff.is_active and staff.leaver_date is None
    assert people.deactivate_due_leavers(datetime.date.today() + datetime.timedelta(days=1)) == 0
    assert User.objects.get(pk=staff.pk).is_active


@pytest.mark.parametrize("who", ["administrator", "auditor"])
def test_oversight_sees_siro_vacant_on_the_home_page(request, verified_client, who, siro):
    viewer = request.getfixturevalue(who)
    assert "SIRO vacant" not in verified_client(viewer).get("/").content.decode()
    people.mark_leaver(siro, by=system_user())
    page = verified_client(viewer).get("/").content.decode()
    assert "SIRO vacant" in page and "Incident handlers" in page


def test_staff_are_not_shown_the_vacancy_on_their_home_page(verified_client, staff):
    assert "SIRO vacant" not in verified_client(staff).get("/").content.decode()


def test_the_compliance_and_assurance_pages_show_siro_vacant(verified_client, administrator):
    client = verified_client(administrator)
    for url in (reverse("training:compliance"), reverse("assurance:rounds")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "SIRO vacant" in response.content.decode(), url
