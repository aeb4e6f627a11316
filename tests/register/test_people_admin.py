"""The admin changes who someone is only through the people services, with the same effects."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from governance.access.models import AccessGrant
from governance.contracts.models import ResearchContractUserObjectPermission
from governance.core import roles
from governance.core.models import AuditEntry, User
from governance.register.models import InformationAssetUserObjectPermission
from governance.register.people import update_person
from tests.factories import BusinessAreaFactory, UserFactory, make_asset, make_contract, make_grant

pytestmark = pytest.mark.django_db


def _change_form(user: User, **overrides) -> dict:
    """The admin's change form as an administrator would post it, with ``overrides`` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "staff_number": user.staff_number,
        "business_area": user.business_area_id or "",
        "line_manager": "",
        "is_data_handler": "on" if user.is_data_handler else "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [group.pk for group in user.groups.all()],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", None)}


def _post(client, user, **overrides):
    return client.post(reverse("admin:governance_user_change", args=[user.pk]), _change_form(user, **overrides))


def test_deactivating_in_the_admin_removes_every_right(verified_client, administrator, area):
    iam = UserFactory(username="iam.leaving", business_area=area)
    asset = make_asset(manager=iam)
    holder = UserFactory(username="holder.leaving", business_area=area, groups=[roles.CONTRACT_MANAGERS])
    grant = make_grant(holder, asset=asset)
    contract = make_contract(manager=holder)
    assert InformationAssetUserObjectPermission.objects.filter(user=iam).exists()
    assert ResearchContractUserObjectPermission.objects.filter(user=holder, content_object=contract).exists()

    client = verified_client(administrator)
    for person in (iam, holder):
        response = _post(client, person, is_active="")
        assert response.status_code == 302, response.content.decode()[:2000]

    iam.refresh_from_db()
    holder.refresh_from_db()
    asset.refresh_from_db()
    grant.refresh_from_db()
    assert not iam.is_active and not holder.is_active
    assert asset.manager is None  # the asset shows "IAM needed"
    assert not InformationAssetUserObjectPermission.objects.filter(user__in=[iam, holder]).exists()
    assert not ResearchContractUserObjectPermission.objects.filter(user=holder).exists()
    assert grant.state == AccessGrant.State.SUSPENDED
    assert not holder.groups.exists()


def test_group_changes_in_the_admin_add_and_remove_only_the_difference(verified_client, administrator, area):
    person = UserFactory(username="mover", business_area=area, groups=[roles.AUDITORS])
    auditors = Group.objects.get(name=roles.AUDITORS)
    managers = Group.objects.get(name=roles.CONTRACT_MANAGERS)
    client = verified_client(administrator)

    response = _post(client, person, groups=[managers.pk])

    assert response.status_code == 302
    assert set(person.groups.all()) == {managers}
    changes = AuditEntry.objects.filter(object_pk=str(person.pk)).exclude(changes=None)
    named = " ".join(str(entry.changes) for entry in changes)
    assert auditors.name in named or str(auditors.pk) in named


def test_moving_area_in_the_admin_goes_through_the_service(verified_client, administrator, area):
    person = UserFactory(username="area.mover", business_area=area)
    elsewhere = BusinessAreaFactory(name="Elsewhere", code="ELS")
    client = verified_client(administrator)

    response = _post(client, person, business_area=elsewhere.pk)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.business_area == elsewhere
    assert AuditEntry.objects.filter(object_pk=str(person.pk), actor=administrator).exists()


def test_reactivating_restores_no_rights(verified_client, administrator, area):
    iam = UserFactory(username="returner", business_area=area)
    make_asset(manager=iam)
    client = verified_client(administrator)
    _post(client, iam, is_active="")
    iam.refresh_from_db()

    _post(client, iam, is_active="on")

    iam.refresh_from_db()
    assert iam.is_active
    assert not InformationAssetUserObjectPermission.objects.filter(user=iam).exists()


def test_the_service_refuses_people_without_the_right(staff, area):
    other = UserFactory(username="target", business_area=area)
    with pytest.raises(PermissionDenied):
        update_person(other, by=staff, is_active=False)
    other.refresh_from_db()
    assert other.is_active
