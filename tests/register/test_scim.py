"""SCIM 2.0 provisioning: joiners, movers and leavers from the identity provider, with a SCIM token only."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core.api_tokens import create_token
from governance.core.models import AuditEntry, User
from governance.core.roles import AUDITORS
from tests.api.conftest import issue
from tests.conftest import fresh_code, sign_in_verified
from tests.factories import BusinessAreaFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

SCIM = "application/scim+json"
USERS = "/scim/v2/Users"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PORTAL = "urn:ietf:params:scim:schemas:extension:custodian:2.0:User"


def scim_token(user) -> str:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
    return create_token(
        user,
        by=user,
        description="Entra ID provisioning",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        code=fresh_code(device),
        scim=True,
    ).plaintext


@pytest.fixture
def provisioner(administrator):
    return Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)}")


def send(client: Client, method: str, path: str, body: dict | None = None):
    return getattr(client, method)(path, data=json.dumps(body) if body is not None else None, content_type=SCIM)


def joiner_body(**extra) -> dict:
    area = BusinessAreaFactory(name="Fraud and Error", code="fe")
    manager = UserFactory(username="manager")
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "new.starter@example.gov.uk",
        "externalId": "entra-object-id-1",
        "name": {"givenName": "New", "familyName": "Starter"},
        "emails": [{"value": "New.Starter@example.gov.uk", "type": "work", "primary": True}],
        "active": True,
        "password": "never-kept-1234",
        ENTERPRISE: {"employeeNumber": "E123", "department": area.code, "manager": {"value": str(manager.pk)}},
        PORTAL: {"dataHandler": False},
    }
    return body | extra


def test_a_joiner_is_created_with_area_and_line_manager_and_audited(provisioner, administrator):
    answer = send(provisioner, "post", USERS, joiner_body())

    assert answer.status_code == 201, answer.content
    person = User.objects.get(username="new.starter@example.gov.uk")
    assert person.business_area.code == "fe"
    assert person.line_manager.username == "manager"
    assert person.oidc_subject == "entra-object-id-1"  # single sign-on finds them by it
    assert person.staff_number == "E123" and person.email == "new.starter@example.gov.uk"
    assert not person.has_usable_password()  # the password sent is never kept
    created = AuditEntry.objects.get(content_type__model="user", object_pk=str(person.pk), action=0)
    assert created.actor == administrator
    assert created.additional_data["via"] == "scim"
    assert json.loads(answer.content)["id"] == str(person.pk)


def test_a_mover_changes_area_manager_and_data_handler_flag(provisioner):
    send(provisioner, "post", USERS, joiner_body())
    person = User.objects.get(username="new.starter@example.gov.uk")
    new_area = BusinessAreaFactory(name="Working Age", code="wa")
    new_manager = UserFactory(username="new.manager")

    answer = send(
        provisioner,
        "patch",
        f"{USERS}/{person.pk}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Working Age"},
                {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": str(new_manager.pk)},
                {"op": "Replace", "path": f"{PORTAL}:dataHandler", "value": "True"},
            ],
        },
    )

    assert answer.status_code == 200, answer.content
    person.refresh_from_db()
    assert (person.business_area, person.line_manager, person.is_data_handler) == (new_area, new_manager, True)
    changes = AuditEntry.objects.filter(content_type__model="user", object_pk=str(person.pk), action=1)
    changed_fields = {field for entry in changes for field in entry.changes}
    assert {"business_area", "line_manager", "is_data_handler"} <= changed_fields
    assert all(entry.additional_data["via"] == "scim" for entry in changes)


def test_a_leaver_goes_through_the_leaver_flow(provisioner):
    send(provisioner, "post", USERS, joiner_body())
    person = User.objects.get(username="new.starter@example.gov.uk")
    person.groups.add(Group.objects.get(name=AUDITORS))

    answer = send(
        provisioner,
        "patch",
        f"{USERS}/{person.pk}",
        {"Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )

    assert answer.status_code == 200, answer.content
    person.refresh_from_db()
    assert not person.is_active
    assert person.leaver_date == timezone.localdate()
    assert not person.groups.exists()  # every right removed, as for the HR import's leavers


def test_deleting_a_person_records_a_leaver_and_keeps_the_record(provisioner):
    send(provisioner, "post", USERS, joiner_body())
    person = User.objects.get(username="new.starter@example.gov.uk")

    assert send(provisioner, "delete", f"{USERS}/{person.pk}").status_code == 204

    person.refresh_from_db()
    assert not person.is_active and person.leaver_date == timezone.localdate()


def test_the_provider_finds_people_by_username(provisioner):
    send(provisioner, "post", USERS, joiner_body())

    answer = provisioner.get(USERS, {"filter": 'userName eq "new.starter@example.gov.uk"'})

    assert answer.status_code == 200
    found = json.loads(answer.content)
    assert [r["userName"] for r in found["Resources"]] == ["new.starter@example.gov.uk"]


def test_an_unknown_business_area_is_refused_and_nothing_written(provisioner):
    body = joiner_body()
    body[ENTERPRISE]["department"] = "No such area"

    answer = send(provisioner, "post", USERS, body)

    assert answer.status_code == 400
    assert not User.objects.filter(username="new.starter@example.gov.uk").exists()


@pytest.mark.parametrize("who", ["nobody", "session", "ordinary_token", "wrong_secret"])
def test_without_a_scim_token_nothing_is_provisioned(client, administrator, who):
    if who == "session":
        caller = sign_in_verified(client, administrator)
    elif who == "ordinary_token":
        caller = Client(HTTP_AUTHORIZATION=f"Bearer {issue(administrator, write=True).plaintext}")
    elif who == "wrong_secret":
        caller = Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)[:-4]}abcd")
    else:
        caller = client

    answer = send(caller, "post", USERS, joiner_body())

    assert answer.status_code in (401, 403)
    assert not User.objects.filter(username="new.starter@example.gov.uk").exists()
    assert caller.get(USERS).status_code in (401, 403)


def test_a_scim_token_opens_nothing_else(administrator):
    caller = Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)}")

    assert caller.get("/api/people/").status_code == 401


def test_only_administrators_hold_scim_tokens(staff):
    with pytest.raises(PermissionDenied):
        scim_token(staff)
