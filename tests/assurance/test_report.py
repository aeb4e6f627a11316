"""The SIRO's report for the annual governance statement: every area of the assets, figures counted in SQL and
checked against independent counts, a constant number of queries, signing with a fresh security key bound
to the round, the signed version locked by its digest, and the PDF with marking, narrative and approval."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from governance.access.models import AccessGrant, AccessReview, ReviewCampaign
from governance.assurance import report, report_approval, returns
from governance.assurance.forms import SignReportForm
from governance.assurance.models import AssuranceReturn, AssuranceRound, SiroReportApproval
from governance.assurance.report import build_report, report_csv
from governance.assurance.risks import record_risk, risks_behind
from governance.contracts.models import ContractAsset, ResearchContract
from governance.core.models import BusinessArea, User
from governance.core.security import KEY_FIELD
from governance.incidents.models import Incident
from governance.incidents.queries import narrowed as incidents_narrowed
from governance.register.models import InformationAsset
from governance.trends.snapshots import take_snapshot
from tests.assurance.conftest import ANSWERS, open_round
from tests.conftest import fresh_code
from tests.core.key_answers import answer_to, page_request
from tests.core.test_security_keys import make_key
from tests.factories import (
    BusinessAreaFactory,
    ResearchContractFactory,
    UserFactory,
    make_asset,
    make_grant,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def sign(ret: AssuranceReturn) -> AssuranceReturn:
    return returns.sign_return(ret, by=ret.iam, code=fresh_code(TOTPDevice.objects.get(user=ret.iam)), **ANSWERS)


@pytest.fixture
def third_area(db):
    return BusinessAreaFactory(name="Child Maintenance", code="cmg")


@pytest.fixture
def iam_in_two_areas(iam, asset, other_area):
    """The IAM of ``asset`` also manages an asset in the other area."""
    make_asset(manager=iam, business_area=other_area, name="Carers allowance")
    return iam


def row_of(report, area):
    return next(r for r in report.rows if r.area_id == area.pk)


def test_every_area_counts_the_returns_of_its_assets_iams(
    round_, iam_in_two_areas, other_iam, area, other_area, third_area, siro
):
    # The round was opened before the third area existed: it still has its row, with nothing in it.
    sign(AssuranceReturn.objects.get(round=round_, iam=iam_in_two_areas))
    report = build_report(round_)
    assert [r.area for r in report.rows] == ["Child Maintenance", "Data as Statistics", "Working Age Benefits"]
    mine, other, empty = row_of(report, area), row_of(report, other_area), row_of(report, third_area)
    # The IAM's return counts in both areas of their assets, not only the area of their first asset.
    assert (mine.returns_signed, mine.returns_missing) == (1, 0)
    assert (other.returns_signed, other.returns_missing) == (1, 1)
    assert (empty.returns_signed, empty.returns_missing, empty.outstanding) == (0, 0, [])
    assert [(o["iam"], o["state"]) for o in other.outstanding] == [(other_iam.display_name, "missing")]
    # Counted once in the whole round.
    assert (report.total.returns_signed, report.total.returns_missing) == (1, 1)


def test_each_figure_equals_an_independent_count_on_a_world_built_for_it(round_, siro, iam, asset, other_asset, area):
    now = timezone.now()
    # Incidents in the period: one reported to the ICO in time, one still undecided past 72 hours.
    for aware, decision in ((now - datetime.timedelta(days=10), "report"), (now - datetime.timedelta(days=4), "")):
        Incident.objects.create(
            title="Sent to the wrong team",
            description="An extract went to the wrong team.",
            kind="wrong_recipient",
            reported_by=siro,
            found_at=aware,
            reported_at=aware,
            aware_at=aware,
            business_area=area,
            ico_decision=decision,
            ico_decided_at=aware + datetime.timedelta(hours=20) if decision else None,
            ico_decided_by=siro if decision else None,
        )
    # One contract past destruction drawing on two assets in two areas: once in each, once in all.
    contract = ResearchContractFactory(
        status=ResearchContract.Status.RETENTION_ENDED,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=100),
        retention_end_date=TODAY - datetime.timedelta(days=50),
        destruction_due_date=TODAY - datetime.timedelta(days=20),
    )
    ContractAsset.objects.create(contract=contract, asset=asset)
    ContractAsset.objects.create(contract=contract, asset=other_asset)
    # Grants: one past its end, one past a recertification deadline without a decision, one fine.
    past_end, unconfirmed, _fine = (make_grant(UserFactory(business_area=area), asset) for _ in range(3))
    AccessGrant.objects.filter(pk=past_end.pk).update(
        starts_on=TODAY - datetime.timedelta(days=100), ends_on=TODAY - datetime.timedelta(days=1)
    )
    campaign = ReviewCampaign.objects.create(
        period_start=TODAY - datetime.timedelta(days=60), deadline=TODAY - datetime.timedelta(days=5)
    )
    AccessReview.objects.create(campaign=campaign, grant=unconfirmed)
    # Risks: high and open, low and open, medium and tolerated with its review overdue.
    for likelihood, impact, status, review in ((5, 4, "open", 30), (1, 2, "open", 30), (3, 3, "tolerated", -1)):
        record_risk(
            asset,
            by=iam,
            description=f"Risk {likelihood}x{impact}",
            likelihood=likelihood,
            impact=impact,
            owner=iam,
            treatment="Reviewed",
            target_date=TODAY + datetime.timedelta(days=30),
            review_date=TODAY + datetime.timedelta(days=review),
            status=status,
        )
    snapshot, _ = take_snapshot()

    report = build_report(round_)
    row = row_of(report, area)
    in_period = Incident.objects.filter(business_area=area, aware_at__date__gte=round_.period_start)
    assert row.incidents == in_period.count() == 2
    assert row.ico_reports == in_period.filter(ico_decision="report").count() == 1
    assert row.deadlines_missed == in_period.filter(ico_decision="", ico_deadline__lte=now).count() == 1
    assert row.contracts_past_destruction == 1 and report.total.contracts_past_destruction == 1
    assert row.grants_past_end == AccessGrant.objects.filter(state="active", ends_on__lt=TODAY).count() == 1
    assert row.grants_past_recertification == 1
    assert (row.risks_high, row.risks_medium, row.risks_low, row.risks_tolerated) == (1, 0, 1, 1)
    assert row.risk_reviews_overdue == 1
    # Each figure's link lists exactly the records behind it.
    for figure, value in (("high", 1), ("medium", 0), ("low", 1), ("tolerated", 1), ("review_overdue", 1)):
        assert risks_behind(figure, area_id=area.pk).count() == value, figure
    assert (
        incidents_narrowed(
            Incident.objects.all(), area_id=area.pk, start=round_.period_start, end=round_.period_end, ico="missed"
        ).count()
        == row.deadlines_missed
    )
    assert row.training == snapshot.figures["areas"][str(area.pk)]["training"]
    assert report.total.incidents == 2 and report.total.risks_high == 1


def test_every_number_links_to_exactly_its_records(verified_client, siro, round_, iam, other_iam, area, my_return):
    sign(my_return)
    client = verified_client(siro)
    page = client.get(reverse("assurance:report", args=[round_.pk])).content.decode()
    signed_link = reverse("assurance:round", args=[round_.pk]) + f"?state=signed&amp;business_area={area.pk}"
    assert signed_link in page
    listed = client.get(signed_link.replace("&amp;", "&")).content.decode()
    assert my_return.get_absolute_url() in listed
    other = AssuranceReturn.objects.get(round=round_, iam=other_iam)
    assert other.get_absolute_url() not in listed
    # The IAMs whose returns are missing are named, with the due date, and link to their returns.
    assert other_iam.display_name in page and other.get_absolute_url() in page
    assert round_.due_date.strftime("%B %Y") in page


def _more_iams(round_, area, n):
    start = AssuranceReturn.objects.count()
    for i in range(start, start + n):
        iam = UserFactory(business_area=area, first_name="Ira", last_name=f"Manager {i}")
        make_asset(manager=iam, business_area=area, name=f"Sized asset {round_.pk}-{i}")
        AssuranceReturn.objects.create(round=round_, iam=iam, business_area=area, facts={"summary": {"assets": 1}})


def test_the_report_and_csv_take_the_same_number_of_queries_at_two_sizes(verified_client, siro, round_, area):
    client = verified_client(siro)
    client.get(reverse("assurance:report", args=[round_.pk]))  # the session's first request does more
    counts = []
    for n in (1, 10):
        _more_iams(round_, area, n)
        measured = []
        for name in ("assurance:report", "assurance:report-csv"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse(name, args=[round_.pk])).status_code == 200
            measured.append(len(queries))
        counts.append(measured)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("figure", ["", "high"])
def test_the_risk_list_takes_the_same_number_of_queries_at_two_sizes(figure, verified_client, auditor, iam, asset):
    client = verified_client(auditor)
    url = reverse("assurance:risks") + (f"?figure={figure}&business_area={asset.business_area_id}" if figure else "")
    client.get(url)  # the session's first request reads and writes what later ones do not
    counts = []
    for n in (1, 8):
        for i in range(n):
            record_risk(
                asset,
                by=iam,
                description=f"Risk {n}-{i}",
                likelihood=5,
                impact=4,
                owner=UserFactory(),
                treatment="Watched",
                target_date=TODAY,
                review_date=TODAY + datetime.timedelta(days=5),
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200 and f"Risk {n}-0" in page.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


class _Written(Exception):
    """Stops a statement once it is written: the test reads its SQL, not its rows."""


@pytest.mark.parametrize(
    ("model", "field", "elsewhere"),
    [
        (InformationAsset, "manager", "iam_elsewhere_id"),
        (InformationAsset, "business_area", "area_elsewhere_id"),
        (AssuranceReturn, "round", "round_elsewhere_id"),
        (AssuranceReturn, "iam", "iam_elsewhere_id"),
        (User, "last_name", "surname_elsewhere"),
        (BusinessArea, "name", "area_name_elsewhere"),
    ],
)
def test_the_returns_statement_names_each_column_as_the_models_do(monkeypatch, round_, model, field, elsewhere):
    # The returns by area are one hand-written statement: a field given another column (a rename, a
    # db_column) must be followed there as the ORM's own queries follow it, not break the report.
    # The column is changed only while the statement is written: the model is shared by every test this
    # process runs, and fixtures torn down after the test (the database's rollback) must see it as it is.
    written: list[str] = []

    def stop(execute, sql, params, many, context):
        written.append(sql)
        raise _Written

    with monkeypatch.context() as patched, connection.execute_wrapper(stop), pytest.raises(_Written):
        patched.setattr(model._meta.get_field(field), "column", elsewhere)
        report._returns(round_, areas=True)
    assert model._meta.get_field(field).column != elsewhere
    assert connection.ops.quote_name(elsewhere) in written[0]


def test_the_csv_names_every_area_and_the_outstanding_iams(round_, iam, other_iam, my_return, area):
    sign(my_return)
    text = report_csv(round_)
    lines = text.strip().splitlines()
    assert lines[0].startswith("business area,returns signed,returns accepted,returns sent back,returns missing")
    assert lines[1].startswith("Data as Statistics,1,0,0,0,")
    assert lines[2].startswith(f"Working Age Benefits,0,0,0,1,{other_iam.display_name} (not signed)")
    assert lines[-1].startswith("All areas,1,0,0,1,")


def test_the_change_since_the_last_round_compares_the_returns(siro, iam, asset, other_asset, area):
    earlier = AssuranceRound.objects.create(
        period="Last year",
        period_start=TODAY - datetime.timedelta(days=730),
        period_end=TODAY - datetime.timedelta(days=366),
        due_date=TODAY - datetime.timedelta(days=300),
        opened_by=siro,
        state="closed",
    )
    AssuranceReturn.objects.create(round=earlier, iam=iam, business_area=area, facts={})  # never signed
    current = open_round(siro)
    returns.prepare_round(current.pk)
    sign(AssuranceReturn.objects.get(round=current, iam=iam))
    row = row_of(build_report(current), area)
    assert row.change["returns_signed"] == 1 and row.change["returns_missing"] == -1


def test_the_page_s_one_statement_reads_the_round_before_and_the_snapshot_as_the_report_does(
    siro, iam, asset, other_asset, area
):
    """``round_header`` (the report page's round, the round before it and the day's snapshot in one
    statement) gives what ``build_report`` reads apart, and the report built from it is the same."""
    for offset, name in ((1461, "Three years ago"), (730, "Last year")):
        AssuranceRound.objects.create(
            period=name,
            period_start=TODAY - datetime.timedelta(days=offset),
            period_end=TODAY - datetime.timedelta(days=offset - 364),
            due_date=TODAY - datetime.timedelta(days=offset - 400),
            opened_by=siro,
            state="closed",
        )
    current = open_round(siro)
    assert report.round_header(current.pk + 1000) is None
    alone = report.round_header(current.pk)
    assert alone.round == current and alone.previous.period == "Last year" and alone.snapshot is None
    take_snapshot(TODAY - datetime.timedelta(days=2))
    take_snapshot(TODAY)
    header = report.round_header(current.pk, TODAY)
    assert [getattr(header.round, f.attname) for f in AssuranceRound._meta.concrete_fields] == [
        getattr(current, f.attname) for f in AssuranceRound._meta.concrete_fields
    ]
    previous = report._previous(current)
    assert (header.previous.pk, header.previous.period, header.previous.period_start, header.previous.period_end) == (
        previous.pk,
        previous.period,
        previous.period_start,
        previous.period_end,
    )
    snapshot = report._snapshot(TODAY)
    assert (header.snapshot.taken_on, header.snapshot.figures) == (snapshot.taken_on, snapshot.figures)
    earlier = report.round_header(current.pk, TODAY - datetime.timedelta(days=1)).snapshot
    assert earlier.taken_on == TODAY - datetime.timedelta(days=2)
    assert not header.grants_late and header.approval_id is None
    assert build_report(current, TODAY, header=header).as_json() == build_report(current, TODAY).as_json()
    # The latest signed version is named, for the page to read it.
    versions = [
        SiroReportApproval.objects.create(
            round=current, version=version, narrative="-", marking="M", signed_by=siro, digest="d" * 64
        )
        for version in (1, 2)
    ]
    assert report.round_header(current.pk, TODAY).approval_id == versions[1].pk
    # A grant past a recertification deadline: the page counts the late grants by area again.
    late = ReviewCampaign.objects.create(
        period_start=TODAY - datetime.timedelta(days=60), deadline=TODAY - datetime.timedelta(days=5)
    )
    AccessReview.objects.create(campaign=late, grant=make_grant(UserFactory(business_area=area), asset))
    header = report.round_header(current.pk, TODAY)
    assert header.grants_late
    with_header = build_report(current, TODAY, header=header)
    assert row_of(with_header, area).grants_past_recertification == 1
    assert with_header.as_json() == build_report(current, TODAY).as_json()


# --- signing ------------------------------------------------------------------------------


def key_answer(client, user, url: str) -> str:
    """The key's answer to the challenge the signing page at ``url`` drew into its form."""
    return answer_to(SignReportForm, client, user, url)


def sign_url(round_) -> str:
    return reverse("assurance:report-sign", args=[round_.pk])


def test_only_the_siro_signs_and_only_with_a_fresh_key_for_this_report(
    client, round_, siro, auditor, administrator, deputy_siro, signatures_pass
):
    for user in (auditor, administrator, deputy_siro):
        make_key(user)
        with pytest.raises(PermissionDenied):
            report_approval.sign_report(round_, by=user, narrative="Assured", key_assertion="x")
    # Without a key the SIRO cannot sign (an authenticator code is not offered).
    with pytest.raises(ValidationError) as no_key:
        report_approval.sign_report(
            round_, by=siro, narrative="Assured", request=page_request(client, siro, sign_url(round_))
        )
    assert KEY_FIELD in no_key.value.error_dict
    make_key(siro)
    other_round = AssuranceRound.objects.create(
        period="Another",
        period_start=round_.period_start,
        period_end=round_.period_end,
        due_date=round_.due_date,
        opened_by=siro,
    )
    url = sign_url(round_)
    # A key answer given on another round's signing page does not sign this one.
    answer = key_answer(client, siro, sign_url(other_round))
    with pytest.raises(ValidationError):
        report_approval.sign_report(
            round_, by=siro, narrative="Assured", key_assertion=answer, request=page_request(client, siro, url)
        )
    assert not SiroReportApproval.objects.exists()
    answer = key_answer(client, siro, url)
    approval = report_approval.sign_report(
        round_, by=siro, narrative="Assured", key_assertion=answer, request=page_request(client, siro, url)
    )
    assert (approval.version, approval.signed_by, approval.narrative) == (1, siro, "Assured")
    assert report_approval.verify_digest(approval) and approval.marking == "OFFICIAL-SENSITIVE"
    # The same answer cannot be used twice.
    with pytest.raises(ValidationError):
        report_approval.sign_report(
            round_, by=siro, narrative="Again", key_assertion=answer, request=page_request(client, siro, url)
        )


def signed_report(client, round_, siro, narrative="The controls held this year."):
    make_key(siro)
    url = sign_url(round_)
    answer = key_answer(client, siro, url)
    return report_approval.sign_report(
        round_, by=siro, narrative=narrative, key_assertion=answer, request=page_request(client, siro, url)
    )


def test_a_signed_report_is_locked_by_its_digest(client, verified_client, round_, siro, signatures_pass):
    approval = signed_report(client, round_, siro)
    changed = SiroReportApproval.objects.get(pk=approval.pk)
    changed.narrative = "Rewritten"
    with pytest.raises(ValidationError):
        changed.save()
    with pytest.raises(ValidationError):
        SiroReportApproval.objects.get(pk=approval.pk).delete()
    with connection.cursor() as cursor:  # behind the model's back, as someone with database access could
        cursor.execute("UPDATE governance_siroreportapproval SET narrative = %s WHERE id = %s", ["forged", approval.pk])
    assert not report_approval.verify_digest(SiroReportApproval.objects.get(pk=approval.pk))
    page = verified_client(siro).get(reverse("assurance:report", args=[round_.pk])).content.decode()
    assert "Does not match the signed content" in page


def test_the_siro_signs_through_the_page(verified_client, round_, siro, signatures_pass):
    make_key(siro)
    client = verified_client(siro)
    url = sign_url(round_)
    empty = client.post(url, {"narrative": ""})
    assert (
        empty.status_code == 200 and "Write the narrative for the annual governance statement" in empty.content.decode()
    )
    page = client.get(url).content.decode()
    assert "Confirm with your security key" in page and 'name="otp_token"' not in page
    answer = key_answer(client, siro, url)
    response = client.post(url, {"narrative": "Two areas are behind on training.", KEY_FIELD: answer})
    assert response.status_code == 302
    report = client.get(reverse("assurance:report", args=[round_.pk])).content.decode()
    assert "Two areas are behind on training." in report and "Matches the signed content" in report


def pdf_text(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_pdf_carries_the_marking_narrative_and_approval_and_is_tagged(
    client, verified_client, settings, round_, siro, other_iam, signatures_pass
):
    settings.PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE PERSONAL"
    narrative = "Training compliance fell in one area; a recovery plan is in place."
    approval = signed_report(client, round_, siro, narrative=narrative)
    response = verified_client(siro).get(reverse("assurance:report-pdf", args=[round_.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader, pages = pdf_text(response.content)
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE PERSONAL") >= 2, f"page {number} lacks its marking at head and foot"
        assert f"Page {number} of {len(pages)}" in text
    whole = " ".join(pages)
    assert narrative in whole and siro.display_name in whole and approval.digest in whole
    assert approval.signed_at.astimezone(timezone.get_current_timezone()).strftime("%B %Y") in whole
    assert other_iam.display_name in whole  # the IAMs with returns missing are named
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root and root["/Lang"] == "en-GB"


def test_an_unsigned_pdf_says_it_is_not_approved(verified_client, round_, siro):
    response = verified_client(siro).get(reverse("assurance:report-pdf", args=[round_.pk]))
    _reader, pages = pdf_text(response.content)
    assert "Not approved" in pages[0] and "OFFICIAL-SENSITIVE" in pages[0]
