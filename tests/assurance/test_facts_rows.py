"""The table of grants in a return's facts, written by a tag, reads exactly as the template loop wrote it."""

import datetime

from django.template import Context, Template

#: The loop the tag replaced, kept here to compare against.
LOOP = Template(
    "{% load assurance_tags portal_tags %}"
    '{% for g in grants %}<tr class="govuk-table__row"><td class="govuk-table__cell">{{ g.holder }}</td>'
    '<td class="govuk-table__cell">{{ g.purpose }}</td><td class="govuk-table__cell">{{ g.ends_on|govuk_date }}'
    '{% if g.past_end %} (past){% endif %}</td><td class="govuk-table__cell">{{ g|recertification_label }}</td>'
    '<td class="govuk-table__cell">{{ g.training_missing|join:", "|default:"None" }}</td></tr>{% endfor %}'
)
TAG = Template("{% load assurance_tags %}{% facts_grant_rows grants %}")


def _day(days: int) -> str:
    """A date as stored in a return's facts (ISO text), ``days`` from today."""
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


GRANTS = [
    {
        "holder": "Uma <Ahmed>",
        "purpose": 'Analysis & "linking"',
        "ends_on": _day(5),
        "past_end": False,
        "recertification": "due",
        "recertification_date": _day(21),
        "training_missing": ["Data protection", "Security & <you>"],
    },
    {
        "holder": "Uma <Ahmed>",
        "purpose": 'Analysis & "linking"',
        "ends_on": _day(-700),
        "past_end": True,
        "recertification": "overdue",
        "recertification_date": _day(-335),
        "training_missing": [],
    },
    {
        "holder": "Bo",
        "purpose": "",
        "ends_on": _day(88),
        "past_end": False,
        "recertification": "confirmed",
        "recertification_date": _day(-66),
        "training_missing": ["Data protection"],
    },
    {"holder": "Cy", "purpose": "Audit", "ends_on": _day(88), "recertification": "not_yet_due"},
    {"holder": None, "purpose": 12, "ends_on": None, "recertification": "confirmed", "training_missing": None},
    {"holder": "Di", "purpose": "x", "ends_on": "soon", "recertification": "odd", "recertification_date": "later"},
    {},
]


def test_the_tag_writes_the_rows_as_the_loop_did():
    context = {"grants": GRANTS}
    assert TAG.render(Context(context)) == LOOP.render(Context(context))


def test_no_grants_no_rows():
    assert TAG.render(Context({"grants": []})) == ""
