"""The history table's rows, written by ``history_rows``, are what the template's loop wrote: the same
markup, every name, reason and address escaped, on record pages and in the audit explorer."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.template import engines

from governance.core.history import FieldChange, HistoryRow
from governance.core.history_events import Event, EventList
from governance.core.models import AuditEntry, BusinessArea, User

pytestmark = pytest.mark.django_db

# The table as the template wrote it, one loop iteration per event, before the rows were built in Python.
LOOP = (Path(__file__).parent / "history_rows_loop.html").read_text().rstrip("\n")
TAG = """{% load portal_tags %}<tbody class="govuk-table__body">
    {% history_rows history marks %}
  </tbody>"""

SCRIPT = User(pk=901, username="s", first_name="<script>alert(1)</script>", last_name="O'Neil")
PLAIN = User(pk=902, username="p", first_name="Priya", last_name="Nair")
AREA = BusinessArea(pk=903, name="Claims & <Appeals>")
# Late at night in UTC in summer: the next day in UK time, as the table shows it; in winter, the same day.
WHEN = datetime.datetime(2026, 7, 4, 23, 5, tzinfo=datetime.UTC)
WINTER = datetime.datetime(2026, 1, 4, 23, 5, tzinfo=datetime.UTC)


def entry(pk, actor=SCRIPT, **fields) -> AuditEntry:
    fields = {"timestamp": WHEN, "action": AuditEntry.Action.UPDATE, "object_repr": "Grant <7>", **fields}
    return AuditEntry(pk=pk, actor=actor, **fields)


def row(made: AuditEntry, *changes: FieldChange, name="Grant 7: O'Neil's <b>claims</b>") -> HistoryRow:
    return HistoryRow(entry=made, action="Changed", noun="access grant", name=name, changes=list(changes))


def events(system_shown=False) -> EventList:
    suspended = FieldChange("State", "Active", "Suspended <now>")
    cleared = FieldChange("IAM reason", "Was 'fine'", "(none)")
    added = FieldChange("Data items", "", "Added: Name & address")
    listed = EventList(
        [
            Event(
                key="a",
                rows=[row(entry(1, reason="Leak <found> & 'contained'", cid="c<1>", scope="grant:7"), suspended)],
                system_rows=[row(entry(2, cid="c<1>"), FieldChange("Dedupe key", "", "k&1"), name="")],
                more=3,
                text="suspended grant 7 of O'Neil <b>",
            ),
            Event(
                key="b",
                rows=[
                    row(
                        entry(3, actor=None, actor_email="gone@example.org", timestamp=WINTER),
                        cleared,
                    ),
                    row(entry(4, actor=PLAIN, business_area=AREA, remote_addr="10.0.0.1", timestamp=WINTER), added),
                ],
                text="changed the asset Claims?",
            ),
            Event(key="c", rows=[], system_rows=[row(entry(5, actor=None), name="")], text=""),
            Event(key="d", rows=[row(entry(6, scope="incident:9"))], more=2, text="named nothing"),
        ]
    )
    listed.system_shown = system_shown
    return listed


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("explorer", [False, True])
@pytest.mark.parametrize("marks", [None, ["grant", "o'neil", "script"]])
@pytest.mark.parametrize("system_shown", [False, True])
def test_the_rows_are_what_the_templates_loop_wrote(explorer, marks, system_shown):
    history = events(system_shown)
    context = {"history": history, "marks": marks, "explorer": explorer}
    written = render(TAG, **context)
    assert written == render(LOOP, **context)
    # What the comparison rests on: the tricky values are there, escaped, and nothing is left raw.
    assert "<script>" not in written
    assert "&lt;script&gt;" in written or '&lt;<mark class="app-mark">script</mark>&gt;' in written
    assert "O&#x27;Neil" in written or "O&#x27;<mark" in written
    assert ("Claims &amp; &lt;Appeals&gt;. From" in written) is explorer
    assert "5 Jul 2026 00:05" in written and "4 Jan 2026 23:05" in written


def test_no_events_is_one_row_saying_so():
    assert render(TAG, history=EventList(), marks=None) == render(LOOP, history=EventList(), marks=None)
    assert "No entries match." in render(TAG, history=[], marks=None)
