"""Every list endpoint runs the same number of queries at two sizes (then the count is also capped)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.access import requests as access
from governance.core import roles
from governance.core.access_events import record_access
from governance.core.models import AuditVerification
from governance.releases import workflow as releases
from tests.factories import (
    DataItemFactory,
    UserFactory,
    contract_manager,
    make_asset,
    make_contract,
    make_course,
    make_grant,
    make_signoff,
)

pytestmark = pytest.mark.django_db
SMALL, LARGE = 2, 7
SERIAL = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix} {next(SERIAL)}"


def _request(viewer):
    area = viewer.business_area
    asset = make_asset(manager=UserFactory(business_area=area), business_area=area, name=_name("Asset"))
    item = DataItemFactory(asset=asset, sensitivity="non_personal")
    access.save_request(
        requester=viewer,
        asset=asset,
        purpose="p",
        business_case="b",
        requested_end_date=timezone.localdate() + datetime.timedelta(days=30),
        items={item: "why"},
        submit=True,
    )


def _release(viewer):
    releases.create_release(by=viewer, title="Release", planned_release_date=timezone.localdate())


def _verification(viewer):
    AuditVerification.objects.create(entries_checked=1, ok=True)


# endpoint -> (who reads it, how one more row is made for them)
CASES = {
    "/api/assets/": ("staff", lambda viewer: DataItemFactory(asset=make_asset(manager=UserFactory()))),
    "/api/data-items/": ("staff", lambda viewer: DataItemFactory()),
    "/api/people/": ("auditor", lambda viewer: UserFactory(line_manager=UserFactory())),
    "/api/courses/": ("staff", lambda viewer: make_course(title=_name("Course"))),
    "/api/training/status/": ("staff", lambda viewer: make_course(title=_name("Course"))),
    "/api/training/sign-offs/": ("staff", lambda viewer: make_signoff(viewer)),
    "/api/access-requests/": ("staff", _request),
    "/api/grants/": ("staff", lambda viewer: make_grant(viewer)),
    "/api/access-events/": ("auditor", lambda viewer: record_access(RequestFactory().get("/"), None, "export", "x")),
    "/api/contracts/": ("manager", lambda viewer: make_contract(manager=viewer, reference=_name("RC"))),
    "/api/contracts/calendar/": ("manager", lambda viewer: make_contract(manager=viewer, reference=_name("RC"))),
    "/api/releases/": ("statistician", _release),
    "/api/audit/entries/": ("auditor", lambda viewer: make_asset()),
    "/api/audit/verifications/": ("auditor", _verification),
}


def _viewer(kind, area):
    if kind == "manager":
        return contract_manager(business_area=area)
    groups = {"auditor": [roles.AUDITORS], "statistician": [roles.STATISTICIANS]}.get(kind, [])
    return UserFactory(business_area=area, groups=groups)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("url", sorted(CASES))
def test_list_query_count_is_constant(api, area, url, django_assert_max_num_queries):
    kind, make_row = CASES[url]
    viewer = _viewer(kind, area)
    for _ in range(SMALL):
        make_row(viewer)
    client = api(viewer)
    client.get(url)  # the first use records the token's address: not part of the list's cost
    small = _count(client, url)
    for _ in range(LARGE - SMALL):
        make_row(viewer)
    large = _count(client, url)
    print(f"{url}: {small} queries at {SMALL}+ rows, {large} at {LARGE}+")
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(url)
