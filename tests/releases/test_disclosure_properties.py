"""Property-based tests: random 2-D and 3-D tables, judged by an intruder's audit written apart from the engine.

For every table the check passes, ``intruder.py`` solves each hidden cell's interval exactly
and asserts, counting failures per criterion (all must be zero):

- no hidden cell can be worked out exactly;
- every primary cell's interval covers its protection level;
- the same with each insider's knowledge of its cell (a single contributor knows the value; the
  n largest contributors of another unsafe cell know it is at least their sum), for every other
  primary cell that cannot hold the insider's own contributions (one that does is protected from
  its own contributors by its protection level, the p% rule);
- no cell unsafe by the rules (margins included) is published.

And for 2-D frequency tables up to 6x6, the secondary suppressions are within 10% of a
mixed-integer optimum the test computes itself, on average over 100 tables.

The seed is printed; set ``DISCLOSURE_PROPERTY_SEED`` to repeat a run.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from decimal import Decimal

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from governance.disclosure import Cell, Extract, Rules, Table, check_table
from tests.releases import intruder

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database

SEED = int(os.environ.get("DISCLOSURE_PROPERTY_SEED") or random.SystemRandom().randrange(1 << 32))
RULES = Rules(rounding_base=1, max_suppressed_share=Decimal(1), p_percent=Decimal(15), nk_n=2, nk_k=Decimal(85))
TOLERANCE = 1e-6


@st.composite
def tables(draw) -> Table:
    dims = draw(st.sampled_from([2, 2, 3]))
    sizes = [draw(st.integers(2, 4 if dims == 2 else 3)) for _ in range(dims - 1)] + [
        2 if dims == 3 else draw(st.integers(2, 4))
    ]
    magnitude = draw(st.booleans())
    interior: dict[tuple[str, ...], Decimal] = {}
    contributors: dict[tuple[str, ...], tuple[Decimal, ...]] = {}
    for key in _keys(sizes):
        if magnitude:
            count = draw(st.integers(0, 5))
            values = tuple(Decimal(draw(st.integers(1, 1000))) for _ in range(count))
            interior[key] = sum(values, Decimal(0))
            contributors[key] = values
        else:
            interior[key] = Decimal(draw(st.one_of(st.integers(0, 12), st.integers(10, 80))))
    cells = [
        Cell(key=key, value=value, contributors=contributors.get(key, ()))
        for key, value in intruder.all_margins(interior, dims).items()
    ]
    return Table(
        category_columns=tuple(f"D{j}" for j in range(dims)),
        value_column="value" if magnitude else "count",
        kind="magnitude" if magnitude else "frequency",
        cells=tuple(cells),
    )


def _keys(sizes: list[int]) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [()]
    for j, size in enumerate(sizes):
        keys = [(*key, f"c{j}{i}") for key in keys for i in range(size)]
    return keys


def _judge(table: Table, stats: Counter) -> None:
    result = check_table(table, Extract.FULL, RULES)
    stats["tables"] += 1
    if not result.passed:
        stats["not passed"] += 1
        return
    stats["passed"] += 1
    keys = [tuple(label for label in cell.key) for cell in table.cells]
    values = [float(cell.value) for cell in table.cells]
    hidden = [cell.published is None for cell in result.cells]
    needs, known = intruder.needs_of(table, RULES)
    stats["hidden cells"] += sum(hidden)
    stats["primary cells"] += len(needs)
    for index in needs:
        if not hidden[index]:
            stats["unsafe cell published"] += 1
            stats["unsafe margin published"] += intruder.TOTAL in keys[index]
    if not any(hidden):
        return
    found = intruder.intervals(values, keys, hidden)
    scale = max(1.0, max(values))
    for low, high in found.values():
        if high - low <= TOLERANCE * scale:
            stats["hidden cell exact"] += 1
    for index, need in needs.items():
        if hidden[index] and not _covers(found[index], values[index], need, scale):
            stats["protection not covered"] += 1
    empty = {key for key, value in zip(keys, values, strict=True) if value == 0}
    for insider, value in known.items():
        # A cell holding the insider's own contributions is protected from them by its own level (the p% rule).
        others = [
            index
            for index in needs
            if index != insider and hidden[index] and not intruder.overlapping(keys[index], keys[insider], empty)
        ]
        if not hidden[insider] or not others:
            continue
        stats["insider audits"] += 1
        narrowed = intruder.intervals(values, keys, hidden, fixed={insider: value})
        for index in others:
            if not _covers(narrowed[index], values[index], needs[index], scale):
                stats["protection not covered with an insider"] += 1


def _covers(interval: tuple[float, float], value: float, need: intruder.Need, scale: float) -> bool:
    low, high = interval
    return high >= value + need.upper - TOLERANCE * scale and low <= value - need.lower + TOLERANCE * scale


CRITERIA = (
    "hidden cell exact",
    "protection not covered",
    "protection not covered with an insider",
    "unsafe cell published",
    "unsafe margin published",
)


def test_every_passed_table_withstands_the_intruder(capsys):
    stats: Counter = Counter()
    with capsys.disabled():
        print(f"\ndisclosure property test: seed {SEED}")  # before the run, so a failing run can be repeated

    @seed(SEED)
    @settings(
        max_examples=50,
        deadline=None,
        derandomize=False,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(tables())
    def run(table: Table) -> None:
        _judge(table, stats)

    run()
    with capsys.disabled():
        print(f"disclosure property test: seed {SEED}; " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    assert stats["passed"] >= 30, stats
    failures = {name: stats[name] for name in CRITERIA}
    assert all(count == 0 for count in failures.values()), (SEED, failures)


# --- suppression count against a mixed-integer optimum ---------------------------------------------


def _optimum(table: Table, needs: dict[int, intruder.Need]) -> int:
    """Fewest secondary cells protecting every primary cell's upper protection (Fischetti-Salazar model)."""
    keys = [cell.key for cell in table.cells]
    values = [float(cell.value) for cell in table.cells]
    lines = intruder.lines_of(keys)
    n = len(values)
    big = 2 * sum(values) + 1
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lower = np.array([1.0 if i in needs else 0.0 for i in range(n)])
    h.addVars(n, lower, np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([0.0 if i in needs else 1.0 for i in range(n)]))
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    for primary, need in needs.items():
        base = h.getNumCol()
        h.addVars(n, np.array([-v for v in values]), np.full(n, big))
        for members, margin in lines:
            columns = np.array([base + m for m in members] + [base + margin], dtype=np.int32)
            h.addRow(0.0, 0.0, len(columns), columns, np.array([1.0] * len(members) + [-1.0]))
        for i in range(n):
            h.addRow(-highspy.kHighsInf, 0.0, 2, np.array([base + i, i], dtype=np.int32), np.array([1.0, -big]))
            h.addRow(-highspy.kHighsInf, 0.0, 2, np.array([base + i, i], dtype=np.int32), np.array([-1.0, -values[i]]))
        h.changeColBounds(base + primary, need.upper, big)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return round(h.getInfo().objective_function_value)


def test_secondary_suppressions_are_within_ten_percent_of_the_optimum(capsys):
    rng = random.Random(SEED)
    rules = Rules(rounding_base=1, max_suppressed_share=Decimal(1), secondary_cost="cells")  # fewest cells
    engine_total = optimum_total = tables_checked = 0
    while tables_checked < 100:
        rows, columns = rng.randint(2, 6), rng.randint(2, 6)
        interior = {
            (f"r{r}", f"c{c}"): Decimal(rng.randint(1, 9) if rng.random() < 0.15 else rng.randint(10, 120))
            for r in range(rows)
            for c in range(columns)
        }
        cells = [Cell(key=key, value=value) for key, value in intruder.all_margins(interior, 2).items()]
        table = Table(("Row", "Column"), "count", "frequency", tuple(cells))
        needs, _known = intruder.needs_of(table, rules)
        if not needs:
            continue
        result = check_table(table, Extract.FULL, rules)
        assert result.passed, result.problems
        engine_total += result.counts["secondary"]
        optimum_total += _optimum(table, needs)
        tables_checked += 1
    with capsys.disabled():
        print(
            f"\nsuppression against the optimum: seed {SEED}; {tables_checked} tables; "
            f"engine {engine_total} secondary cells, optimum {optimum_total}"
        )
    assert engine_total <= 1.1 * optimum_total
