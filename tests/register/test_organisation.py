"""Roles, single-holder offices, Deputy SIRO appointments and leavers."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from guardian.shortcuts import get_perms

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import BusinessAreaUserObjectPermission, OfficeHolder, User
from governance.core.role_badges import roles_for
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from governance.register.people import deactivate_due_leavers, mark_leaver
from tests.factories import UserFactory


def test_global_role_groups_exist_with_their_permissions(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.GLOBAL_GROUPS) <= names
    auditors = Group.objects.get(name=roles.AUDITORS)
    codenames = set(auditors.permissions.values_list("codename", flat=True))
    assert "view_auditentry" in codenames
    assert not any(c.startswith(("add_", "change_", "delete_")) for c in codenames)  # read-only


def test_only_one_siro_can_exist(db):
    OfficeHolder.objects.create(office=OfficeHolder.Office.SIRO, holder=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeHolder.objects.create(office=OfficeHolder.Office.SIRO, holder=UserFactory())


def test_only_one_chief_statistician_can_exist(db):
    OfficeHolder.objects.create(office=OfficeHolder.Office.CHIEF_STATISTICIAN, holder=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficeHolder.objects.create(office=OfficeHolder.Office.CHIEF_STATISTICIAN, holder=UserFactory())


def test_appointing_a_new_siro_replaces_the_old_one(db, administrator):
    first, second = UserFactory(), UserFactory()
    appoint_office_holder(OfficeHolder.Office.SIRO, first, by=administrator)
    appoint_office_holder(OfficeHolder.Office.SIRO, second, by=administrator)
    assert OfficeHolder.objects.get(office=OfficeHolder.Office.SIRO).holder == second
    assert OfficeHolder.objects.filter(office=OfficeHolder.Office.SIRO).count() == 1


def test_staff_cannot_appoint_office_holders(db, staff):
    with pytest.raises(PermissionDenied):
        appoint_office_holder(OfficeHolder.Office.SIRO, staff, by=staff)
    assert not OfficeHolder.objects.exists()


def test_nobody_is_their_own_line_manager(db):
    user = UserFactory()
    user.line_manager = user
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_email_addresses_are_unique_ignoring_case(db):
    UserFactory(email="Pat.Smith@example.gov.uk")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="pat.smith@EXAMPLE.gov.uk")


def test_deputy_siro_rights_move_with_the_appointment(area, administrator):
    first, second = UserFactory(business_area=area), UserFactory(business_area=area)
    set_deputy_siro(area, first, by=administrator)
    assert "oversee_businessarea" in get_perms(first, area)

    set_deputy_siro(area, second, by=administrator)
    area.refresh_from_db()
    assert area.deputy_siro == second
    assert "oversee_businessarea" not in get_perms(User.objects.get(pk=first.pk), area)
    assert "oversee_businessarea" in get_perms(User.objects.get(pk=second.pk), area)
    # Direct foreign-key permission rows, not guardian's generic table.
    assert BusinessAreaUserObjectPermission.objects.filter(content_object=area).count() == 1


def test_staff_cannot_appoint_a_deputy_siro(area, staff):
    with pytest.raises(PermissionDenied):
        set_deputy_siro(area, staff, by=staff)
    area.refresh_from_db()
    assert area.deputy_siro is None


def test_roles_are_listed_for_display(area, deputy_siro, django_assert_max_num_queries):
    deputy_siro.is_data_handler = True
    deputy_siro.save()
    deputy_siro.groups.add(Group.objects.get(name=roles.AUDITORS))
    appoint_office_holder(OfficeHolder.Office.CHIEF_STATISTICIAN, deputy_siro, by=system_user())
    user = User.objects.get(pk=deputy_siro.pk)
    with django_assert_max_num_queries(2):  # the role facts, and the Deputy SIRO's area names
        labels = [(r.label, r.detail) for r in roles_for(user)]
    assert ("Staff", "") in labels
    assert ("Data handler", "") in labels
    assert ("Deputy SIRO", area.name) in labels
    assert ("Auditor", "") in labels
    assert ("Chief Statistician", "") in labels


def test_a_leaver_keeps_no_rights(area, administrator, deputy_siro):
    deputy_siro.groups.add(Group.objects.get(name=roles.AUDITORS))
    mark_leaver(deputy_siro, by=administrator)
    leaver = User.objects.get(pk=deputy_siro.pk)
    assert not leaver.is_active
    assert leaver.leaver_date is not None
    assert not leaver.groups.exists()
    assert not BusinessAreaUserObjectPermission.objects.filter(user=leaver).exists()


def test_a_future_leaver_keeps_rights_until_the_date(area, administrator, staff):
    leaving = datetime.date.today() + datetime.timedelta(days=7)
    mark_leaver(staff, leaving, by=administrator)
    assert User.objects.get(pk=staff.pk).is_active
    assert deactivate_due_leavers(today=leaving) == 1
    assert not User.objects.get(pk=staff.pk).is_active
    assert deactivate_due_leavers(today=leaving) == 0  # idempotent


def test_staff_cannot_record_leavers(staff):
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        mark_leaver(other, by=staff)
    assert User.objects.get(pk=other.pk).is_active
