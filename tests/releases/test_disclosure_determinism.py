"""Determinism: the pattern depends on the table and the rules, never on how busy the machine is.

The mixed-integer program stops on work limits (branch-and-bound nodes, simplex iterations),
never on a clock; a table whose program runs out of work is refused in plain words instead of
being protected by whatever the solver had found when the time ran out.
"""

from __future__ import annotations

import functools
import random
from decimal import Decimal

import highspy
import pytest

from governance.disclosure import Cell, Extract, Rules, Table, check_table
from governance.disclosure import secondary as secondary_module
from governance.disclosure.pattern import optimal_pattern
from governance.disclosure.secondary import forget_audits
from tests.releases import intruder

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database

RULES = Rules(rounding_base=1, max_suppressed_share=Decimal(1))


def _table() -> Table:
    rng = random.Random(20261205)
    interior = {
        (f"r{r}", f"c{c}"): Decimal(rng.randint(1, 9) if rng.random() < 0.25 else rng.randint(10, 120))
        for r in range(7)
        for c in range(7)
    }
    cells = [Cell(key=key, value=value) for key, value in intruder.all_margins(interior, 2).items()]
    return Table(("Row", "Column"), "count", "frequency", tuple(cells))


def _hidden(result) -> list[tuple[str, ...]]:
    return [cell.key for cell in result.cells if cell.published is None]


def test_the_same_table_twice_gives_the_same_pattern_and_no_clock_decides_it(monkeypatch):
    options: list[str] = []
    original = highspy.Highs.setOptionValue

    def recording(self, name, value):
        options.append(name)
        return original(self, name, value)

    monkeypatch.setattr(highspy.Highs, "setOptionValue", recording)
    table = _table()
    first = check_table(table, Extract.FULL, RULES)
    forget_audits()
    second = check_table(table, Extract.FULL, RULES)
    assert first.passed and first.audit["pattern"]["method"] == "optimal"
    assert _hidden(first) == _hidden(second)
    assert first.audit["pattern"] == second.audit["pattern"]
    assert "time_limit" not in options
    assert {"mip_max_nodes", "simplex_iteration_limit"} <= set(options)


def test_a_table_whose_program_runs_out_of_work_is_refused_not_published_differently(monkeypatch):
    # With a handful of simplex iterations allowed, the program for this table stops short of an answer.
    table = _table()
    short = functools.partial(optimal_pattern, iterations=5)
    monkeypatch.setattr(secondary_module, "optimal_pattern", short)
    forget_audits()
    result = check_table(table, Extract.FULL, RULES)
    assert not result.passed
    assert result.problems[0].startswith(
        "Finding which cells to hide in this table took more work than the check allows"
    )
    assert result.audit["pattern"]["method"] == "not found: work limit reached"
