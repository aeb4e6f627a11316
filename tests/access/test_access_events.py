"""Access events: a small generic record of reads, reused by every feature that serves restricted data."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from governance.core.access_events import accesses_of, record_access
from governance.core.models import AccessEvent, AuditEntry
from governance.register.models import InformationAsset
from tests.factories import make_asset

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(area):
    return make_asset(business_area=area, name="Benefit claims")


def request_for(user, **meta):
    request = RequestFactory().get("/somewhere/", **meta)
    request.user = user
    return request


def test_an_access_names_who_what_when_and_where(staff, asset):
    request = request_for(staff, REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="x" * 600)
    event = record_access(request, asset, "view", detail="Opened the record")
    event.refresh_from_db()
    assert (event.user, event.kind, event.detail) == (staff, "view", "Opened the record")
    assert event.content_type == ContentType.objects.get_for_model(InformationAsset)
    assert (event.object_pk, event.object_repr) == (str(asset.pk), "Benefit claims")
    assert event.business_area == asset.business_area  # so a Deputy SIRO can see accesses in their area
    assert event.ip_address == "10.0.0.7" and len(event.user_agent) == 500
    assert event.get_absolute_url() == asset.get_absolute_url()
    assert accesses_of([asset]) == [event]


def test_an_access_to_many_records_has_no_single_object(staff):
    event = record_access(request_for(staff), None, "export", detail="42 rows")
    assert (event.content_type, event.object_pk, event.business_area) == (None, "", None)
    assert event.get_absolute_url() == ""
    assert "export: records by" in str(event)


def test_a_key_authenticated_read_names_the_keys_owner(staff, asset):
    from django.contrib.auth.models import AnonymousUser

    request = request_for(AnonymousUser())
    assert record_access(request, asset, "feed").user is None
    assert record_access(request, asset, "feed", user=staff).user == staff


def test_access_events_are_evidence_never_changed_and_sealed_into_the_audit_trail(staff, asset):
    event = record_access(request_for(staff), asset, "view")
    event.detail = "rewritten"
    with pytest.raises(ValidationError, match="never changed"):
        event.save()
    # One audit entry per access: the hash chain covers accesses as well as changes.
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(AccessEvent))
    assert entries.count() == 1 and entries.get().object_pk == str(event.pk)


def test_a_forged_forwarded_for_does_not_reach_the_record(verified_client, staff, area):
    """Through the middleware: the address recorded is the one the middleware settled."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.contracts.records import record_assurance
    from tests.contract_fixtures import PDF
    from tests.factories import contract_manager, make_contract

    manager = contract_manager(username="carla", business_area=area)
    contract = make_contract(manager=manager)
    check = contract.assurance_checks.first()
    record_assurance(
        check,
        by=manager,
        outcome="met",
        assessor=manager,
        assessed_on=datetime.date.today(),
        evidence=SimpleUploadedFile("e.pdf", PDF),
    )
    check.refresh_from_db()
    verified_client(manager).get(
        f"/contracts/{contract.pk}/documents/{check.evidence_id}/", HTTP_X_FORWARDED_FOR="6.6.6.6"
    )
    assert AccessEvent.objects.get().ip_address == "127.0.0.1"
