"""Safe outputs: researchers invited, outputs submitted and checked, decisions, downloads, the contract's end."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance.contracts.models import ResearchContract
from governance.contracts.states import transition
from governance.core import events
from governance.core.models import AccessEvent, Notification, User
from governance.outputs import researchers as researcher_service
from governance.outputs import submissions
from governance.outputs.models import OutputDecision, OutputSubmission, OutputVersion, Researcher
from governance.outputs.selectors import output_counts
from tests.conftest import sign_in_verified
from tests.factories import (
    UserFactory,
    contract_manager,
    disclosure_officer,
    make_contract,
    make_researcher,
    submit_output,
)

SMALL_CELL_TABLE = b"region,count\nNorth,120\nSouth,3\n"
SAFE_TABLE = b"region,count\nNorth,120\nSouth,40\n"
MODEL = b"term,estimate,standard_error\nintercept,1.2,0.3\nage,0.05,0.01\n"


@pytest.fixture
def manager(db):
    return contract_manager(username="cm")


@pytest.fixture
def contract(manager):
    return make_contract(manager=manager, reference="RES-OUT-1")


@pytest.fixture
def researcher(contract):
    return make_researcher(contract)


@pytest.fixture
def checker(db):
    return disclosure_officer(username="sdc")


def client_for(user) -> Client:
    return sign_in_verified(Client(), user)


def table_form(content=SMALL_CELL_TABLE, name="table.csv", **extra):
    return {
        "title": "Claims by region",
        "description": "Claimants by region, 2025",
        "publication": "Final report",
        "file": SimpleUploadedFile(name, content),
        **extra,
    }


# --- invitations -------------------------------------------------------------------------


def test_the_manager_invites_a_researcher_who_sets_a_password(contract, manager):
    response = client_for(manager).post(
        reverse("outputs:invite", args=[contract.pk]),
        {"first_name": "Ada", "last_name": "Okafor", "email": "Ada.Okafor@uni.example.ac.uk"},
    )
    assert response.status_code == 302
    researcher = Researcher.objects.get(contract=contract)
    user = researcher.user
    assert user.is_external and user.email == "ada.okafor@uni.example.ac.uk" and not user.has_usable_password()
    assert researcher.invited_by == manager
    message = Notification.objects.get(recipient=user)
    link = re.search(r"(/outputs/welcome/\S+/)", message.body).group(1)
    anonymous = Client()
    page = anonymous.get(link, follow=True)
    assert page.status_code == 200 and b"Choose your password" in page.content
    done = anonymous.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-phrase-2026", "new_password2": "a-long-pass-phrase-2026"},
    )
    assert done.status_code == 302 and done.url == reverse("two_factor:login")
    user.refresh_from_db()
    assert user.check_password("a-long-pass-phrase-2026")
    assert anonymous.get(link).status_code == 200  # used: the page now says the link no longer works
    assert b"no longer works" in anonymous.get(link, follow=True).content


def test_an_invitation_reports_every_problem_and_refuses_a_known_address(contract, manager):
    UserFactory(email="taken@uni.example.ac.uk")
    response = client_for(manager).post(
        reverse("outputs:invite", args=[contract.pk]),
        {"first_name": "", "last_name": "", "email": "taken@uni.example.ac.uk"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"first_name", "last_name", "email"}
    assert not Researcher.objects.exists()


def test_only_the_contracts_manager_invites(contract):
    another = contract_manager(username="cm2")
    response = client_for(another).get(reverse("outputs:invite", args=[contract.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        researcher_service.invite_researcher(contract, by=another, first_name="A", last_name="B", email="a@b.example")


# --- what a researcher may open ----------------------------------------------------------


def test_a_researcher_sees_only_their_outputs_and_terms(researcher):
    client = client_for(researcher.user)
    assert client.get(reverse("home")).url == reverse("outputs:mine")
    assert client.get(reverse("outputs:mine")).status_code == 200
    terms = client.get(reverse("outputs:terms"))
    assert terms.status_code == 200 and researcher.contract.reference.encode() in terms.content
    for name in ("contracts:list", "access:mine", "incidents:list", "search:results", "assets:list"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("contracts:detail", args=[researcher.contract_id])).status_code == 403
    page = client.get(reverse("outputs:mine")).content.decode()
    assert "Report an incident" not in page and 'action="/search/' not in page
    assert reverse("contracts:list") not in page


def test_an_unverified_researcher_is_sent_to_sign_in(researcher):
    client = Client()
    client.force_login(researcher.user)
    response = client.get(reverse("outputs:mine"))
    assert response.status_code == 302 and reverse("two_factor:login") in response.url


def test_another_contracts_researcher_is_refused(researcher):
    other = make_researcher(make_contract(reference="RES-OUT-2"), first_name="Ben", last_name="Ng")
    output = submit_output(researcher)
    client = client_for(other.user)
    assert client.get(reverse("outputs:detail", args=[output.pk])).status_code == 403
    assert client.get(reverse("outputs:download", args=[output.pk])).status_code == 403
    assert output not in client.get(reverse("outputs:mine")).context["outputs"]


# --- submitting ---------------------------------------------------------------------------


def test_a_table_with_a_small_cell_is_stored_with_its_digest_and_findings(researcher):
    response = client_for(researcher.user).post(reverse("outputs:submit-table"), table_form())
    assert response.status_code == 302
    output = OutputSubmission.objects.get()
    version = output.versions.get()
    assert output.state == OutputSubmission.State.SUBMITTED and output.contract == researcher.contract
    assert version.sha256 == hashlib.sha256(SMALL_CELL_TABLE).hexdigest()
    assert version.findings, "the small cell is flagged"
    assert default_storage.open(version.file.name).read() == SMALL_CELL_TABLE


def test_a_model_with_six_residual_degrees_of_freedom_is_flagged(researcher):
    data = table_form(MODEL, "model.csv", residual_df="6", observations="9")
    response = client_for(researcher.user).post(reverse("outputs:submit-model"), data)
    assert response.status_code == 302
    version = OutputVersion.objects.get()
    assert version.residual_df == 6 and version.observations == 9
    assert version.findings


def test_every_problem_is_reported_at_once_and_nothing_is_saved(researcher):
    bad = b"region,count\nNorth,many\nSouth,several\n"
    response = client_for(researcher.user).post(reverse("outputs:submit-table"), table_form(bad, title=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "title" in errors and len(errors["file"]) >= 2
    assert not OutputSubmission.objects.exists()
    assert not default_storage.exists("outputs") or not default_storage.listdir("outputs")[1]


def test_a_file_that_is_not_a_spreadsheet_is_refused(researcher):
    response = client_for(researcher.user).post(reverse("outputs:submit-table"), table_form(b"%PDF-1.4\n", "table.pdf"))
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not OutputSubmission.objects.exists()


def test_a_new_table_is_differenced_against_the_contracts_cleared_tables(researcher, checker, monkeypatch):
    first = submit_output(researcher, content=SAFE_TABLE)
    submissions.decide(first, by=checker, outcome="cleared", reason="Safe counts")
    seen = []
    real = submissions.check_table

    def spy(table, *, earlier=(), **kwargs):
        seen.append(list(earlier))
        return real(table, earlier=earlier, **kwargs)

    monkeypatch.setattr(submissions, "check_table", spy)
    submit_output(researcher, content=b"region,count\nNorth,119\nSouth,40\n", title="Claims excluding one")
    assert len(seen[-1]) == 1 and seen[-1][0].to_dict() == first.versions.get().parsed


# --- checking ------------------------------------------------------------------------------


def test_changes_requested_resubmitted_cleared_and_downloaded(researcher, checker):
    output = submit_output(researcher, content=SMALL_CELL_TABLE)
    sdc = client_for(checker)
    queue = sdc.get(reverse("outputs:queue"))
    assert output in queue.context["outputs"]
    page = sdc.get(reverse("outputs:decide", args=[output.pk]))
    assert page.status_code == 200 and b"South" in page.content  # the cell is named
    response = sdc.post(
        reverse("outputs:decide", args=[output.pk]), {"outcome": "changes_requested", "reason": "Suppress South"}
    )
    assert response.status_code == 302
    output.refresh_from_db()
    assert output.state == OutputSubmission.State.CHANGES_REQUESTED
    told = Notification.objects.get(recipient=researcher.user, dedupe_key__startswith="output-decided:")
    assert "Suppress South" in told.body and "South" in told.body

    client = client_for(researcher.user)
    assert client.get(reverse("outputs:download", args=[output.pk])).status_code == 403  # not cleared yet
    response = client.post(
        reverse("outputs:resubmit", args=[output.pk]), {"file": SimpleUploadedFile("table.csv", SAFE_TABLE)}
    )
    assert response.status_code == 302
    output.refresh_from_db()
    assert output.state == OutputSubmission.State.RESUBMITTED and output.versions.count() == 2

    sdc.post(reverse("outputs:decide", args=[output.pk]), {"outcome": "cleared", "reason": "Counts are safe now"})
    output.refresh_from_db()
    assert output.state == OutputSubmission.State.CLEARED
    download = client.get(reverse("outputs:download", args=[output.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body == SAFE_TABLE
    assert hashlib.sha256(body).hexdigest() == output.versions.get(number=2).sha256
    kinds = set(AccessEvent.objects.filter(object_pk=str(output.pk)).values_list("kind", flat=True))
    assert {"output-cleared", "download"} <= kinds
    detail = client.get(reverse("outputs:detail", args=[output.pk]))
    assert output.versions.get(number=2).sha256.encode() in detail.content
    contract_page = client_for(researcher.contract.manager).get(researcher.contract.get_absolute_url())
    assert b"Claims by region" in contract_page.content and b"Cleared" in contract_page.content


def test_every_decision_needs_a_reason(researcher, checker):
    output = submit_output(researcher)
    response = client_for(checker).post(reverse("outputs:decide", args=[output.pk]), {"outcome": "", "reason": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"outcome", "reason"}
    assert not OutputDecision.objects.exists()


def test_the_checker_never_decides_on_what_they_submitted(researcher, checker):
    output = submit_output(researcher)
    OutputSubmission.objects.filter(pk=output.pk).update(submitted_by=checker)  # a test's shortcut
    output.refresh_from_db()
    with pytest.raises(PermissionDenied):
        submissions.decide(output, by=checker, outcome="cleared", reason="Fine")
    assert client_for(checker).get(reverse("outputs:decide", args=[output.pk])).status_code == 403


def test_only_disclosure_control_decides(researcher, manager):
    output = submit_output(researcher)
    assert client_for(manager).get(reverse("outputs:decide", args=[output.pk])).status_code == 403
    assert client_for(researcher.user).get(reverse("outputs:decide", args=[output.pk])).status_code == 403
    assert client_for(researcher.user).get(reverse("outputs:queue")).status_code == 403


def test_the_queue_runs_a_constant_number_of_queries(researcher, checker, django_assert_max_num_queries):
    client = client_for(checker)
    submit_output(researcher)
    client.get(reverse("outputs:queue"))  # warm the session
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("outputs:queue"))
    for n in range(6):
        submit_output(researcher, title=f"Table {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("outputs:queue")).context["outputs"]) == 7


def test_the_siros_counts(researcher, checker):
    cleared, refused, _waiting = (submit_output(researcher, title=f"T{n}") for n in range(3))
    submissions.decide(cleared, by=checker, outcome="cleared", reason="Safe")
    submissions.decide(refused, by=checker, outcome="refused", reason="Identifies people")
    assert output_counts() == {"cleared": 1, "refused": 1, "pending": 1}


# --- the contract's end --------------------------------------------------------------------


def test_withdrawing_the_contract_ends_its_researchers(researcher, contract, manager):
    transition(contract, ResearchContract.Status.CLOSED, by=manager, reason="The project was cancelled")
    researcher.refresh_from_db()
    researcher.user.refresh_from_db()
    assert researcher.ended_at is not None and not researcher.user.is_active
    assert "closed" in researcher.ended_reason


def test_destruction_deletes_the_output_files_and_marks_them_destroyed(
    researcher, contract, checker, django_capture_on_commit_callbacks
):
    output = submit_output(researcher)
    name = output.versions.get().file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the destruction is committed
        events.contract_status_changed.send(
            sender=ResearchContract,
            contract=contract,
            previous=ResearchContract.Status.RETENTION_ENDED,
            target=ResearchContract.Status.DESTRUCTION_CERTIFIED,
        )
    output.refresh_from_db()
    assert output.state == OutputSubmission.State.DESTROYED and output.destroyed_at is not None
    assert not default_storage.exists(name)
    assert output.versions.get().sha256  # the evidence stays
    assert not User.objects.get(pk=researcher.user_id).is_active
    assert client_for(checker).get(reverse("outputs:download", args=[output.pk])).status_code == 403


def test_the_daily_task_ends_researchers_of_ended_contracts_once(researcher, contract):
    later = timezone.localdate() + (contract.end_date - timezone.localdate()) + datetime.timedelta(days=1)
    assert researcher_service.end_researchers_past_end(today=timezone.localdate()) == 0
    assert researcher_service.end_researchers_past_end(today=later) == 1
    assert researcher_service.end_researchers_past_end(today=later) == 0
    researcher.refresh_from_db()
    assert researcher.ended_at is not None


def test_the_siros_report_counts_outputs(researcher, checker):
    from governance.assurance.report import build_report
    from governance.assurance.returns import open_round

    cleared = submit_output(researcher, title="Cleared one")
    submissions.decide(cleared, by=checker, outcome="cleared", reason="Safe")
    submit_output(researcher, title="Waiting one")
    from governance.core.audit import system_user
    from governance.core.models import OfficeHolder
    from governance.register.organisation import appoint_office_holder

    siro = UserFactory(username="siro-out")
    appoint_office_holder(OfficeHolder.Office.SIRO, siro, by=system_user())
    today = timezone.localdate()
    round_ = open_round(
        by=siro,
        period="This year",
        period_start=today - datetime.timedelta(days=365),
        period_end=today,
        due_date=today + datetime.timedelta(days=30),
    )
    report = build_report(round_)
    assert report.outputs == {"cleared": 1, "refused": 0, "pending": 1}
    assert report.as_json()["outputs"] == report.outputs


def test_checkers_have_the_queue_on_their_home_page(researcher, checker):
    submit_output(researcher)
    page = client_for(checker).get(reverse("home")).content.decode()
    assert "Check 1 research output" in page and reverse("outputs:queue") in page


def _workbook(rows: list[list]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_table_can_be_a_workbook(researcher):
    content = _workbook([["region", "count"], ["North", 120], ["South", 40]])
    response = client_for(researcher.user).post(reverse("outputs:submit-table"), table_form(content, "table.xlsx"))
    assert response.status_code == 302
    version = OutputVersion.objects.get()
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    assert version.content_type.endswith("spreadsheetml.sheet")


def test_a_workbook_bomb_is_refused_before_any_row_is_read(researcher, monkeypatch):
    import openpyxl

    from governance.disclosure import workbooks
    from governance.seeding.workbook_bombs import claimed_range_bomb

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened for parsing before its bounds were checked")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(workbooks.openpyxl, "load_workbook", refuse)
    bomb = claimed_range_bomb(["region", "count"])
    response = client_for(researcher.user).post(reverse("outputs:submit-table"), table_form(bomb, "bomb.xlsx"))
    assert response.status_code == 200
    assert "declares 16,384 columns" in " ".join(response.context["form"].errors["file"])
    assert not OutputSubmission.objects.exists()


def test_the_scheduled_task_ends_researchers_past_their_contracts_end(researcher, contract):
    import time_machine

    from governance.outputs.tasks import end_researchers

    assert end_researchers() == 0
    with time_machine.travel(contract.end_date + datetime.timedelta(days=2)):
        assert end_researchers() == 1
        assert end_researchers() == 0
    assert not User.objects.get(pk=researcher.user_id).is_active


def test_a_decision_cannot_be_changed_or_deleted_on_postgresql(researcher, checker):
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the audit guard is a PostgreSQL trigger")
    decision = submissions.decide(submit_output(researcher), by=checker, outcome="refused", reason="Identifies people")
    for change in (lambda: decision.delete(), lambda: OutputDecision.objects.filter(pk=decision.pk).update(reason="x")):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()


def test_the_manager_ends_a_researchers_account_with_a_reason(researcher, manager):
    url = reverse("outputs:researcher-end", args=[researcher.pk])
    client = client_for(manager)
    assert client.post(url, {"reason": ""}).context["form"].errors["reason"]
    response = client.post(url, {"reason": "Left the project"})
    assert response.status_code == 302
    researcher.refresh_from_db()
    assert researcher.ended_reason == "Left the project" and not User.objects.get(pk=researcher.user_id).is_active
    assert client.get(url).status_code == 403  # ended already
    assert client_for(contract_manager(username="cm3")).get(url).status_code == 403
