"""The insider knows their own contributions, not the whole cell.

A contributor alone in a cell knows its value. The largest contributors of a dominated cell
know what they put in, so only that the cell is at least that much: a pattern that withstands
that intruder is not refused for an intruder who knows more than anyone does.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from governance.disclosure import Extract, Flag, Rules, Table, check_table, parse_table
from governance.disclosure.layout import layout_of
from governance.disclosure.primary import analyse
from tests.releases import intruder

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database

D = Decimal

# North's whole total is in sector A, and North's own list shows the same firms: both the cell and
# the margin are dominated (200 + 60 of 300). Sector B of North is empty.
DOMINATED = (
    "Region,Sector,value,contributors\n"
    "North,A,300,200;60;20;20\n"
    "North,B,0,\n"
    "North,Total,300,200;60;20;20\n"
    "South,A,400,100;100;100;100\n"
    "South,B,420,100;100;100;100;20\n"
    "South,Total,820,\n"
    "Total,A,700,\n"
    "Total,B,420,\n"
    "Total,Total,1120,\n"
)


def _table() -> Table:
    return parse_table(DOMINATED.encode(), "table.csv")


def test_the_largest_contributors_know_a_lower_bound_not_the_cell():
    table = _table()
    primary = analyse(table, layout_of(table), Rules(rounding_base=1), sample=False)
    north = [c.key for c in table.cells].index(("North", "A"))
    assert Flag.NK in primary.flags[north]
    assert primary.insiders[north] == (D(260), None)  # the two largest know 200 + 60, not the other 40
    single = parse_table(b"Industry,value,contributors\nA,50,50\nB,45,40;5\nC,5,3;2\nTotal,100,\n", "t.csv")
    assert analyse(single, layout_of(single), Rules(), sample=False).insiders[0] == (D(50), D(50))


def test_a_dominated_table_refused_for_an_all_knowing_insider_passes_the_real_one():
    table = _table()
    rules = Rules(rounding_base=1)
    result = check_table(table, Extract.FULL, rules)
    assert result.passed, result.problems
    assert result.audit["insiders_checked"] >= 1 and result.audit["insider_short"] == 0
    # The intruder written apart from the engine agrees, with each insider's knowledge as bounds.
    keys = [cell.key for cell in table.cells]
    values = [float(cell.value) for cell in table.cells]
    hidden = [cell.published is None for cell in result.cells]
    needs, known = intruder.needs_of(table, rules)
    assert known[keys.index(("North", "A"))] == (260.0, float("inf"))
    for insider, bounds in known.items():
        narrowed = intruder.intervals(values, keys, hidden, fixed={insider: bounds})
        for index, need in needs.items():
            if index == insider:
                continue
            low, high = narrowed[index]
            assert high >= values[index] + need.upper - 1e-6 and low <= values[index] - need.lower + 1e-6
