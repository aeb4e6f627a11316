"""SCIM Groups: the provider creates, renames and deletes its own groups; role groups keep their
names and stay; every change of membership goes through the people services, audited."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from guardian.shortcuts import assign_perm

from governance.core.models import AuditEntry, ProvisionedGroup
from governance.core.roles import AUDITORS
from tests.factories import BusinessAreaFactory, UserFactory
from tests.register.test_scim import scim_token, send

pytestmark = pytest.mark.django_db

GROUPS = "/scim/v2/Groups"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def provisioner(administrator):
    return Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)}")


def body(answer) -> dict:
    return json.loads(answer.content)


def patch(provisioner, group, *operations):
    return send(provisioner, "patch", f"{GROUPS}/{group.pk}", {"schemas": [PATCH], "Operations": list(operations)})


def membership_entries(person) -> list[AuditEntry]:
    """The audit entries of ``person``'s group changes (the m2m of groups, named on the person)."""
    return [
        entry
        for entry in AuditEntry.objects.filter(content_type__model="user", object_pk=str(person.pk)).order_by("pk")
        if "groups" in (entry.changes or {})
    ]


def test_a_provider_group_is_created_with_its_id_and_members_each_audited(provisioner, administrator):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    new = {
        "schemas": [GROUP],
        "displayName": "Finance analysts",
        "externalId": "entra-group-1",
        "members": [{"value": str(ann.pk)}, {"$ref": f"http://testserver/scim/v2/Users/{bob.pk}"}],
    }

    answer = send(provisioner, "post", GROUPS, new)

    assert answer.status_code == 201, answer.content
    group = Group.objects.get(name="Finance analysts")
    assert set(group.user_set.all()) == {ann, bob}
    assert group.provisioned.external_id == "entra-group-1"
    assert body(answer)["externalId"] == "entra-group-1"
    assert {m["value"] for m in body(answer)["members"]} == {str(ann.pk), str(bob.pk)}
    for person in (ann, bob):
        [entry] = membership_entries(person)
        assert entry.actor == administrator and entry.additional_data["via"] == "scim"


def test_a_name_already_taken_is_a_uniqueness_conflict(provisioner):
    answer = send(provisioner, "post", GROUPS, {"schemas": [GROUP], "displayName": AUDITORS.upper()})

    assert answer.status_code == 409
    assert body(answer)["scimType"] == "uniqueness"


def test_members_are_added_and_removed_by_patch(provisioner):
    group = Group.objects.create(name="Analysts")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    group.user_set.add(ann)

    answer = patch(
        provisioner,
        group,
        {"op": "Add", "path": "members", "value": [{"value": str(bob.pk)}]},
        {"op": "Remove", "path": f'members[value eq "{ann.pk}"]'},
    )

    assert answer.status_code == 200, answer.content
    assert list(group.user_set.all()) == [bob]
    assert [m["value"] for m in body(answer)["members"]] == [str(bob.pk)]
    assert len(membership_entries(bob)) == 1 and len(membership_entries(ann)) == 1


def test_a_role_group_takes_members_but_keeps_its_name_and_stays(provisioner):
    auditors = Group.objects.get(name=AUDITORS)
    ann = UserFactory(username="ann")

    assert (
        patch(provisioner, auditors, {"op": "add", "path": "members", "value": [{"value": str(ann.pk)}]}).status_code
        == 200
    )
    renamed = patch(provisioner, auditors, {"op": "replace", "path": "displayName", "value": "Readers"})
    deleted = send(provisioner, "delete", f"{GROUPS}/{auditors.pk}")

    assert ann.groups.filter(name=AUDITORS).exists()  # the role, given through the people service
    assert renamed.status_code == 403 and deleted.status_code == 403
    assert Group.objects.filter(name=AUDITORS).exists()


def test_a_group_the_providers_groups_map_to_is_a_role_too(provisioner, settings):
    mapped = Group.objects.create(name="Mapped at sign-in")
    settings.OIDC_GROUP_ROLES = {"entra-group-9": "Mapped at sign-in"}

    assert send(provisioner, "delete", f"{GROUPS}/{mapped.pk}").status_code == 403
    assert Group.objects.filter(pk=mapped.pk).exists()


def test_a_group_holding_permissions_is_a_role_too(provisioner):
    privileged = Group.objects.create(name="Readers")
    privileged.permissions.add(Permission.objects.get(codename="view_user"))

    answer = patch(provisioner, privileged, {"op": "replace", "path": "displayName", "value": "Renamed"})

    assert answer.status_code == 403
    privileged.refresh_from_db()
    assert privileged.name == "Readers"


def test_a_group_holding_permissions_on_records_is_a_role_too(provisioner):
    privileged = Group.objects.create(name="Area readers")
    assign_perm("governance.view_businessarea", privileged, BusinessAreaFactory())

    assert send(provisioner, "delete", f"{GROUPS}/{privileged.pk}").status_code == 403
    assert Group.objects.filter(pk=privileged.pk).exists()


def test_a_leaver_cannot_join_a_role_group_but_may_stay_in_the_providers_own(provisioner):
    leaver = UserFactory(username="gone", is_active=False)
    auditors = Group.objects.get(name=AUDITORS)
    own = Group.objects.create(name="Finance analysts")

    refused = patch(provisioner, auditors, {"op": "add", "path": "members", "value": [{"value": str(leaver.pk)}]})
    kept = patch(provisioner, own, {"op": "add", "path": "members", "value": [{"value": str(leaver.pk)}]})

    assert refused.status_code == 400 and body(refused)["scimType"] == "invalidValue"
    assert kept.status_code == 200
    assert list(leaver.groups.all()) == [own]  # a group that gives no rights


def test_a_provider_group_is_renamed_replaced_and_deleted_with_each_member_leaving_audited(provisioner):
    group = Group.objects.create(name="Analysts")
    ProvisionedGroup.objects.create(group=group, external_id="g-1")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    group.user_set.add(ann)

    replaced = send(
        provisioner,
        "put",
        f"{GROUPS}/{group.pk}",
        {"schemas": [GROUP], "displayName": "Data analysts", "members": [{"value": str(bob.pk)}]},
    )
    assert replaced.status_code == 200, replaced.content
    group.refresh_from_db()
    assert group.name == "Data analysts" and list(group.user_set.all()) == [bob]

    assert send(provisioner, "delete", f"{GROUPS}/{group.pk}").status_code == 204
    assert not Group.objects.filter(pk=group.pk).exists() and not ProvisionedGroup.objects.exists()
    assert not bob.groups.exists() and len(membership_entries(bob)) == 2
    assert provisioner.get(f"{GROUPS}/{group.pk}").status_code == 404


def test_an_unknown_member_is_refused_and_nothing_written(provisioner):
    answer = send(
        provisioner, "post", GROUPS, {"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "999999"}]}
    )

    assert answer.status_code == 400
    assert not Group.objects.filter(name="Ghosts").exists()


def test_the_provider_finds_a_group_by_its_name(provisioner):
    answer = provisioner.get(GROUPS, {"filter": f'displayName eq "{AUDITORS}"'})

    assert [g["displayName"] for g in body(answer)["Resources"]] == [AUDITORS]


def test_groups_need_a_scim_token(client, administrator):
    group = Group.objects.create(name="Analysts")

    assert send(client, "post", GROUPS, {"schemas": [GROUP], "displayName": "Other"}).status_code == 401
    assert send(client, "delete", f"{GROUPS}/{group.pk}").status_code == 401
    assert Group.objects.filter(pk=group.pk).exists() and not Group.objects.filter(name="Other").exists()
