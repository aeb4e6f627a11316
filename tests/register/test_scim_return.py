"""Someone the identity provider deleted comes back: reactivated in the portal, or created again over SCIM.

RFC 7644 section 3.6: a deleted resource is not found, and creating one with the same userName
is not a conflict. Here that is a new provisioning of the same person (one record, one history),
and an administrator's reactivation makes them visible to SCIM again.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.core.models import AuditEntry, User
from governance.core.roles import AUDITORS
from governance.register import people
from tests.register.test_people_admin import _post
from tests.register.test_scim import USERS, joiner_body, provisioner, scim_token, send  # noqa: F401
from tests.register.test_staff_import import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    return joiner_body()


@pytest.fixture
def deleted(provisioner, body):  # noqa: F811
    """A joiner made over SCIM, put in a role group, then deleted by the provider."""
    made = send(provisioner, "post", USERS, body)
    assert made.status_code == 201, made.content
    person = User.objects.get(username=body["userName"])
    person.groups.add(Group.objects.get(name=AUDITORS))
    assert send(provisioner, "delete", f"{USERS}/{person.pk}").status_code == 204
    person.refresh_from_db()
    assert person.scim_deleted_at is not None and not person.is_active
    assert provisioner.get(f"{USERS}/{person.pk}").status_code == 404
    return person


def listed(client, person: User) -> bool:
    found = client.get(USERS, {"filter": f'userName eq "{person.username}"'}).json()
    return [r["id"] for r in found["Resources"]] == [str(person.pk)]


def test_an_administrator_reactivating_them_makes_them_visible_to_scim_again(
    provisioner,  # noqa: F811
    deleted,
    verified_client,
    administrator,
):
    answer = _post(verified_client(administrator), deleted, is_active="on")

    assert answer.status_code == 302, answer.content.decode()[:2000]
    deleted.refresh_from_db()
    assert deleted.is_active and deleted.leaver_date is None and deleted.scim_deleted_at is None
    assert not deleted.groups.exists()  # reactivation restores no rights
    assert provisioner.get(f"{USERS}/{deleted.pk}").status_code == 200
    assert listed(provisioner, deleted)
    cleared = AuditEntry.objects.filter(content_type__model="user", object_pk=str(deleted.pk), action=1)
    assert any("scim_deleted_at" in entry.changes and entry.actor == administrator for entry in cleared)


def test_the_service_clears_the_deletion_when_it_reactivates(deleted, administrator):
    people.update_person(deleted, by=administrator, is_active=True)

    deleted.refresh_from_db()
    assert deleted.is_active and deleted.scim_deleted_at is None


def test_the_provider_creating_the_same_username_again_provisions_the_same_person(
    provisioner,  # noqa: F811
    deleted,
    body,
    administrator,
):
    again = send(provisioner, "post", USERS, body | {"name": {"givenName": "Returning", "familyName": "Starter"}})

    assert again.status_code == 201, again.content  # not a 409: the deleted resource is no conflict
    doc = json.loads(again.content)
    assert doc["id"] == str(deleted.pk) and doc["active"] is True
    assert User.objects.filter(username=body["userName"]).count() == 1
    deleted.refresh_from_db()
    assert deleted.is_active and deleted.leaver_date is None and deleted.scim_deleted_at is None
    assert deleted.first_name == "Returning"
    assert not deleted.groups.exists()  # the provider adds groups again if it wants them
    assert provisioner.get(f"{USERS}/{deleted.pk}").status_code == 200
    assert listed(provisioner, deleted)
    entries = AuditEntry.objects.filter(content_type__model="user", object_pk=str(deleted.pk), action=1)
    cleared = [entry for entry in entries if "scim_deleted_at" in entry.changes]
    assert cleared and all(e.actor == administrator and e.additional_data["via"] == "scim" for e in cleared)


def test_the_provider_creating_the_same_external_id_again_provisions_the_same_person(
    provisioner,  # noqa: F811
    deleted,
    body,
):
    again = send(provisioner, "post", USERS, body | {"userName": "renamed.starter@example.gov.uk"})

    assert again.status_code == 201, again.content
    assert json.loads(again.content)["id"] == str(deleted.pk)
    deleted.refresh_from_db()
    assert deleted.username == "renamed.starter@example.gov.uk" and deleted.scim_deleted_at is None


def test_created_again_as_inactive_they_are_visible_but_stay_a_leaver(provisioner, deleted, body):  # noqa: F811
    again = send(provisioner, "post", USERS, body | {"active": False})

    assert again.status_code == 201, again.content
    deleted.refresh_from_db()
    assert deleted.scim_deleted_at is None and not deleted.is_active
    assert deleted.leaver_date == timezone.localdate()
    assert provisioner.get(f"{USERS}/{deleted.pk}").json()["active"] is False


def test_the_username_of_someone_still_provisioned_is_still_refused(provisioner, body):  # noqa: F811
    assert send(provisioner, "post", USERS, body).status_code == 201

    twice = send(provisioner, "post", USERS, body | {"externalId": "another-object-id"})

    assert twice.status_code == 400
    assert User.objects.filter(username=body["userName"]).count() == 1


def test_the_hr_import_updates_their_details_but_brings_no_leaver_back(
    provisioner,  # noqa: F811
    deleted,
    verified_client,
    administrator,
):
    client = verified_client(administrator)
    area = deleted.business_area
    preview = upload(client, f"{deleted.staff_number},Rae Renamed,{deleted.email},{area.code},,no,")
    client.post("/people/import/", {"confirm": "1", "token": preview.context["token"]})

    deleted.refresh_from_db()
    assert deleted.first_name == "Rae"
    assert not deleted.is_active and deleted.scim_deleted_at is not None  # only a reactivation brings them back
    assert provisioner.get(f"{USERS}/{deleted.pk}").status_code == 404
