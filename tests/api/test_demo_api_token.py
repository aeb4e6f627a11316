"""The development command that issues a demo API token: development only, and audited to its person."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from governance.core.models import ApiToken, AuditEntry
from governance.core.roles import ADMINISTRATORS
from tests.factories import TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_token_is_created_as_its_person_and_audited_to_them(settings):
    settings.DEBUG = True
    person = UserFactory(username="tess")
    TOTPDeviceFactory(user=person)
    out = io.StringIO()

    call_command("demo_api_token", "tess", stdout=out)

    token = ApiToken.objects.get(user=person)
    assert out.getvalue().startswith(f"cus_{token.key}.")
    created = AuditEntry.objects.get(content_type__model="apitoken", object_pk=str(token.pk), action=0)
    assert created.actor == person and created.cid  # one correlation id for the command run


def test_the_demo_token_is_refused_outside_development(settings):
    settings.DEBUG = False
    TOTPDeviceFactory(user=UserFactory(username="tess"))
    with pytest.raises(CommandError, match="only runs when DEBUG is on"):
        call_command("demo_api_token", "tess")
    assert not ApiToken.objects.exists()


def test_a_scim_token_may_follow_another_within_the_same_half_minute(settings):
    settings.DEBUG = True
    person = UserFactory(username="ada", groups=[ADMINISTRATORS])
    TOTPDeviceFactory(user=person)

    call_command("demo_api_token", "ada", "--write", stdout=io.StringIO())
    call_command("demo_api_token", "ada", "--scim", stdout=io.StringIO())  # the next step's code

    assert sorted(ApiToken.objects.filter(user=person).values_list("scim_enabled", flat=True)) == [False, True]
