"""The SCIM Users and Groups lists cost the same number of queries for a few records as for many."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.core.roles import AUDITORS, STATISTICIANS
from tests.factories import BusinessAreaFactory, UserFactory
from tests.register.test_scim import provisioner, scim_token  # noqa: F401 (the fixture, and the token it makes)

pytestmark = pytest.mark.django_db


def people(count: int, offset: int) -> None:
    """People in areas of their own, in groups (a third as many new ones) and with a line manager: what lists show."""
    auditors, statisticians = Group.objects.get(name=AUDITORS), Group.objects.get(name=STATISTICIANS)
    extra_groups = [Group.objects.create(name=f"Team {offset + n}") for n in range(count // 3)]
    manager = UserFactory(username=f"manager-{offset}")
    for n in range(count):
        person = UserFactory(
            username=f"person-{offset + n}",
            business_area=BusinessAreaFactory(name=f"Area {offset + n}", code=f"a{offset + n}"),
            line_manager=manager,
        )
        person.groups.add(auditors, statisticians, *extra_groups)


def size(doc: dict) -> int:
    return doc["totalResults"] + sum(len(resource.get("members", [])) for resource in doc["Resources"])


def queries_for(client, path: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(path)
    assert answer.status_code == 200, answer.content
    return len(captured), answer.json()


@pytest.mark.parametrize("path", ["/scim/v2/Users?count=100", "/scim/v2/Groups?count=100"])
def test_a_list_runs_a_fixed_number_of_queries(provisioner, path):  # noqa: F811
    people(3, offset=0)
    queries_for(provisioner, path)  # first call: caches and the token's last-used time settle
    few, small = queries_for(provisioner, path)

    people(30, offset=100)
    many, large = queries_for(provisioner, path)

    assert size(large) > size(small)  # more people listed, or more members in each group
    assert many == few, f"{few} queries for the small list, {many} for the large one"


def test_the_users_list_shows_each_persons_area_and_groups(provisioner):  # noqa: F811
    people(2, offset=0)

    answer = provisioner.get("/scim/v2/Users?count=100").json()

    person = next(r for r in answer["Resources"] if r["userName"] == "person-1")
    enterprise = person["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert enterprise["department"] == "a1"
    assert {g["display"] for g in person["groups"]} == {AUDITORS, STATISTICIANS}


def test_a_page_is_no_larger_than_asked_or_the_cap(provisioner):  # noqa: F811
    people(5, offset=0)

    answer = provisioner.get("/scim/v2/Users?startIndex=2&count=3").json()

    assert answer["itemsPerPage"] == 3 and answer["startIndex"] == 2
    assert answer["totalResults"] >= 6
