"""Cut generation asks the audit's own questions, insiders included, so its pattern needs no repair.

No database is used.
"""

from __future__ import annotations

import pytest

from governance.disclosure import comparison
from governance.disclosure.intervals import Knowledge, Requirement, audit
from governance.disclosure.layout import equations, layout_of
from governance.disclosure.pattern import costs_for, cut_pattern
from governance.disclosure.primary import analyse
from governance.disclosure.secondary import knowledge_of, requirements_of
from tests.disclosure.small_tables import three_by_three

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database


def test_the_cut_generated_pattern_passes_the_insider_audit_without_repairs():
    """The 20x20 magnitude table of the comparison set: 22 primary cells, each an insider (a single
    contributor knows the cell, the largest ones of a dominated cell know their share). Checking
    only some insiders within cut generation left 8 insider and primary pairs short, for the repairs
    to hide more; with the audit as the separation, the pattern passes as it comes."""
    shape = comparison.square(20)
    _frequency, table = comparison.tables(shape, comparison.microdata(shape))
    rules = comparison.rules_for(table.kind)
    layout = layout_of(table)
    primary = analyse(table, layout, rules, sample=False)
    lines, signs = equations(layout)
    values = [float(v) for v in primary.values]
    needs, insiders = requirements_of(primary), knowledge_of(primary)
    costs = costs_for(values, rules.secondary_cost.value, primary.weights)
    found = cut_pattern(values, lines, signs, needs, costs, never=primary.structural, insiders=insiders)
    assert found is not None
    report = audit(values, lines, signs, found.hidden, needs, insiders)
    assert report.insiders > 0
    assert report.passed, (report.short, report.insider_short, report.exact)


def test_an_insider_in_a_secondary_cell_is_answered_only_when_that_cell_is_hidden():
    """Cell (0, 0) needs 10 each way; cell (1, 1) is not primary but its single contributor would
    know it if it were hidden. The least-cost rectangle for the outsider runs through (1, 1); against
    its insider that rectangle is fixed, so the pattern must protect (0, 0) some other way (or leave
    (1, 1) published), and whatever it chooses passes the audit with that insider."""
    values, lines, signs = three_by_three([[100.0, 20.0, 60.0], [20.0, 20.0, 70.0], [80.0, 90.0, 95.0]])
    needs = {0: Requirement(10.0, 10.0)}
    insiders = {5: Knowledge(20.0, 20.0)}
    costs = costs_for(values, "value")
    found = cut_pattern(values, lines, signs, needs, costs, insiders=insiders)
    assert found is not None
    assert audit(values, lines, signs, found.hidden, needs, insiders).passed
    alone = cut_pattern(values, lines, signs, needs, costs)
    assert alone is not None and alone.hidden[5]  # the outsider's least-cost rectangle uses (1, 1)


def test_past_the_insiders_cuts_the_outsiders_least_pattern_is_repaired_for_insiders(monkeypatch):
    # As if the 14x14 magnitude table were too large for the insiders' cuts (as 100x100 is): the outsider's
    # least pattern, repaired for insiders, hides less than the line-by-line heuristic and passes the audit.
    from governance.disclosure import secondary
    from governance.disclosure.checks import Extract, check_table
    from governance.disclosure.primary import PRIMARY_FLAGS

    shape = comparison.square(14)
    _frequency, magnitude = comparison.tables(shape, comparison.microdata(shape))
    rules = comparison.rules_for(magnitude.kind)
    monkeypatch.setattr(secondary, "CUT_MAX_CELLS", 0)

    def hidden_value(result) -> float:
        return sum(
            float(magnitude.cells[i].value)
            for i, c in enumerate(result.cells)
            if c.published is None and not PRIMARY_FLAGS.intersection(c.flags)
        )

    outsider = check_table(magnitude, Extract.FULL, rules)
    assert outsider.passed and outsider.audit["pattern"]["method"] == secondary.CUTS_OUTSIDER
    monkeypatch.setattr(secondary, "CUT_OUTSIDER_MAX_CELLS", 0)
    heuristic = check_table(magnitude, Extract.FULL, rules)
    assert heuristic.passed and heuristic.audit["pattern"]["method"] == "heuristic"
    assert hidden_value(outsider) < hidden_value(heuristic)
