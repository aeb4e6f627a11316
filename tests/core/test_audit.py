"""The audit trail: every change, from any path, with its actor; never a secret."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core import roles
from governance.core.audit import acting_as, system_user
from governance.core.models import AuditEntry, BusinessArea, Notification, OfficeHolder, User
from governance.core.security import issue_backup_codes
from tests.factories import UserFactory


def entries_for(obj):
    ct = ContentType.objects.get_for_model(obj)
    return AuditEntry.objects.filter(content_type=ct, object_pk=str(obj.pk)).order_by("timestamp", "pk")


def entries_of_model(model):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


# --- through the portal's own pages -------------------------------------------------


def test_portal_create_edit_delete_record_the_actor_and_address(verified_client, administrator, staff):
    client = verified_client(administrator)
    response = client.post(
        "/areas/new/", {"name": "Fraud and Error", "code": "fe", "deputy_siro": staff.username}, REMOTE_ADDR="10.2.3.4"
    )
    assert response.status_code == 302
    area = BusinessArea.objects.get(code="fe")
    created = entries_for(area).first()
    assert created.action == AuditEntry.Action.CREATE
    assert created.actor == administrator
    assert created.remote_addr == "10.2.3.4"

    client.post(f"/areas/{area.pk}/edit/", {"name": "Fraud, Error and Debt", "code": "fe", "deputy_siro": ""})
    update = entries_for(area).filter(action=AuditEntry.Action.UPDATE, changes__has_key="name").get()
    assert update.actor == administrator
    assert update.changes["name"] == ["Fraud and Error", "Fraud, Error and Debt"]

    pk = area.pk
    client.post(f"/areas/{pk}/delete/")
    assert not BusinessArea.objects.filter(pk=pk).exists()
    deleted = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(BusinessArea), object_pk=str(pk), action=AuditEntry.Action.DELETE
    )
    assert deleted.actor == administrator


def test_one_request_shares_one_correlation_id(verified_client, administrator, staff):
    client = verified_client(administrator)
    response = client.post("/areas/new/", {"name": "Pensions", "code": "pen", "deputy_siro": staff.username})
    area = BusinessArea.objects.get(code="pen")
    cids = {e.cid for e in entries_for(area)}
    # The area's creation, its Deputy SIRO and the permission row share the request's id.
    assert cids == {response["X-Correlation-ID"]}
    permission_entries = AuditEntry.objects.filter(cid=response["X-Correlation-ID"]).count()
    assert permission_entries >= 3


# --- through the admin --------------------------------------------------------------


def test_admin_create_edit_delete_record_the_actor(verified_client, administrator):
    administrator.is_superuser = True  # the admin's own office-holder pages
    administrator.save()
    client = verified_client(administrator)
    holder = UserFactory()
    response = client.post(
        "/admin/governance/officeholder/add/",
        {"office": OfficeHolder.Office.CHIEF_DATA_OFFICER, "holder": holder.pk, "since": "2026-01-05"},
    )
    assert response.status_code == 302, response.content
    office = OfficeHolder.objects.get(office=OfficeHolder.Office.CHIEF_DATA_OFFICER)
    assert entries_for(office).get().actor == administrator

    response = client.post(
        "/admin/governance/businessarea/add/", {"name": "Digital", "code": "digi", "deputy_siro": holder.pk}
    )
    assert response.status_code == 302, response.content
    area = BusinessArea.objects.get(code="digi")
    assert area.deputy_siro == holder
    assert {e.actor for e in entries_for(area)} == {administrator}

    response = client.post(f"/admin/governance/officeholder/{office.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert entries_for(office).filter(action=AuditEntry.Action.DELETE).get().actor == administrator


def test_admin_change_of_a_user_records_group_membership(verified_client, administrator):
    client = verified_client(administrator)
    person = UserFactory()
    auditors = Group.objects.get(name=roles.AUDITORS)
    with acting_as(administrator):
        person.groups.add(auditors)
    entry = entries_for(person).filter(changes__has_key="groups").get()
    assert entry.changes["groups"]["operation"] == "add"
    assert entry.changes["groups"]["objects"] == [roles.AUDITORS]
    assert entry.actor == administrator
    assert client.get(f"/people/{person.pk}/").status_code == 200


# --- through management commands and tasks -----------------------------------------


def test_management_commands_record_the_system_actor(db, settings):
    settings.DEBUG = True
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    system = system_user()
    # Only what the command wrote: an earlier test's rows cannot make this pass or fail.
    created = entries_of_model(BusinessArea).filter(action=AuditEntry.Action.CREATE, pk__gt=before)
    assert created.count() == 6, [(e.object_repr, e.actor) for e in created]
    assert {e.actor for e in created} == {system}
    # (After an earlier test emptied the database, the command first re-creates the system account
    # itself: that one entry cannot name the account as its own actor.)
    people = (
        entries_of_model(User).filter(action=AuditEntry.Action.CREATE, pk__gt=before).exclude(object_pk=str(system.pk))
    )
    assert people.exists() and all(e.actor == system for e in people), {e.actor for e in people}


def test_a_management_command_delete_records_the_system_actor(db, staff):
    old = timezone.now() - datetime.timedelta(days=1000)
    note = Notification.objects.create(
        recipient=staff, to_email=staff.email, subject="s", body="b", dedupe_key="k", sent_at=old
    )
    call_command("prune_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Notification.objects.filter(pk=note.pk).exists()
    deleted = entries_for(note).filter(action=AuditEntry.Action.DELETE).get()
    assert deleted.actor == system_user()


def test_acting_as_restores_the_enclosing_actor(db, staff, administrator):
    with acting_as(administrator):
        with acting_as(system_user()):
            BusinessArea.objects.create(name="Inner", code="inner")
        outer = BusinessArea.objects.create(name="Outer", code="outer")
    assert entries_for(outer).get().actor == administrator
    assert entries_for(BusinessArea.objects.get(code="inner")).get().actor == system_user()


# --- secrets never reach the log ----------------------------------------------------


def test_no_secret_reaches_the_audit_trail(db, staff):
    staff.set_password("another-long-password-42")
    staff.save()
    device = TOTPDevice.objects.create(user=staff, name="default", confirmed=True)
    codes = issue_backup_codes(staff)
    for entry in AuditEntry.objects.all():
        text = f"{entry.changes} {entry.changes_text} {entry.serialized_data} {entry.additional_data}"
        assert "pbkdf2" not in text and "argon2" not in text
        assert device.key not in text
        assert not any(code in text for code in codes)
        assert "password" not in (entry.changes or {})
        assert "last_login" not in (entry.changes or {})
    assert not entries_of_model(TOTPDevice).exists()


def test_signing_in_does_not_churn_the_user_record(client, db):
    user = UserFactory(username="sam")
    before = entries_for(user).count()
    client.force_login(user)
    client.force_login(user)
    assert entries_for(user).count() == before  # last_login updates are not audit noise


@pytest.mark.parametrize("path", ["/admin/governance/securityevent/", "/admin/governance/notification/"])
def test_evidence_is_read_only_in_the_admin(verified_client, administrator, path):
    client = verified_client(administrator)
    assert client.get(path).status_code == 200
    assert client.get(path + "add/").status_code == 403
