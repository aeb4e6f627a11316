"""The assurance pages: refusals for every role, signing through the form, decisions, report and CSV."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from governance.assurance import returns
from governance.assurance.models import AssuranceReturn, AssuranceRound
from tests.assurance.conftest import ANSWERS
from tests.conftest import advance_clock, fresh_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_form(user, **overrides):
    data = {k: str(v) for k, v in ANSWERS.items()}
    data["otp_token"] = fresh_code(TOTPDevice.objects.get(user=user))
    data.update(overrides)
    return data


def signed(ret, iam):
    return returns.sign_return(ret, by=iam, code=fresh_code(TOTPDevice.objects.get(user=iam)), **ANSWERS)


def test_anonymous_and_unverified_are_sent_to_sign_in(client, unverified_client, staff, my_return):
    url = my_return.get_absolute_url()
    assert client.get(url).status_code == 302
    assert unverified_client(staff).get(url).status_code == 302


def test_an_iam_sees_only_their_returns(verified_client, iam, my_return, other_return):
    client = verified_client(iam)
    assert client.get(my_return.get_absolute_url()).status_code == 200
    assert client.get(other_return.get_absolute_url()).status_code == 403
    assert client.get(reverse("assurance:return-sign", args=[other_return.pk])).status_code == 403
    mine = client.get(reverse("assurance:mine")).content.decode()
    assert my_return.get_absolute_url() in mine and other_return.get_absolute_url() not in mine


def test_a_deputy_siro_sees_only_their_areas_returns(verified_client, deputy_siro, round_, my_return, other_return):
    client = verified_client(deputy_siro)
    assert client.get(my_return.get_absolute_url()).status_code == 200
    assert client.get(other_return.get_absolute_url()).status_code == 403
    page = client.get(round_.get_absolute_url()).content.decode()
    assert my_return.get_absolute_url() in page and other_return.get_absolute_url() not in page
    assert client.get(reverse("assurance:report", args=[round_.pk])).status_code == 403


def test_staff_cannot_see_rounds_or_open_one(verified_client, staff, iam, round_):
    for user in (staff, iam):
        client = verified_client(user)
        assert client.get(reverse("assurance:rounds")).status_code == 403
        assert client.post(reverse("assurance:round-open"), {"period": "x"}).status_code == 403
    assert AssuranceRound.objects.count() == 1


def test_the_siro_opens_a_round_through_the_form(verified_client, siro, asset, django_capture_on_commit_callbacks):
    client = verified_client(siro)
    bad = client.post(reverse("assurance:round-open"), {"period": ""})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.content.decode()
    today = datetime.date.today()
    data = {"period": "The year to date"}
    dates = {
        "period_start": today - datetime.timedelta(days=365),
        "period_end": today,
        "due_date": today + datetime.timedelta(days=30),
    }
    for name, day in dates.items():
        data.update({f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assurance:round-open"), data)
    round_ = AssuranceRound.objects.get()
    assert response.status_code == 302 and round_.state == "open" and round_.returns.count() == 1


def test_the_iam_signs_through_the_form_and_a_wrong_code_loses_nothing(verified_client, iam, my_return):
    client = verified_client(iam)
    url = reverse("assurance:return-sign", args=[my_return.pk])
    wrong = client.post(url, sign_form(iam, otp_token="000000", comments="Kept after the error"))
    page = wrong.content.decode()
    assert wrong.status_code == 200 and "govuk-error-summary" in page and "Kept after the error" in page
    advance_clock(1.1)  # django-otp throttles the device for a second after a wrong code
    assert client.post(url, sign_form(iam)).status_code == 302
    my_return.refresh_from_db()
    assert my_return.state == "signed" and my_return.digest
    # Signed: the form is refused for everyone, its owner included.
    assert client.get(url).status_code == 403
    assert client.post(url, sign_form(iam, comments="rewritten")).status_code == 403


def test_another_iam_cannot_accept_and_the_deputy_can(verified_client, iam, other_iam, deputy_siro, my_return):
    ret = signed(my_return, iam)
    accept = reverse("assurance:return-accept", args=[ret.pk])
    assert verified_client(iam).post(accept).status_code == 403
    assert verified_client(other_iam).post(accept).status_code == 403
    assert verified_client(deputy_siro).post(accept).status_code == 302
    assert AssuranceReturn.objects.get(pk=ret.pk).state == "accepted"


def test_the_deputy_sends_back_with_a_reason(verified_client, iam, deputy_siro, other_deputy_siro, my_return):
    ret = signed(my_return, iam)
    url = reverse("assurance:return-send-back", args=[ret.pk])
    assert verified_client(other_deputy_siro).post(url, {"reason": "x"}).status_code == 403
    client = verified_client(deputy_siro)
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 200 and "Say why the return is sent back" in empty.content.decode()
    assert client.post(url, {"reason": "Grants out of date"}).status_code == 302
    assert AssuranceReturn.objects.get(pk=ret.pk).state == "sent_back"


def test_the_siro_report_and_csv_show_the_round(verified_client, siro, auditor, iam, deputy_siro, round_, my_return):
    returns.accept_return(signed(my_return, iam), by=deputy_siro)
    for user in (siro, auditor):
        page = verified_client(user).get(reverse("assurance:report", args=[round_.pk])).content.decode()
        assert "Data as Statistics" in page and "Working Age Benefits" in page
    csv_text = verified_client(siro).get(reverse("assurance:report-csv", args=[round_.pk])).content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("business area,returns signed,returns accepted,returns sent back,returns missing")
    assert "Data as Statistics,1,1,0,0," in csv_text and "All areas,1,1,0,1," in csv_text


@pytest.mark.parametrize("n", [2, 12])
def test_round_page_queries_do_not_grow(n, verified_client, siro, area, round_, django_assert_max_num_queries):
    for _ in range(n):
        AssuranceReturn.objects.create(round=round_, iam=UserFactory(), business_area=area, facts={})
    client = verified_client(siro)
    with django_assert_max_num_queries(14):
        assert client.get(round_.get_absolute_url()).status_code == 200


def test_the_pdf_report_reads_back_like_the_page(verified_client, siro, deputy_siro, iam, round_, my_return):
    returns.accept_return(signed(my_return, iam), by=deputy_siro)
    response = verified_client(siro).get(reverse("assurance:report-pdf", args=[round_.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "The SIRO's report" in text and round_.period in text
    assert "Data as Statistics" in text and "Working Age Benefits" in text and "All areas" in text
    assert verified_client(deputy_siro).get(reverse("assurance:report-pdf", args=[round_.pk])).status_code == 403


def test_a_return_whose_content_no_longer_matches_is_not_accepted(verified_client, iam, deputy_siro, my_return):
    ret = signed(my_return, iam)
    # Tampering behind the model's back (raw SQL, as an attacker with database access would).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE governance_assurancereturn SET comments = %s WHERE id = %s", ["forged", ret.pk])
    response = verified_client(deputy_siro).post(reverse("assurance:return-accept", args=[ret.pk]), follow=True)
    assert "no longer matches its signature" in response.content.decode()
    assert AssuranceReturn.objects.get(pk=ret.pk).state == "signed"


#: The loop ``return_rows`` replaced in ``assurance/_returns_table.html``, to check it writes the same rows.
RETURN_ROWS_LOOP = """{% for ret in returns %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell"><a class="govuk-link" href="{{ ret.get_absolute_url }}">{% if show_round %}{{ ret.round.period }}{% else %}{{ ret.iam.display_name }}{% endif %}</a></td>
      <td class="govuk-table__cell">{{ ret.business_area|default:"None" }}</td>
      <td class="govuk-table__cell">{{ ret.version }}</td>
      <td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--{% if ret.state == 'accepted' %}green{% elif ret.state == 'sent_back' %}red{% elif ret.state == 'signed' %}blue{% else %}grey{% endif %}">{{ ret.get_state_display }}</strong></td>
    </tr>
  {% empty %}
    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="4">No returns.</td></tr>
  {% endfor %}"""  # noqa: E501 - the template's lines as they were


@pytest.mark.parametrize("show_round", [False, True])
def test_the_return_rows_tag_writes_what_the_template_loop_wrote(iam, my_return, other_return, show_round):
    from django.template import Context, Template

    other_return.business_area = None  # shown as "None"
    signed(my_return, iam)
    my_return.refresh_from_db()
    my_return.iam.first_name = "<Ann & Bob>"  # escaped alike
    for rows in ([my_return, other_return], []):
        context = {"returns": rows, **({"show_round": True} if show_round else {})}
        loop = Template(RETURN_ROWS_LOOP).render(Context(context))
        tag = Template("{% load assurance_tags %}{% return_rows returns show_round %}").render(Context(context))
        assert tag == loop


#: The access table's row ``report_access_row`` replaced in ``assurance/_report_tables.html``.
ACCESS_ROW_CELLS = """<th scope="row" class="govuk-table__header">{{ row.area }}</th>
    <td class="govuk-table__cell govuk-table__cell--numeric">{% if row.training is None %}Not measured{% else %}<a class="govuk-link" href="{{ training_url }}">{{ row.training }}%<span class="govuk-visually-hidden"> training compliance in {{ row.area }}</span></a>{% endif %}</td>
    {% report_figures row "access" %}
    <td class="govuk-table__cell">{% if row.change.contracts_past_destruction is not None or row.change.training is not None %}Training {{ row.change.training|signed_change|default:"not compared" }}{% if row.change.training %} points{% endif %}; recertification {{ row.change.grants_past_recertification|signed_change|default:"not compared" }}; contracts {{ row.change.contracts_past_destruction|signed_change|default:"not compared" }}{% else %}No earlier figures{% endif %}</td>"""  # noqa: E501 - the template's lines as they were


def test_the_access_row_tag_writes_what_the_template_wrote(round_):
    from django.template import Context, Template

    from governance.assurance.report import CHANGED, AreaRow

    rows = [
        AreaRow("A & B", 1, training=None, change=dict.fromkeys(CHANGED)),
        AreaRow("C <D>", 2, training=87, grants_past_end=3, change={**dict.fromkeys(CHANGED, 0), "training": 4}),
        AreaRow(
            "E",
            3,
            training=0,
            contracts_past_destruction=2,
            change={**dict.fromkeys(CHANGED, 1), "training": None, "grants_past_recertification": -2},
        ),
        AreaRow("All areas", training=55, change={**dict.fromkeys(CHANGED), "contracts_past_destruction": 0}),
    ]
    for row in rows:
        context = {"row": row, "round": round_, "training_url": "/training/compliance/?a=1&b=2"}
        loop = Template("{% load assurance_tags %}" + ACCESS_ROW_CELLS).render(Context(context))
        tag = Template("{% load assurance_tags %}{% report_access_row row training_url %}").render(Context(context))
        assert tag == loop


def test_a_round_that_does_not_exist_is_not_found_on_any_of_its_pages(verified_client, siro, auditor, staff, round_):
    """The round's pages read it by one compiled statement, the report's with the round before and the
    snapshot: a round that is not there answers 404 on each, as a missing record does, whoever asks; a
    round that is there still refuses who may not see it."""
    missing = round_.pk + 1000
    for name in ("assurance:round", "assurance:report", "assurance:report-csv"):
        for user in (siro, auditor, staff):
            assert verified_client(user).get(reverse(name, args=[missing])).status_code == 404, (name, user)
    assert verified_client(staff).get(reverse("assurance:report", args=[round_.pk])).status_code == 403
    assert verified_client(auditor).get(reverse("assurance:report", args=[round_.pk])).status_code == 200
