"""The heuristic's repairs: which cells a repair hides, worked out by hand on a small table.

No database is used.
"""

from __future__ import annotations

import pytest

from governance.disclosure.intervals import Requirement, audit
from governance.disclosure.pattern import Repairer, costs_for
from tests.disclosure.small_tables import three_by_three

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database


def test_a_repair_hides_small_cells_rather_than_the_totals():
    """Cell (0, 0), 100, must move 10 each way. A rectangle through three small cells of 50
    costs about 150; one through its row total, its column total and the grand total about
    1,300. Priced per unit of its whole value, a total looked almost free to move by 10 (the
    repair took the totals); priced per unit of the 10 it moves, each cell costs what hiding it does."""
    values, lines, signs = three_by_three([[100.0, 50.0, 60.0], [50.0, 50.0, 70.0], [80.0, 90.0, 95.0]])
    hidden = [False] * len(values)
    hidden[0] = True
    costs = costs_for(values, "value")
    added = Repairer(values, lines, signs, hidden, costs).protect(0, 10.0, 10.0)
    assert sorted(added) == [1, 4, 5]  # (0, 1), (1, 0), (1, 1): 50 each
    assert audit(values, lines, signs, hidden, {0: Requirement(10.0, 10.0)}).passed
