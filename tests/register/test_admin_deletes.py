"""Deleting in the admin goes through the services: areas in use are kept, offices are vacated, people never deleted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.core.models import AccessEvent, AuditEntry, BusinessArea, OfficeHolder, User
from tests.factories import BusinessAreaFactory

pytestmark = pytest.mark.django_db


def _delete(client, model: str, pk: int):
    return client.post(reverse(f"admin:governance_{model}_delete", args=[pk]), {"post": "yes"}, follow=True)


def test_an_area_with_access_events_is_kept_and_its_events_untouched(verified_client, administrator):
    area = BusinessAreaFactory(name="Closed directorate", code="cld")
    event = AccessEvent.objects.create(user=administrator, kind="download", object_repr="Extract", business_area=area)
    response = _delete(verified_client(administrator), "businessarea", area.pk)
    assert response.status_code == 200
    page = response.content.decode()
    # The access events hold the area (PROTECT): the admin names them; the service would refuse as well.
    assert "Cannot delete business area" in page or "Accesses to Closed directorate&#x27;s data are on record" in page
    assert BusinessArea.objects.filter(pk=area.pk).exists()
    event.refresh_from_db()
    assert event.business_area_id == area.pk


def test_an_unused_area_is_deleted_through_the_service(verified_client, administrator):
    area = BusinessAreaFactory(name="New directorate", code="new")
    assert _delete(verified_client(administrator), "businessarea", area.pk).status_code == 200
    assert not BusinessArea.objects.filter(pk=area.pk).exists()
    assert AuditEntry.objects.filter(content_type__model="businessarea", object_pk=str(area.pk), action=2).exists()


def test_deleting_the_siro_row_vacates_the_office_and_keeps_the_person(verified_client, administrator, siro):
    held = OfficeHolder.objects.get(office=OfficeHolder.Office.SIRO)
    assert _delete(verified_client(administrator), "officeholder", held.pk).status_code == 200
    assert not OfficeHolder.objects.exists()
    assert User.objects.get(pk=siro.pk).is_active


def test_people_are_never_deleted_in_the_admin(verified_client, administrator, staff):
    client = verified_client(administrator)
    assert client.post(reverse("admin:governance_user_delete", args=[staff.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()
    changelist = client.get(reverse("admin:governance_user_changelist")).content.decode()
    assert "delete_selected" not in changelist


@pytest.mark.parametrize("model", ["businessarea", "officeholder"])
def test_the_bulk_delete_that_bypasses_the_services_is_not_offered(verified_client, administrator, model):
    changelist = verified_client(administrator).get(reverse(f"admin:governance_{model}_changelist"))
    assert "delete_selected" not in changelist.content.decode()
