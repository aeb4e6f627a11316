"""The audit with bounds every reader knows a priori, against an intruder written apart.

Random two-way tables (fixed seed, under a second): hidden cells, some with bounds around their
values; the audit's exact intervals must be the intruder's, and its verdicts (short, exact) must be
what the intruder's intervals say, on the fast path (paths and pooled changes) as on the programs.
"""

from __future__ import annotations

import random

import pytest

from governance.disclosure.intervals import Requirement, audit, tolerance_of
from tests.disclosure.test_flows import _table
from tests.releases import intruder

pytestmark = pytest.mark.no_database


def _cases(seed: int, count: int):
    rng = random.Random(seed)
    for _round in range(count):
        values, lines, signs = _table(rng)
        hidden = [rng.random() < 0.7 for _ in values]
        bounds = {}
        for i, value in enumerate(values):
            if hidden[i] and rng.random() < 0.4:
                low = max(0.0, value - rng.choice([0.5, 2.0, 10.0]))
                high = value + rng.choice([0.5, 3.0, 25.0, float("inf")])
                bounds[i] = (low, high)
        needs = {
            i: Requirement(rng.uniform(0.05, 0.5) * values[i], rng.uniform(0.05, 0.5) * values[i])
            for i in range(len(values))
            if hidden[i] and values[i] > 0 and rng.random() < 0.6
        }
        yield values, lines, signs, hidden, needs, bounds


def _intruder(values, lines, signs, hidden, bounds):
    pairs = [(line[:-1], line[-1]) for line in lines]  # every line here is members then their total
    assert all(s == [1] * (len(line) - 1) + [-1] for line, s in zip(lines, signs, strict=True))
    return intruder.intervals_over(values, pairs, hidden, fixed=dict(bounds))


def test_the_audit_within_bounds_is_the_intruders():
    seen_short = seen_pass = 0
    for values, lines, signs, hidden, needs, bounds in _cases(seed=47, count=30):
        truth = _intruder(values, lines, signs, hidden, bounds)
        tolerance = tolerance_of(values)
        exact = audit(values, lines, signs, hidden, needs, bounds=bounds, exact_intervals=True)
        for cell, (low, high) in truth.items():
            found = exact.intervals[cell]
            assert abs(found[0] - low) <= 1e-6 * max(1.0, abs(low)), (cell, found, (low, high))
            assert (found[1] == high == float("inf")) or abs(found[1] - high) <= 1e-6 * max(1.0, abs(high))
        fast = audit(values, lines, signs, hidden, needs, bounds=bounds)
        short = sorted(
            cell
            for cell, need in needs.items()
            if truth[cell][1] < values[cell] + need.upper - tolerance
            or truth[cell][0] > values[cell] - need.lower + tolerance
        )
        assert fast.short == short
        pinned = sorted(cell for cell, (low, high) in truth.items() if high - low <= tolerance)
        assert fast.exact == pinned
        seen_short += bool(short)
        seen_pass += fast.passed
    assert seen_short and seen_pass  # both verdicts were exercised
