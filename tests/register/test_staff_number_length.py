"""A staff number is as long as the person's record allows, on every path that writes one."""

from __future__ import annotations

import json

import pytest

from governance.core.models import User
from tests.api.conftest import api  # noqa: F401 (the fixture)
from tests.factories import UserFactory
from tests.register.test_people_admin import _post
from tests.register.test_scim import USERS, joiner_body, provisioner, scim_token, send  # noqa: F401
from tests.register.test_staff_import import upload

pytestmark = pytest.mark.django_db

LIMIT = User._meta.get_field("staff_number").max_length
LONGEST = "E" * LIMIT
TOO_LONG = "E" * (LIMIT + 1)
MESSAGE = f"Staff number must be {LIMIT} characters or fewer"


def test_the_record_allows_more_than_twenty_characters():
    assert LIMIT == 64  # an identity provider's ids, sent as staff numbers, are longer than the old 20


def test_the_hr_file_takes_the_longest_staff_number_and_names_the_limit(verified_client, administrator, area):
    client = verified_client(administrator)

    fits = upload(
        client,
        f"{LONGEST},Lee Long,lee.long@example.gov.uk,{area.code},,no,",
        f"S0001,Rae Report,rae.report@example.gov.uk,{area.code},{LONGEST},no,",  # managed by the long number
    ).context["result"]
    refused = upload(
        client,
        f"{TOO_LONG},Tom Toolong,tom@example.gov.uk,{area.code},,no,",
        f"S0002,Sal Report,sal@example.gov.uk,{area.code},{TOO_LONG},no,",
    ).context["result"]

    assert fits.ok, fits.errors
    assert {(e.row, e.column, e.message) for e in refused.errors} >= {
        (2, "staff_number", MESSAGE),
        (3, "line_manager", f"The line manager's staff number must be {LIMIT} characters or fewer"),
    }


def test_the_hr_file_saves_a_joiner_with_the_longest_staff_number(verified_client, administrator, area):
    client = verified_client(administrator)
    response = upload(client, f"{LONGEST},Lee Long,lee.long@example.gov.uk,{area.code},,no,")

    client.post("/people/import/", {"confirm": "1", "token": response.context["token"]})

    assert User.objects.get(staff_number=LONGEST).email == "lee.long@example.gov.uk"


def test_the_api_import_takes_the_longest_and_reports_too_long_by_row(api, area, administrator):  # noqa: F811
    row = {"name": "Lee Long", "email": "lee.long@example.gov.uk", "business_area": area.code}
    client = api(administrator, write=True)

    refused = client.post_json("/api/people/import/", {"rows": [row | {"staff_number": TOO_LONG}]})
    done = client.post_json("/api/people/import/", {"rows": [row | {"staff_number": LONGEST}]})

    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"row": 2, "column": "staff_number", "message": MESSAGE}]
    assert done.status_code == 200, done.content
    assert User.objects.filter(staff_number=LONGEST).exists()


def test_the_admin_takes_the_longest_and_refuses_longer(verified_client, administrator, area):
    person = UserFactory(username="long.number", business_area=area, staff_number="S0001")
    client = verified_client(administrator)

    refused = _post(client, person, staff_number=TOO_LONG)
    saved = _post(client, person, staff_number=LONGEST)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["staff_number"] == [MESSAGE]
    assert saved.status_code == 302, saved.content.decode()[:2000]
    person.refresh_from_db()
    assert person.staff_number == LONGEST


def test_scim_takes_the_longest_employee_number_and_names_the_limit(provisioner):  # noqa: F811
    body = joiner_body()
    enterprise = body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]

    refused = send(provisioner, "post", USERS, body | {body_key(body): enterprise | {"employeeNumber": TOO_LONG}})
    made = send(provisioner, "post", USERS, body | {body_key(body): enterprise | {"employeeNumber": LONGEST}})

    assert refused.status_code == 400 and f"at most {LIMIT} characters" in json.loads(refused.content)["detail"]
    assert made.status_code == 201, made.content
    assert User.objects.get(staff_number=LONGEST).username == body["userName"]


def body_key(body: dict) -> str:
    return next(key for key in body if key.endswith("enterprise:2.0:User"))
