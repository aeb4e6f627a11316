"""The repairs' question, asked of one group of linked hidden cells, against the whole table's programs.

``intervals.StillShort`` answers "is this primary cell still short, for the outsider or with one
insider's knowledge?" from the group of hidden cells linked to it through lines, never the whole
table. Here every answer is compared with the intruder written apart from the engine
(``tests/releases/intruder.py``), which solves each hidden cell's interval over the WHOLE table,
every hidden cell a variable and every line a constraint, on random tables and patterns, before
and after the pattern grows. Answers within a hair of the protection are left out: the two
solvers may round them either way.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from governance.disclosure.intervals import Knowledge, Requirement, StillShort, audit
from governance.disclosure.secondary import _remembered_assisted_audit, _remembered_audit, audit_once, forget_audits
from tests.releases import intruder

# Plain Python: no database, so the PostgreSQL pass leaves these to the SQLite pass.
pytestmark = pytest.mark.no_database

TOTAL = intruder.TOTAL


def _table(rng: random.Random) -> tuple[list[tuple[str, ...]], list[float]]:
    """A two- or three-way table with every margin: small whole values, some zeros."""
    sizes = [rng.randint(2, 6), rng.randint(2, 6)] + ([rng.randint(2, 3)] if rng.random() < 0.3 else [])
    labels = [[f"c{j}{i}" for i in range(size)] + [TOTAL] for j, size in enumerate(sizes)]
    keys = [tuple(key) for key in itertools.product(*labels)]
    interior = {key: float(rng.choice([0, rng.randint(1, 9), rng.randint(10, 80)])) for key in keys if TOTAL not in key}
    values = []
    for key in keys:
        values.append(
            sum(
                value
                for inner, value in interior.items()
                if all(label == TOTAL or label == inner[j] for j, label in enumerate(key))
            )
        )
    return keys, values


def _equations(keys):
    found = intruder.lines_of(keys)
    return [[*members, margin] for members, margin in found], [[1] * len(members) + [-1] for members, _ in found]


def _expected_short(interval, value, need, rise) -> bool | None:
    """Short by the whole table's interval; None when within a hair of the protection."""
    low, high = interval
    up, down = value + max(need.upper, rise), value - need.lower
    if abs(high - up) < 1e-6 or abs(low - down) < 1e-6:
        return None
    return high < up or low > down


def test_still_short_agrees_with_the_whole_table_on_random_tables():
    rng = random.Random(20261206)
    compared = {"outsider": 0, "insider": 0, "short": 0, "grown": 0}
    for _table_number in range(30):
        keys, values = _table(rng)
        lines, signs = _equations(keys)
        n = len(values)
        hidden = [rng.random() < 0.35 for _ in range(n)]
        primaries = [i for i in range(n) if hidden[i] and values[i] > 0 and rng.random() < 0.6]
        needs = {
            i: Requirement(min(values[i], rng.uniform(0.05, 1.0) * values[i]), rng.uniform(0.05, 0.8) * values[i])
            for i in primaries
        }
        chosen = rng.sample([k for k in range(n) if hidden[k]], min(3, sum(hidden)))
        insiders = {
            k: Knowledge(rng.choice([values[k], 0.8 * values[k]]), rng.choice([values[k], math.inf])) for k in chosen
        }
        still = StillShort(values, lines, signs, hidden, needs, insiders)
        for stage in ("first", "grown"):
            whole = intruder.intervals_over(values, intruder.lines_of(keys), hidden)
            for cell, need in needs.items():
                expected = _expected_short(whole[cell], values[cell], need, 0.0)
                if expected is not None:
                    assert still.short(cell) == expected, (keys, hidden, cell)
                    compared["outsider"] += 1
                    compared["short"] += expected
            for insider, knowledge in insiders.items():
                fixed = {insider: (max(0.0, knowledge.lower), knowledge.upper)}
                narrowed = intruder.intervals_over(values, intruder.lines_of(keys), hidden, fixed)
                for cell, need in needs.items():
                    if cell == insider:
                        continue
                    expected = _expected_short(narrowed[cell], values[cell], need, still.insider_rise)
                    if expected is not None:
                        assert still.short(cell, insider) == expected, (keys, hidden, cell, insider)
                        compared["insider"] += 1
                        compared["short"] += expected
            if stage == "first":
                # More cells hidden, as a repair does: the groups are found again, and grow or merge.
                for i in range(n):
                    if not hidden[i] and rng.random() < 0.2:
                        hidden[i] = True
                        compared["grown"] += 1
                still.grown()
    assert compared["outsider"] > 200 and compared["insider"] > 500
    assert 100 < compared["short"] < compared["outsider"] + compared["insider"] - 100  # both answers, often
    assert compared["grown"] > 0


def test_still_short_agrees_with_the_audit_on_its_findings():
    """Every primary cell and insider pair the audit finds short, StillShort finds short too, and the reverse."""
    rng = random.Random(31)
    checked = 0
    for _ in range(25):
        keys, values = _table(rng)
        lines, signs = _equations(keys)
        n = len(values)
        hidden = [rng.random() < 0.4 for _ in range(n)]
        needs = {i: Requirement(0.3 * values[i], 0.3 * values[i]) for i in range(n) if hidden[i] and values[i] > 0}
        insiders = {k: Knowledge(values[k], values[k]) for k in range(n) if hidden[k] and values[k] > 0}
        report = audit(values, lines, signs, hidden, needs, insiders)
        still = StillShort(values, lines, signs, hidden, needs, insiders)
        assert report.short == [cell for cell in sorted(needs) if still.short(cell)]
        for insider, cell in report.insider_short:
            assert still.short(cell, insider)
        checked += len(report.insider_short)
    assert checked > 0


def test_an_insider_must_leave_a_cell_room_to_rise_by_the_audits_least_amount():
    """The audit asks a cell to be able to rise by ten of its tolerances against an insider, even when
    its protection asks less; the repairs ask the same (a repair aiming at the protection alone left
    the 100x100 magnitude table of the comparison set refused)."""
    big = 1e9
    keys = [(r, c) for r in ("a", "b", TOTAL) for c in ("x", "y", TOTAL)]
    inner = {("a", "x"): big, ("a", "y"): big + 100, ("b", "x"): big + 200, ("b", "y"): big + 300}
    values = [
        sum(v for k, v in inner.items() if all(label in (TOTAL, k[j]) for j, label in enumerate(key))) for key in keys
    ]
    lines, signs = _equations(keys)
    hidden = [TOTAL not in key for key in keys]
    a, b = keys.index(("a", "x")), keys.index(("a", "y"))
    needs = {a: Requirement(20.0, 20.0)}
    knows = {b: Knowledge(values[b] - 30.0, math.inf)}  # b can fall by 30 at most, so a can rise by 30
    still = StillShort(values, lines, signs, hidden, needs, knows)
    assert still.insider_rise > 30.0
    assert audit(values, lines, signs, hidden, needs, knows).insider_short == [(b, a)]
    assert still.short(a, b) and not still.short(a)


def test_the_verifier_never_reads_an_audit_started_from_earlier_changes():
    keys, values = _table(random.Random(5))
    lines, signs = _equations(keys)
    hidden = [TOTAL not in key for key in keys]
    needs = {i: Requirement(1.0, 1.0) for i, h in enumerate(hidden) if h and values[i] > 0}
    forget_audits()
    first = audit_once(values, lines, signs, hidden, needs, {})
    assisted = audit_once(values, lines, signs, hidden, needs, {}, earlier=first.changes)
    assert _remembered_assisted_audit.cache_info().misses == 1
    assert audit_once(values, lines, signs, hidden, needs, {}) is first is not assisted
    assert _remembered_audit.cache_info().hits == 1
    forget_audits()
