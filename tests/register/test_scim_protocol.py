"""SCIM protocol features on people: attributes and excludedAttributes, searches, PATCH remove,
long ids, and DELETE (a leaver whom SCIM no longer finds)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from governance.core.models import AuditEntry, User
from governance.core.roles import AUDITORS
from tests.factories import UserFactory
from tests.register.test_scim import ENTERPRISE, PORTAL, USERS, joiner_body, scim_token, send

pytestmark = pytest.mark.django_db

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def provisioner(administrator):
    return Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)}")


@pytest.fixture
def joiner(provisioner) -> User:
    answer = send(provisioner, "post", USERS, joiner_body())
    assert answer.status_code == 201, answer.content
    return User.objects.get(username="new.starter@example.gov.uk")


def body(answer) -> dict:
    return json.loads(answer.content)


def patch(provisioner, person, *operations):
    return send(provisioner, "patch", f"{USERS}/{person.pk}", {"schemas": [PATCH], "Operations": list(operations)})


# --- attributes and excludedAttributes (RFC 7644 section 3.9) -----------------------------


def test_attributes_returns_only_those_named_with_the_id(provisioner, joiner):
    answer = provisioner.get(f"{USERS}/{joiner.pk}", {"attributes": "userName,name.familyName"})

    assert answer.status_code == 200
    assert body(answer) == {
        "schemas": body(answer)["schemas"],
        "id": str(joiner.pk),
        "userName": "new.starter@example.gov.uk",
        "name": {"familyName": "Starter"},
    }


def test_attributes_may_name_an_extension_attribute_by_its_full_name(provisioner, joiner):
    answer = provisioner.get(f"{USERS}/{joiner.pk}", {"attributes": f"{ENTERPRISE}:employeeNumber"})

    assert body(answer)[ENTERPRISE] == {"employeeNumber": "E123"}
    assert "userName" not in body(answer) and PORTAL not in body(answer)


def test_excluded_attributes_leaves_out_those_named_but_never_the_id(provisioner, joiner):
    answer = provisioner.get(
        USERS, {"excludedAttributes": f"name,emails,id,{PORTAL}", "filter": 'userName eq "new.starter@example.gov.uk"'}
    )

    [person] = body(answer)["Resources"]
    assert person["id"] == str(joiner.pk) and person["userName"] == "new.starter@example.gov.uk"
    assert not {"name", "emails", PORTAL} & set(person)
    assert person[ENTERPRISE]["employeeNumber"] == "E123"


# --- searches (RFC 7644 section 3.4.3) ------------------------------------------------------


def test_a_search_reads_its_filter_page_and_attributes_from_the_body(provisioner, joiner):
    UserFactory(username="someone.else")
    search = {"schemas": [SEARCH], "filter": 'userName eq "new.starter@example.gov.uk"', "attributes": ["userName"]}

    answer = send(provisioner, "post", f"{USERS}/.search", search)

    assert answer.status_code == 200, answer.content
    assert body(answer)["totalResults"] == 1
    assert body(answer)["Resources"] == [
        {
            "schemas": body(answer)["Resources"][0]["schemas"],
            "id": str(joiner.pk),
            "userName": "new.starter@example.gov.uk",
        }
    ]


def test_a_search_without_a_filter_pages_through_everyone(provisioner, joiner):
    everyone = User.objects.count()

    answer = send(provisioner, "post", f"{USERS}/.search", {"schemas": [SEARCH], "startIndex": 2, "count": 1})

    assert answer.status_code == 200, answer.content
    assert (body(answer)["totalResults"], body(answer)["itemsPerPage"], body(answer)["startIndex"]) == (everyone, 1, 2)


def test_the_root_search_finds_users_and_groups_together(provisioner, joiner):
    answer = send(provisioner, "post", "/scim/v2/.search", {"schemas": [SEARCH], "excludedAttributes": ["members"]})

    assert answer.status_code == 200, answer.content
    found = body(answer)
    kinds = [resource["meta"]["resourceType"] for resource in found["Resources"]]
    assert found["totalResults"] == User.objects.count() + Group.objects.count() == len(kinds)
    assert kinds == sorted(kinds, reverse=True)  # the Users, then the Groups
    assert not any("members" in resource for resource in found["Resources"])


def test_the_root_search_with_a_filter_selects_from_each_type(provisioner, joiner):
    search = {"schemas": [SEARCH], "filter": f'displayName eq "{AUDITORS}" or userName eq "new.starter@example.gov.uk"'}

    answer = send(provisioner, "post", "/scim/v2/.search", search)

    assert answer.status_code == 200, answer.content
    names = [r.get("userName") or r.get("displayName") for r in body(answer)["Resources"]]
    assert names == ["new.starter@example.gov.uk", AUDITORS]


def test_a_search_without_the_search_schema_is_refused(provisioner, joiner):
    answer = send(provisioner, "post", "/scim/v2/.search", {"filter": 'userName eq "x"'})

    assert answer.status_code == 400
    assert body(answer)["scimType"] == "invalidSyntax"


# --- PATCH remove (RFC 7644 section 3.5.2.2) ---------------------------------------------------


def test_removing_the_name_leaves_it_unassigned(provisioner, joiner):
    answer = patch(provisioner, joiner, {"op": "remove", "path": "name"})

    assert answer.status_code == 200, answer.content
    assert "name" not in body(answer)
    joiner.refresh_from_db()
    assert (joiner.first_name, joiner.last_name) == ("", "")


def test_removing_the_enterprise_extension_clears_staff_number_area_and_manager_audited(provisioner, joiner):
    answer = patch(provisioner, joiner, {"op": "remove", "path": ENTERPRISE})

    assert answer.status_code == 200, answer.content
    assert ENTERPRISE not in body(answer) and ENTERPRISE not in body(answer)["schemas"]
    joiner.refresh_from_db()
    assert (joiner.staff_number, joiner.business_area, joiner.line_manager) == (None, None, None)
    change = AuditEntry.objects.filter(content_type__model="user", object_pk=str(joiner.pk), action=1).latest("pk")
    assert {"staff_number", "business_area", "line_manager"} <= set(change.changes)
    assert change.additional_data["via"] == "scim"


@pytest.mark.parametrize("path", ["active", "userName", f"{PORTAL}:dataHandler", PORTAL])
def test_removing_a_required_attribute_is_a_mutability_error_and_changes_nothing(provisioner, joiner, path):
    answer = patch(provisioner, joiner, {"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": path})

    assert answer.status_code == 400
    assert body(answer)["scimType"] == "mutability"
    joiner.refresh_from_db()
    assert joiner.is_active and joiner.first_name == "New"  # the whole PATCH is refused


def test_a_leaver_is_still_recorded_by_setting_active_to_false(provisioner, joiner):
    joiner.groups.add(Group.objects.get(name=AUDITORS))

    answer = patch(provisioner, joiner, {"op": "replace", "path": "active", "value": False})

    assert answer.status_code == 200 and body(answer)["active"] is False
    joiner.refresh_from_db()
    assert joiner.leaver_date == timezone.localdate() and not joiner.groups.exists()


def test_a_remove_without_a_path_is_refused(provisioner, joiner):
    answer = patch(provisioner, joiner, {"op": "remove"})

    assert answer.status_code == 400
    assert body(answer)["scimType"] == "noTarget"


def test_the_published_schema_says_which_attributes_cannot_be_removed(provisioner):
    user = body(provisioner.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"))
    required = {attribute["name"] for attribute in user["attributes"] if attribute["required"]}
    types = body(provisioner.get("/scim/v2/ResourceTypes/User"))

    assert required == {"userName", "active"}
    assert {"schema": PORTAL, "required": True} in types["schemaExtensions"]


# --- long ids ---------------------------------------------------------------------------------


def test_long_external_ids_and_staff_numbers_are_kept(provisioner):
    subject, number = "e" * 200, "4f1c2a3b-9d8e-4c7f-a6b5-1234567890ab"  # a GUID, as Entra ID sends

    answer = send(
        provisioner, "post", USERS, joiner_body(externalId=subject) | {ENTERPRISE: {"employeeNumber": number}}
    )

    assert answer.status_code == 201, answer.content
    assert (body(answer)["externalId"], body(answer)[ENTERPRISE]["employeeNumber"]) == (subject, number)
    assert User.objects.get(staff_number=number).oidc_subject == subject


def test_a_staff_number_longer_than_64_characters_is_refused(provisioner):
    answer = send(provisioner, "post", USERS, joiner_body() | {ENTERPRISE: {"employeeNumber": "9" * 65}})

    assert answer.status_code == 400
    assert "staff_number" in body(answer)["detail"]


# --- DELETE (RFC 7644 section 3.6) ------------------------------------------------------------


def test_a_deleted_person_is_a_leaver_whom_scim_no_longer_finds(provisioner, joiner):
    joiner.groups.add(Group.objects.get(name=AUDITORS))

    assert send(provisioner, "delete", f"{USERS}/{joiner.pk}").status_code == 204

    joiner.refresh_from_db()
    assert not joiner.is_active and joiner.leaver_date == timezone.localdate() and not joiner.groups.exists()
    assert joiner.scim_deleted_at is not None  # the record and its history stay
    assert provisioner.get(f"{USERS}/{joiner.pk}").status_code == 404
    assert patch(provisioner, joiner, {"op": "replace", "path": "active", "value": True}).status_code == 404
    assert send(provisioner, "delete", f"{USERS}/{joiner.pk}").status_code == 404
    listed = body(provisioner.get(USERS, {"filter": 'userName eq "new.starter@example.gov.uk"'}))
    assert listed["totalResults"] == 0
    assert str(joiner.pk) not in {r["id"] for r in body(provisioner.get(USERS))["Resources"]}
