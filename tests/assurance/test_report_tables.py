"""The tags that write the SIRO's report's tables write what the template's loops wrote, byte for byte."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from governance.assurance.report import CHANGED, AreaRow

pytestmark = pytest.mark.django_db

LOAD = "{% load assurance_tags report_tables %}"

#: The loops ``report_rows`` and ``report_outstanding`` replaced in ``assurance/_report_tables.html``, by table.
LOOPS = {
    "returns": """{% for row in rows %}<tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ row.area }}</th>
    {% report_figures row "returns" %}
    <td class="govuk-table__cell">{% if row.change.returns_signed is not None %}Signed {{ row.change.returns_signed|signed_change }}; not signed {{ row.change.returns_missing|signed_change }}{% else %}No earlier round{% endif %}</td>
  </tr>{% endfor %}
  <tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ total.area }}</th>
    {% report_figures total "returns" %}
    <td class="govuk-table__cell">{% if total.change.returns_signed is not None %}Signed {{ total.change.returns_signed|signed_change }}; not signed {{ total.change.returns_missing|signed_change }}{% else %}No earlier round{% endif %}</td>
  </tr>""",  # noqa: E501 - the template's lines as they were
    "outstanding": """{% with due=round.due_date|govuk_date %}{% for row in rows %}{% if row.outstanding %}
<h3 class="govuk-heading-s">{{ row.area }}</h3>
<ul class="govuk-list govuk-list--bullet">{% outstanding_items row.outstanding return_zero due %}
</ul>
{% endif %}{% empty %}{% endfor %}{% endwith %}""",
    "incidents": """{% for row in rows|add_total:total %}<tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ row.area }}</th>
    {% report_figures row "incidents" %}
    <td class="govuk-table__cell">{% if row.change.incidents is not None %}Incidents {{ row.change.incidents|signed_change }}; deadlines missed {{ row.change.deadlines_missed|signed_change }}{% else %}No earlier round{% endif %}</td>
  </tr>{% endfor %}""",  # noqa: E501 - the template's lines as they were
    "access": """{% for row in rows|add_total:total %}<tr class="govuk-table__row">
    {% report_access_row row training_url %}
  </tr>{% endfor %}""",
    "dpias": """{% for row in rows|add_total:total %}<tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ row.area }}</th>
    <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.dpias_signed|default:0 }}</td>
    <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.dpias_outstanding|default:0 }}</td>
  </tr>{% endfor %}""",
    "risks": """{% for row in rows|add_total:total %}<tr class="govuk-table__row">
    <th scope="row" class="govuk-table__header">{{ row.area }}</th>
    {% report_figures row "risks" %}
  </tr>{% endfor %}""",
}

TAGS = {
    "returns": '{% report_rows rows "returns" total=total %}',
    "outstanding": "{% report_outstanding rows return_zero round.due_date|govuk_date %}",
    "incidents": '{% report_rows rows|add_total:total "incidents" %}',
    "access": '{% report_rows rows|add_total:total "access" training_url=training_url %}',
    "dpias": '{% report_rows rows|add_total:total "dpias" %}',
    "risks": '{% report_rows rows|add_total:total "risks" %}',
}

#: The figures ``report_figures`` writes, as each cell of the template wrote them before it.
CELLS = {
    "returns": """{% report_number row.returns_signed round_url|add:"?state=signed"|in_area:row "returns signed in "|add:row.area %}
{% report_number row.returns_accepted round_url|add:"?state=accepted"|in_area:row "returns accepted in "|add:row.area %}
{% report_number row.returns_sent_back round_url|add:"?state=sent_back"|in_area:row "returns sent back in "|add:row.area %}
{% report_number row.returns_missing round_url|add:"?state=missing"|in_area:row "returns not signed in "|add:row.area %}""",  # noqa: E501 - the template's lines as they were
    "total returns": """{% report_number row.returns_signed round_url|add:"?state=signed" "returns signed" %}
{% report_number row.returns_accepted round_url|add:"?state=accepted" "returns accepted" %}
{% report_number row.returns_sent_back round_url|add:"?state=sent_back" "returns sent back" %}
{% report_number row.returns_missing round_url|add:"?state=missing" "returns not signed" %}""",
    "incidents": """{% report_number row.incidents incidents_url|in_area:row "incidents" %}
{% report_number row.ico_reports incidents_url|add:"&ico=reported"|in_area:row "reported to the ICO" %}
{% report_number row.deadlines_missed incidents_url|add:"&ico=missed"|in_area:row "ICO deadlines missed" %}""",
    "access": """{% report_number row.grants_past_end grants_url|add:"?attention=past_end"|in_area:row "grants past their end date" %}
{% report_number row.grants_past_recertification grants_url|add:"?attention=past_recertification"|in_area:row "grants past recertification" %}
{% report_number row.contracts_past_destruction contracts_url|add:"?attention=destruction_overdue"|in_area:row "contracts past destruction" %}
{% report_number row.agreements_past_review|default_if_none:0 agreements_url|add:"?status=past_review"|in_area:row "sharing agreements past review" %}""",  # noqa: E501 - the template's lines as they were
    "risks": """{% report_number row.risks_high risks_url|add:"?figure=high"|in_area:row "high risks" %}
{% report_number row.risks_medium risks_url|add:"?figure=medium"|in_area:row "medium risks" %}
{% report_number row.risks_low risks_url|add:"?figure=low"|in_area:row "low risks" %}
{% report_number row.risks_tolerated risks_url|add:"?figure=tolerated"|in_area:row "risks tolerated" %}
{% report_number row.risk_reviews_overdue risks_url|add:"?figure=review_overdue"|in_area:row "risk reviews overdue" %}""",  # noqa: E501 - the template's lines as they were
}
URLS = (
    "{% url 'assurance:round' round.pk as round_url %}{% url 'access:grants' as grants_url %}"
    "{% url 'contracts:list' as contracts_url %}{% url 'incidents:list' as incidents_base %}"
    "{% url 'assurance:risks' as risks_url %}{% url 'privacy:agreement-list' as agreements_url %}"
    '{% with period_from=round.period_start|date:"Y-m-d" period_to=round.period_end|date:"Y-m-d" %}'
    '{% with incidents_url=incidents_base|add:"?aware_from="|add:period_from|add:"&aware_to="|add:period_to %}'
)


def rows() -> tuple[list[AreaRow], AreaRow]:
    """Areas with names to escape, figures of 0, None and more, changes known and not, returns outstanding."""
    unknown = dict.fromkeys(CHANGED)
    known = {**dict.fromkeys(CHANGED, 0), "returns_signed": 3, "returns_missing": -2, "incidents": -1, "training": 4}
    areas = [
        AreaRow(
            "A & <B>",
            7,
            returns_signed=2,
            returns_missing=1,
            outstanding=[
                {"iam": "Ann O'Neill & co", "state": "missing", "return_id": 12},
                {"iam": "<Bob>", "state": "sent_back", "return_id": 13},
            ],
            incidents=4,
            deadlines_missed=1,
            training=87,
            grants_past_end=3,
            agreements_past_review=None,
            risks_high=5,
            risk_reviews_overdue=2,
            dpias_signed=1,
            change=known,
        ),
        AreaRow('Quiet "area"', 8, training=None, dpias_outstanding=None, change=unknown),
        AreaRow("Third", 9, returns_sent_back=1, ico_reports=2, contracts_past_destruction=1, change=known),
    ]
    total = AreaRow("All areas", returns_signed=2, incidents=4, training=55, risks_high=5, change=unknown)
    return areas, total


@pytest.mark.parametrize("table", list(LOOPS))
def test_each_table_tag_writes_what_its_loop_wrote(round_, table):
    areas, total = rows()
    for listed in (areas, areas[1:2], []):
        context = {
            "rows": listed,
            "total": total,
            "round": round_,
            "return_zero": "/assurance/returns/0/",
            "training_url": "/training/compliance/?a=1&b=2",
        }
        loop = Template(LOAD + LOOPS[table]).render(Context(context))
        tag = Template(LOAD + TAGS[table]).render(Context(context))
        assert tag == loop, table


@pytest.mark.parametrize("table", list(CELLS))
def test_report_figures_writes_what_the_cells_wrote(round_, table):
    areas, total = rows()
    for row in (*areas, total) if table != "returns" else areas:
        if table == "total returns" and row is not total:
            continue
        context = {"row": row, "round": round_}
        cells = Template(LOAD + URLS + CELLS[table] + "{% endwith %}{% endwith %}").render(Context(context))
        expected = "\n    ".join(
            f'<td class="govuk-table__cell govuk-table__cell--numeric">{cell}</td>' for cell in cells.split("\n")
        )
        tag = Template(LOAD + '{% report_figures row "' + table.removeprefix("total ") + '" %}').render(
            Context(context)
        )
        assert tag == expected, (table, row.area)
