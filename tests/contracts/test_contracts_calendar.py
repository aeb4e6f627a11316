"""The retention calendar, its CSV export and the contract manager's personal iCalendar feed."""

# ruff: noqa: F811 - the shared contract fixtures are imported by name

from __future__ import annotations

import datetime
import hashlib

import pytest
from auditlog.context import disable_auditlog
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from governance.contracts.calendar import feed_owner, issue_feed_token, revoke_feed_token
from governance.contracts.icalendar import AllDayEvent, calendar, escape_text, fold
from governance.contracts.models import CalendarFeedToken, ContractAsset, ResearchContract
from governance.core import roles
from governance.core.models import AccessEvent, AuditEntry
from tests.contract_fixtures import (  # noqa: F401 - fixtures
    TODAY,
    Status,
    asset,
    contract,
    gateway,
    iam,
    manager,
    other_manager,
    released_contract,
)
from tests.factories import ExternalOrganisationFactory, ResearchContractFactory, make_contract

# Database tests: so marked, they run before the transactional (browser) tests.
pytestmark = pytest.mark.django_db


DAY = datetime.timedelta(days=1)


def dated(manager, reference, status, retention_days, destruction_days, **kwargs):
    """A contract straight in the database in ``status``, with dates relative to today (for list tests)."""
    with disable_auditlog():
        return ResearchContractFactory(
            manager=manager,
            reference=reference,
            status=status,
            start_date=TODAY - 400 * DAY,
            end_date=TODAY - 300 * DAY,
            retention_end_date=TODAY + retention_days * DAY,
            destruction_due_date=TODAY + destruction_days * DAY,
            data_released_on=TODAY - 350 * DAY if status not in ResearchContract.PRE_RELEASE else None,
            **kwargs,
        )


@pytest.fixture
def calendar_contracts(manager, auditor):
    from django.contrib.auth.models import Permission

    from governance.contracts.models import ResearchContractUserObjectPermission

    view = Permission.objects.get(codename="view_researchcontract")
    made = [
        dated(manager, "LATER", Status.DATA_RELEASED, 200, 230),
        dated(manager, "SOON", Status.DATA_RELEASED, 10, 40),
        dated(manager, "OVERDUE", Status.RETENTION_ENDED, -60, -5),
        dated(manager, "DESTROY-SOON", Status.RETENTION_ENDED, -10, 20),
        dated(manager, "CERTIFIED", Status.DESTRUCTION_CERTIFIED, -60, -30),
        dated(manager, "PLANNED", Status.APPROVED, 100, 130),
    ]
    with disable_auditlog():
        for contract in made:
            ResearchContractUserObjectPermission.objects.create(user=manager, content_object=contract, permission=view)
    return made


def test_the_calendar_puts_overdue_destruction_first_then_the_next_date(verified_client, manager, calendar_contracts):
    response = verified_client(manager).get("/contracts/calendar/")
    assert response.status_code == 200
    order = [c.reference for c in response.context["contracts"]]
    assert order == ["OVERDUE", "SOON", "DESTROY-SOON", "PLANNED", "LATER"]  # certified ones are done
    assert response.context["counts"] == {"overdue": 1, "retention_soon": 1, "destruction_soon": 1}
    content = response.content.decode()
    assert "app-table__row--overdue" in content and "Overdue by 5 days" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("window=overdue", ["OVERDUE"]),
        ("window=30", ["OVERDUE", "SOON", "DESTROY-SOON"]),
        ("window=365", ["OVERDUE", "SOON", "DESTROY-SOON", "PLANNED", "LATER"]),
        ("scope=released", ["OVERDUE", "SOON", "DESTROY-SOON", "LATER"]),
    ],
)
def test_calendar_filters(verified_client, manager, calendar_contracts, query, expected):
    response = verified_client(manager).get(f"/contracts/calendar/?{query}")
    assert [c.reference for c in response.context["contracts"]] == expected


def test_the_calendar_shows_each_person_only_what_they_may_see(
    verified_client, calendar_contracts, other_manager, auditor, staff
):
    assert not verified_client(other_manager).get("/contracts/calendar/").context["contracts"]
    assert not verified_client(staff).get("/contracts/calendar/").context["contracts"]
    assert len(verified_client(auditor).get("/contracts/calendar/").context["contracts"]) == 5


def test_the_calendar_exports_csv_and_records_the_export(verified_client, manager, calendar_contracts):
    response = verified_client(manager).get("/contracts/calendar/export/?window=overdue")
    assert response["Content-Disposition"].startswith('attachment; filename="retention-calendar-')
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("reference,title,contractor,contract_manager,status")
    assert len(lines) == 2 and lines[1].startswith("OVERDUE,") and lines[1].endswith(",-5,yes")
    event = AccessEvent.objects.get()
    assert (event.user, event.kind, event.content_type) == (manager, "export", None)


@pytest.mark.parametrize("count", [10, 1000])
@pytest.mark.parametrize("who", ["manager", "auditor", "iam"])
def test_the_calendar_runs_a_bounded_number_of_queries(
    request, verified_client, manager, asset, who, count, django_assert_max_num_queries
):
    from django.contrib.auth.models import Permission

    from governance.contracts.models import ResearchContractUserObjectPermission

    view = Permission.objects.get(codename="view_researchcontract")
    organisation = ExternalOrganisationFactory()
    statuses = [Status.DATA_RELEASED, Status.RETENTION_ENDED, Status.APPROVED]
    with disable_auditlog():
        for n in range(count):
            contract = dated(manager, f"CAL-{n:05d}", statuses[n % 3], n % 90 - 30, n % 90, organisation=organisation)
            ResearchContractUserObjectPermission.objects.create(user=manager, content_object=contract, permission=view)
            ContractAsset.objects.create(contract=contract, asset=asset)
    client = verified_client(request.getfixturevalue(who))
    client.get("/contracts/calendar/")
    with django_assert_max_num_queries(14):
        response = client.get("/contracts/calendar/?window=365")
    assert response.context["paginator"].count == count
    assert len(response.context["contracts"]) == min(count, 50)
    b"".join(client.get("/contracts/calendar/export/").streaming_content)  # warm, as for the page above
    with django_assert_max_num_queries(12):
        export = client.get("/contracts/calendar/export/")
        rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == count + 1


# --- the personal feed ------------------------------------------------------------------------


def test_a_contract_manager_creates_a_feed_address_shown_once(verified_client, manager, contract):
    client = verified_client(manager)
    assert client.get("/contracts/calendar/feed/").status_code == 200
    response = client.post("/contracts/calendar/feed/", {"create": "1"})
    address = response.context["new_address"]
    assert address.startswith("http://testserver/contracts/calendar/feed/") and address.endswith(".ics")
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43
    stored = CalendarFeedToken.objects.get(user=manager)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get("/contracts/calendar/feed/").content.decode()  # never shown again
    for entry in AuditEntry.objects.filter(object_repr=str(stored)):
        assert stored.token_hash not in str(entry.changes)


@pytest.mark.parametrize("who", ["staff", "iam", "auditor", "administrator"])
def test_only_contract_managers_have_a_feed(request, verified_client, who):
    user = request.getfixturevalue(who)
    client = verified_client(user)
    assert client.get("/contracts/calendar/feed/").status_code == 403
    assert client.post("/contracts/calendar/feed/", {"create": "1"}).status_code == 403
    assert not CalendarFeedToken.objects.exists()
    with pytest.raises(PermissionDenied):
        issue_feed_token(user, by=user)


def test_nobody_creates_a_feed_for_someone_else(manager, other_manager):
    with pytest.raises(PermissionDenied):
        issue_feed_token(manager, by=other_manager)
    with pytest.raises(PermissionDenied):
        revoke_feed_token(manager, by=other_manager)


def test_the_feed_opens_by_its_key_alone_and_lists_only_the_managers_dates(
    client, manager, other_manager, contract, asset
):
    released_contract(contract, asset)
    make_contract(manager=other_manager, reference="NOT-MINE")
    token = issue_feed_token(manager, by=manager)
    response = client.get(f"/contracts/calendar/feed/{token}.ics", HTTP_USER_AGENT="Calendar/2.0")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.count("BEGIN:VEVENT") == 2
    assert f"DTSTART;VALUE=DATE:{contract.retention_end_date:%Y%m%d}" in text
    assert f"DTSTART;VALUE=DATE:{contract.destruction_due_date:%Y%m%d}" in text
    assert f"UID:contract-{contract.pk}-destruction-due@127.0.0.1" in text
    assert "NOT-MINE" not in text and contract.title not in text  # brief: reference and contractor only
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = AccessEvent.objects.get()
    assert (event.user, event.kind, event.user_agent) == (manager, "calendar_feed", "Calendar/2.0")


def test_a_replaced_revoked_or_unknown_key_opens_nothing(client, manager, contract):
    old = issue_feed_token(manager, by=manager)
    new = issue_feed_token(manager, by=manager)
    assert client.get(f"/contracts/calendar/feed/{old}.ics").status_code == 404
    assert client.get(f"/contracts/calendar/feed/{new}.ics").status_code == 200
    assert revoke_feed_token(manager, by=manager)
    assert client.get(f"/contracts/calendar/feed/{new}.ics").status_code == 404
    assert client.get("/contracts/calendar/feed/guessed-key.ics").status_code == 404
    assert client.post(f"/contracts/calendar/feed/{new}.ics").status_code == 405
    assert AccessEvent.objects.count() == 1


def test_a_manager_who_leaves_the_role_loses_the_feed(client, manager, contract):
    token = issue_feed_token(manager, by=manager)
    manager.groups.remove(Group.objects.get(name=roles.CONTRACT_MANAGERS))
    assert feed_owner(token) is None
    assert client.get(f"/contracts/calendar/feed/{token}.ics").status_code == 404


def test_the_feed_settings_page_revokes(verified_client, manager):
    issue_feed_token(manager, by=manager)
    response = verified_client(manager).post("/contracts/calendar/feed/", {"revoke": "1"}, follow=True)
    assert "Your calendar feed address no longer works" in response.content.decode()
    assert not CalendarFeedToken.objects.exists()


# --- the iCalendar writer -----------------------------------------------------------------------


def test_text_values_are_escaped():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(piece[1:] if n else piece for n, piece in enumerate(pieces)) == line


def test_a_calendar_has_the_required_properties():
    now = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    text = calendar(
        "Research contracts: Carla",
        [AllDayEvent(uid="x@host", day=datetime.date(2026, 4, 1), summary="Destruction due: RC-1, Leeds; UK")],
        now=now,
    )
    lines = text.split("\r\n")
    for required in ("BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:x@host", "DTSTAMP:20260301T093000Z"):
        assert required in lines
    assert "DTSTART;VALUE=DATE:20260401" in lines and "DTEND;VALUE=DATE:20260402" in lines
    assert "SUMMARY:Destruction due: RC-1\\, Leeds\\; UK" in lines
    assert "X-WR-CALNAME:Research contracts: Carla" in lines
