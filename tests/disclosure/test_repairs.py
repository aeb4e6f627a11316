"""The heuristic's repairs: which cells a repair hides, worked out by hand on a small table.

No database is used.
"""

from __future__ import annotations

import pytest

from governance.disclosure.intervals import Requirement, audit
from governance.disclosure.pattern import Repairer, costs_for

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database


def _three_by_three(interior: list[list[float]]):
    """Cells row by row with each row's total last, then the column totals and the grand total."""
    values, lines = [], []
    for row in interior:
        start = len(values)
        values += [*row, sum(row)]
        lines.append(list(range(start, start + len(row) + 1)))
    width = len(interior[0]) + 1
    values += [sum(values[r * width + c] for r in range(len(interior))) for c in range(width)]
    bottom = len(interior) * width
    lines.append(list(range(bottom, bottom + width)))
    for c in range(width):
        lines.append([r * width + c for r in range(len(interior) + 1)])
    signs = [[1] * (len(line) - 1) + [-1] for line in lines]
    return values, lines, signs


def test_a_repair_hides_small_cells_rather_than_the_totals():
    """Cell (0, 0), 100, must move 10 each way. A rectangle through three small cells of 50
    costs about 150; one through its row total, its column total and the grand total about
    1,300. Priced per unit of its whole value, a total looked almost free to move by 10 (the
    repair took the totals); priced per unit of the 10 it moves, each cell costs what hiding it does."""
    values, lines, signs = _three_by_three([[100.0, 50.0, 60.0], [50.0, 50.0, 70.0], [80.0, 90.0, 95.0]])
    hidden = [False] * len(values)
    hidden[0] = True
    costs = costs_for(values, "value")
    added = Repairer(values, lines, signs, hidden, costs).protect(0, 10.0, 10.0)
    assert sorted(added) == [1, 4, 5]  # (0, 1), (1, 0), (1, 1): 50 each
    assert audit(values, lines, signs, hidden, {0: Requirement(10.0, 10.0)}).passed
