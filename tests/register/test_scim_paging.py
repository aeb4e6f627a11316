"""SCIM lists and searches page in the database: a filter over many people reads only the page asked for."""

from __future__ import annotations

import contextlib
import json

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from governance.core.models import User
from tests.factories import UserFactory
from tests.register.test_scim import SCIM, provisioner, scim_token  # noqa: F401 (the fixture, and the token it makes)

pytestmark = pytest.mark.django_db

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
QUERIES = 12  # the token check, the count, the page and its related rows: the same for 5 people as for 60


def people(count: int, offset: int = 0) -> None:
    for n in range(count):
        UserFactory(username=f"paged-{offset + n:03d}")


@contextlib.contextmanager
def people_read():
    """Counts the people loaded from the database while it is open."""
    loaded: list[User] = []

    def note(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(note, sender=User)
    try:
        yield loaded
    finally:
        post_init.disconnect(note, sender=User)


def get(client, path: str, **params):
    answer = client.get(path, params)
    assert answer.status_code == 200, answer.content
    return answer.json()


def search(client, path: str, **body):
    answer = client.post(path, json.dumps({"schemas": [SEARCH], **body}), content_type=SCIM)
    assert answer.status_code == 200, answer.content
    return answer.json()


REQUESTS = [
    lambda client: get(client, "/scim/v2/Users", filter="userName pr", count=5, startIndex=3),
    lambda client: get(client, "/scim/v2/Users", filter='userName sw "paged-"', count=5),
    lambda client: get(client, "/scim/v2/Users", count=5),
    lambda client: search(client, "/scim/v2/Users/.search", filter="userName pr", count=5),
    lambda client: search(client, "/scim/v2/.search", filter="userName pr", count=5),
]

NAMES = ["present", "starts-with", "no-filter", "users-search", "root-search"]


@pytest.mark.parametrize("ask", REQUESTS, ids=NAMES)
def test_a_filtered_page_runs_the_same_queries_for_few_people_as_for_many(
    provisioner,  # noqa: F811
    django_assert_max_num_queries,
    ask,
):
    people(5)
    ask(provisioner)  # the token's last use and the caches settle
    with django_assert_max_num_queries(QUERIES):
        small = ask(provisioner)

    people(55, offset=100)
    with CaptureQueriesContext(connection) as captured, django_assert_max_num_queries(QUERIES):
        large = ask(provisioner)

    assert large["totalResults"] > small["totalResults"] >= 5
    assert len(large["Resources"]) == len(small["Resources"]) == 5
    sql = [q["sql"].upper() for q in captured.captured_queries]
    assert any("COUNT(" in q and "SCIM_DELETED_AT" in q for q in sql), "the total is a COUNT"
    assert any("LIMIT" in q and "SCIM_DELETED_AT" in q for q in sql), "the page is read with LIMIT"


@pytest.mark.parametrize("ask", REQUESTS, ids=NAMES)
def test_a_filter_over_many_people_reads_only_the_page(provisioner, ask):  # noqa: F811
    people(60)
    ask(provisioner)

    with people_read() as loaded:
        answer = ask(provisioner)

    assert answer["totalResults"] >= 60 and answer["itemsPerPage"] == len(answer["Resources"]) == 5
    assert len(loaded) <= 5 + 3, f"{len(loaded)} people read for a page of 5"  # the page, the token's owner


def test_a_filtered_page_has_the_right_people_and_total(provisioner):  # noqa: F811
    people(12)

    answer = get(provisioner, "/scim/v2/Users", filter='userName sw "paged-"', startIndex=4, count=3)

    assert answer["totalResults"] == 12 and answer["startIndex"] == 4
    assert [r["userName"] for r in answer["Resources"]] == ["paged-003", "paged-004", "paged-005"]


def test_people_deleted_over_scim_are_neither_counted_nor_listed_by_a_filter(provisioner):  # noqa: F811
    people(4)
    gone = User.objects.get(username="paged-001")
    assert provisioner.delete(f"/scim/v2/Users/{gone.pk}").status_code == 204

    answer = get(provisioner, "/scim/v2/Users", filter='userName sw "paged-"')

    assert answer["totalResults"] == 3
    assert "paged-001" not in {r["userName"] for r in answer["Resources"]}


def test_a_filter_on_an_unknown_attribute_is_still_an_invalid_filter(provisioner):  # noqa: F811
    answer = provisioner.get("/scim/v2/Users", {"filter": 'userName eq "x" and ('})

    assert answer.status_code == 400
    assert answer.json()["scimType"] == "invalidFilter"
