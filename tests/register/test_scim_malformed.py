"""Malformed SCIM requests (as the fuzzing run sends) are SCIM errors, never server errors."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from governance.core.models import User
from tests.register.test_scim import ENTERPRISE, USERS, scim_token

pytestmark = pytest.mark.django_db

GROUPS = "/scim/v2/Groups"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
HUGE = "9" * 40


@pytest.fixture
def provisioner(administrator):
    return Client(HTTP_AUTHORIZATION=f"Bearer {scim_token(administrator)}")


def raw(client, method: str, path: str, data: str = ""):
    return getattr(client, method)(path, data=data, content_type="application/scim+json")


def requests(person: int, group: int) -> list[tuple[str, str, object]]:
    return [
        ("get", f"{USERS}/Bc\U000c1630p", None),
        ("delete", f"{USERS}/{HUGE}", None),
        ("put", f"{USERS}/\u00b2", {"schemas": [USER], "userName": "x"}),
        ("patch", f"{GROUPS}/{HUGE}", {"Operations": [{"op": "add"}]}),
        ("get", f"{USERS}?startIndex={HUGE}", None),
        ("get", f"{USERS}?count={HUGE}&startIndex=2", None),
        ("post", USERS, []),
        ("put", f"{GROUPS}/{group}", b"\xff\x4b\xfe"),
        ("post", f"{USERS}/.search", b"\xf0\x9a[o"),
        ("post", USERS, {"schemas": [USER], "userName": "a", "name": "not an object", ENTERPRISE: "x"}),
        ("post", USERS, {"schemas": [USER], "userName": "a", ENTERPRISE: {"manager": {"value": HUGE}}}),
        ("put", f"{USERS}/{person}", {"schemas": [USER], "userName": "a", "name": ["x"], "emails": 5}),
        ("patch", f"{USERS}/{person}", {"Operations": "remove"}),
        ("patch", f"{USERS}/{person}", {"Operations": [5, None]}),
        ("patch", f"{USERS}/{person}", {"Operations": [{"op": "replace", "path": "name", "value": "x"}]}),
        ("patch", f"{USERS}/{person}", {"Operations": [{"op": 7, "path": ["x"], "value": {}}]}),
        ("post", GROUPS, {"schemas": [GROUP], "displayName": "a\x00b"}),
        ("post", GROUPS, {"schemas": [GROUP], "displayName": "Nulls", "externalId": "a\x00b"}),
        ("put", f"{GROUPS}/{group}", {"schemas": [GROUP], "displayName": "Analysts", "externalId": "x" * 300}),
        (
            "post",
            GROUPS,
            {"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": HUGE}, {"value": "\u00b2"}]},
        ),
        ("put", f"{GROUPS}/{group}", {"schemas": [GROUP], "displayName": {"a": 1}, "members": "all"}),
        ("patch", f"{GROUPS}/{group}", {"Operations": [{"op": "add", "path": "members", "value": [[1], {"$ref": 3}]}]}),
        ("patch", f"{GROUPS}/{group}", {"Operations": [{"op": "remove", "path": 'members[value eq "x" and'}]}),
        ("post", f"{USERS}/.search", [1, 2]),
        ("post", f"{USERS}/.search", {"schemas": [SEARCH], "startIndex": HUGE, "count": -3, "filter": 5}),
        ("post", f"{GROUPS}/.search", {"schemas": [SEARCH], "filter": '"', "attributes": [{"a": 1}, None]}),
        ("post", "/scim/v2/.search", {"schemas": [SEARCH], "excludedAttributes": 5, "startIndex": 1.5}),
        ("post", "/scim/v2/.search", {"schemas": SEARCH, "filter": "userName eq"}),
    ]


def test_no_malformed_request_is_a_server_error(provisioner):
    person = User.objects.create(username="someone")
    group = Group.objects.create(name="Analysts")

    groups = set(Group.objects.values_list("name", flat=True))
    problems = []
    for method, path, body in requests(person.pk, group.pk):
        data = body if isinstance(body, bytes) else json.dumps(body) if body is not None else ""
        answer = raw(provisioner, method, path, data)
        if answer.status_code >= 500:
            problems.append((method, path, body, answer.content[:150]))
            continue
        if answer.status_code >= 400:
            assert json.loads(answer.content)["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert not problems, "\n".join(map(str, problems))
    assert set(Group.objects.values_list("name", flat=True)) == groups  # no group was created or renamed
