"""The contract list's and the retention calendar's rows, written by tags, read exactly as the template
loops they replace wrote them: every branch (data out or not, overdue, a manager who has left)
compared byte for byte, and each page's empty state."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from governance.contracts.models import ResearchContract
from governance.core.models import User
from governance.templatetags.contract_tags import calendar_rows, contract_list_rows
from tests.factories import make_contract

LIST_LOOP = """{% load portal_tags contract_tags %}{% for contract in contracts %}
        <tr class="govuk-table__row">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ contract.get_absolute_url }}">{{ contract.reference }}</a><br><span class="govuk-body-s">{{ contract.title }}<br>{{ contract.asset_count|plural:"asset" }} provided</span></td>
          <td class="govuk-table__cell">{{ contract.organisation.name }}</td>
          <td class="govuk-table__cell">{{ contract.manager.display_name }}{% if not contract.manager.is_active %}<br><strong class="govuk-tag govuk-tag--red">Has left</strong>{% endif %}</td>
          <td class="govuk-table__cell">{% contract_status_tag contract %}</td>
          <td class="govuk-table__cell">{{ contract.retention_end_date|date:"j M Y" }}{% if contract.status == "data_released" %}<br>{% due_tag contract.retention_end_date today %}{% endif %}</td>
          <td class="govuk-table__cell">{{ contract.destruction_due_date|date:"j M Y" }}{% if contract.holds_data %}<br>{% due_tag contract.destruction_due_date today %}{% endif %}</td>
        </tr>
        {% endfor %}"""  # noqa: E501 - the template as it was

CALENDAR_LOOP = """{% load contract_tags %}{% for contract in contracts %}
        <tr class="govuk-table__row{% if contract.destruction_is_overdue %} app-table__row--overdue{% endif %}">
          <td class="govuk-table__cell"><a class="govuk-link" href="{{ contract.get_absolute_url }}">{{ contract.reference }}</a><br><span class="govuk-body-s">{{ contract.organisation.name }} · {{ contract.manager.display_name }}</span></td>
          <td class="govuk-table__cell">{% contract_status_tag contract %}</td>
          <td class="govuk-table__cell">{{ contract.retention_end_date|date:"j M Y" }}{% if contract.status == "data_released" %}<br>{% due_tag contract.retention_end_date today %}{% endif %}</td>
          <td class="govuk-table__cell">{% if contract.destruction_is_overdue %}<strong>{{ contract.destruction_due_date|date:"j M Y" }}</strong>{% else %}{{ contract.destruction_due_date|date:"j M Y" }}{% endif %}{% if contract.holds_data %}<br>{% due_tag contract.destruction_due_date today %}{% endif %}</td>
        </tr>
        {% endfor %}"""  # noqa: E501 - the template as it was


@pytest.fixture
def contracts(db):
    """Contracts in each state the rows tell apart, read as the pages read them (shown in memory)."""
    today = timezone.localdate()
    made = [make_contract(reference=f"ROWS-{n}", title=f"Study <{n}> & co") for n in range(4)]
    rows = list(ResearchContract.objects.filter(pk__in=[c.pk for c in made]).select_related("organisation", "manager"))
    states = [
        (ResearchContract.Status.DRAFT, 40, 80, False),
        (ResearchContract.Status.DATA_RELEASED, 10, 20, False),
        (ResearchContract.Status.DATA_RELEASED, -5, -1, True),
        (ResearchContract.Status.RETENTION_ENDED, -30, 0, False),
    ]
    for n, (contract, (status, retention, destruction, overdue)) in enumerate(zip(rows, states, strict=True)):
        contract.status = status
        contract.retention_end_date = today + datetime.timedelta(days=retention)
        contract.destruction_due_date = today + datetime.timedelta(days=destruction)
        contract.destruction_is_overdue = overdue
        contract.asset_count = n
    User.objects.filter(pk=rows[1].manager_id).update(is_active=False)
    rows[1].manager.is_active = False
    return rows, today


def test_the_list_rows_read_as_the_loop_wrote_them(contracts):
    rows, today = contracts
    expected = Template(LIST_LOOP).render(Context({"contracts": rows, "today": today}))
    assert str(contract_list_rows(rows, today)) == expected
    assert "Has left" in expected and "Overdue by" in expected and "In 10 days" in expected


def test_the_calendar_rows_read_as_the_loop_wrote_them(contracts):
    rows, today = contracts
    expected = Template(CALENDAR_LOOP).render(Context({"contracts": rows, "today": today}))
    assert str(calendar_rows(rows, today)) == expected
    assert "app-table__row--overdue" in expected and "<strong>" in expected


@pytest.mark.parametrize(
    ("url", "empty"),
    [
        ("/contracts/?q=nothing-matches-this", "No contracts match these filters."),
        ("/contracts/calendar/?scope=released", "No open contracts match these filters."),
    ],
)
def test_an_empty_list_says_so(verified_client, contracts, url, empty):
    rows, _today = contracts
    page = verified_client(rows[0].manager).get(url)
    assert page.status_code == 200
    assert empty in page.content.decode()
