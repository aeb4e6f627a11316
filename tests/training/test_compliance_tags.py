"""The compliance dashboard's table tags write exactly what the template loops they replace wrote."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.template import engines
from django.utils import translation

from governance.incidents.queries import MonthRow
from governance.trends.charts import line_chart
from governance.trends.snapshots import Series

TRAINING_LOOP = """{% load portal_tags %}
    {% for row in rows %}
    {% url 'training:compliance-people' row.area.pk row.course.pk as people_url %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ row.area.name }}</th>
      <td class="govuk-table__cell">{{ row.course.title }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ people_url }}">{{ row.total }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{% if row.percent is not None %}{{ row.percent }}%{% else %}–{% endif %}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ people_url }}?status=due_soon">{{ row.due_soon }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ people_url }}?status=overdue">{{ row.overdue }}</a></td>
      <td class="govuk-table__cell govuk-table__cell--numeric"><a class="govuk-link" href="{{ people_url }}?status=never_signed">{{ row.never_signed }}</a></td>
    </tr>
    {% empty %}
    <tr class="govuk-table__row"><td class="govuk-table__cell" colspan="7">No published courses or business areas.</td></tr>
    {% endfor %}
"""  # noqa: E501, RUF001 - the loop as the template had it

INCIDENT_LOOP = """
    {% for row in incident_rows %}
    <tr class="govuk-table__row">
      <th scope="row" class="govuk-table__header">{{ row.area }}</th>
      <td class="govuk-table__cell">{{ row.month|date:"F Y" }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.reported }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.open }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{{ row.ico_reports }}</td>
      <td class="govuk-table__cell govuk-table__cell--numeric">{% if row.deadlines_missed %}<strong class="govuk-tag govuk-tag--red">{{ row.deadlines_missed }}</strong>{% else %}0{% endif %}</td>
    </tr>
    {% endfor %}
"""  # noqa: E501 - the loop as the template had it

CHART_LOOPS = """{% for chart in charts %}
{% for x, y, label in chart.dots %}<circle cx="{{ x }}" cy="{{ y }}" r="4" fill="#1d70b8"><title>{{ label }}</title></circle>{% endfor %}
{% for day, value in chart.series.points %}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{ day|date:"j F Y" }}</th><td class="govuk-table__cell govuk-table__cell--numeric">{% if value is None %}Not recorded{% else %}{{ value }}{{ chart.unit }}{% endif %}</td></tr>{% endfor %}
{% endfor %}"""  # noqa: E501 - the loops as the template had them


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_training_rows_are_the_loops_rows_escaped_alike():
    rows = [
        SimpleNamespace(
            area=SimpleNamespace(pk=pk, name=name),
            course=SimpleNamespace(pk=7, title="Data <protection> & you"),
            total=total,
            percent=percent,
            due_soon=2,
            overdue=1,
            never_signed=0,
        )
        for pk, name, total, percent in ((3, "Fraud & Error", 12, 75), (4, "Pensions", 0, None), (5, "Ops", 1234, 100))
    ]
    tag = "{% load compliance_tags %}\n    {% training_compliance_rows rows %}\n"
    assert render(tag, rows=rows) == render(TRAINING_LOOP, rows=rows)
    assert render(tag, rows=[]) == render(TRAINING_LOOP, rows=[])


def test_incident_rows_are_the_loops_rows_escaped_alike():
    rows = [
        MonthRow(
            area="Fraud & <Error>",
            month=datetime.date(2026, 3, 1),
            reported=4,
            open=1,
            ico_reports=2,
            deadlines_missed=1,
        ),
        MonthRow(
            area="Pensions", month=datetime.date(2025, 12, 1), reported=1, open=0, ico_reports=0, deadlines_missed=0
        ),
    ]
    tag = "{% load compliance_tags %}\n    {% incident_month_rows incident_rows %}\n"
    assert render(tag, incident_rows=rows) == render(INCIDENT_LOOP, incident_rows=rows)


def test_chart_dots_and_figures_are_the_loops_alike():
    start = datetime.date(2026, 1, 30)
    points = [(start + datetime.timedelta(days=n), value) for n, value in enumerate([61, None, 64, 70, 0])]
    charts = [
        line_chart(Series("training", "Training compliance (%)", points), percent=True, target=90),
        line_chart(Series("overdue_reviews", "Asset reviews overdue", points)),
        line_chart(Series("overdue_reviews", "Asset reviews overdue", [])),
    ]
    tags = """{% load compliance_tags %}{% for chart in charts %}
{% chart_dots chart %}
{% chart_figure_rows chart %}
{% endfor %}"""
    assert render(tags, charts=charts) == render(CHART_LOOPS, charts=charts)


#: The loops ``chart_scale`` and ``chart_days`` replaced in ``includes/trend_charts.html``.
SCALE_LOOPS = """{% load l10n %}{% localize off %}{% for chart in charts %}
    {% for y, value in chart.y_ticks %}
    <line x1="40" x2="{{ chart.width }}" y1="{{ y }}" y2="{{ y }}" stroke="#b1b4b6" stroke-width="1"/>
    <text x="34" y="{{ y }}" text-anchor="end" dominant-baseline="middle" font-size="12" fill="#0b0c0c">{{ value }}{{ chart.unit }}</text>
    {% endfor %}
    {% for x, label in chart.x_labels %}<text x="{{ x }}" y="{{ chart.height|add:'-8' }}" text-anchor="middle" font-size="12" fill="#0b0c0c">{{ label }}</text>{% endfor %}
{% endfor %}{% endlocalize %}"""  # noqa: E501 - the loops as the template had them


def test_chart_scale_and_days_are_the_loops_alike():
    start = datetime.date(2026, 1, 30)
    points = [(start + datetime.timedelta(days=n), value) for n, value in enumerate([61, None, 64, 70, 0, 12, 13, 9])]
    charts = [
        line_chart(Series("training", "Training compliance (%)", points), percent=True, target=90),
        line_chart(Series("overdue_reviews", "Asset reviews overdue", points)),
        line_chart(Series("overdue_reviews", "Asset reviews overdue", points[:1])),
        line_chart(Series("overdue_reviews", "Asset reviews overdue", [])),
    ]
    tags = """{% load compliance_tags %}{% for chart in charts %}
    {% chart_scale chart %}
    {% chart_days chart %}
{% endfor %}"""
    for language in ("en-gb", "de"):
        with translation.override(language):
            assert render(tags, charts=charts) == render(SCALE_LOOPS, charts=charts)
