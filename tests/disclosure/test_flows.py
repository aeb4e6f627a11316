"""The audit's path search (``flows.Network``) against its linear program, on random two-way tables.

A path is a witness the audit takes instead of solving a program: every change it gives must keep
each line adding up, leave no cell below zero, keep an insider's cell within what it knows, and
move the cell asked about by the whole amount; and the program, asked the same question, must
agree that such a change exists. So the search never claims protection the program denies. Paths added
up (a max flow) are held to the same; when the search's cut says no change can move the cell that
far, the program must find none either.
The audit's findings must be the same with the search and without it.
"""

from __future__ import annotations

import itertools
import random

import pytest

from governance.disclosure import intervals
from governance.disclosure.flows import Network
from governance.disclosure.intervals import Knowledge, Requirement, _components, _Deviations, audit, tolerance_of
from tests.releases import intruder

pytestmark = pytest.mark.no_database

TOTAL = intruder.TOTAL


def _table(rng: random.Random, ways: int = 2) -> tuple[list[float], list[list[int]], list[list[int]]]:
    """A table with every margin: small whole values, some zeros; its lines and their signs."""
    sizes = [rng.randint(2, 7) for _ in range(ways)]
    labels = [[f"c{j}{i}" for i in range(size)] + [TOTAL] for j, size in enumerate(sizes)]
    keys = [tuple(key) for key in itertools.product(*labels)]
    interior = {key: float(rng.choice([0, rng.randint(1, 9), rng.randint(10, 80)])) for key in keys if TOTAL not in key}
    values = [
        sum(v for inner, v in interior.items() if all(label in (TOTAL, inner[j]) for j, label in enumerate(key)))
        for key in keys
    ]
    found = intruder.lines_of(keys)
    lines = [[*members, margin] for members, margin in found]
    signs = [[1] * len(members) + [-1] for members, _ in found]
    return values, lines, signs


def _holds(shifts, cells, lines, signs, values, known) -> bool:
    change = {cells[edge]: shift for edge, shift in shifts}
    for line, line_signs in zip(lines, signs, strict=True):
        if sum(sign * change.get(cell, 0.0) for cell, sign in zip(line, line_signs, strict=True)) != 0.0:
            return False
    if any(values[cell] + shift < 0 for cell, shift in change.items()):
        return False
    if known is not None:
        k, low, high = known
        shift = change.get(cells[k], 0.0)
        return low <= shift <= high
    return True


def test_a_path_is_a_change_the_program_also_finds():
    rng = random.Random(20261206)
    asked = {"paths": 0, "several": 0, "none": 0, "cut": 0}
    for _round in range(40):
        values, lines, signs = _table(rng)
        hidden = [rng.random() < 0.45 for _ in values]
        tolerance = tolerance_of(values)
        for cells, line_numbers in _components(len(values), lines, hidden):
            if not line_numbers:
                continue
            network = Network.of(cells, line_numbers, lines, signs, hidden, values)
            assert network is not None  # every hidden cell of a two-way table lies on two lines
            program = _Deviations(cells, line_numbers, lines, signs, values, hidden, tolerance)
            program.network = None  # the linear program alone
            for edge, cell in enumerate(cells):
                for direction in (1, -1):
                    amount = rng.choice([1.0, 0.5 * values[cell], values[cell], 30.0])
                    if amount <= 0 or (direction < 0 and amount > values[cell]):
                        continue
                    known = None
                    if len(cells) > 2 and rng.random() < 0.4:
                        k = rng.choice([j for j in range(len(cells)) if j != edge])
                        known = (k, -rng.choice([0.0, values[cells[k]]]), rng.choice([0.0, 5.0, intervals.INFINITY]))
                    shifts, reach = network.change(edge, direction, amount, known)
                    if shifts is None:
                        asked["none"] += 1
                        if reach < amount - 1e-6 * max(1.0, amount):  # as ``_Deviations.find`` takes it
                            asked["cut"] += 1
                            assert not program.find(cell, direction, amount, known), (cell, direction, amount, known)
                        continue
                    asked["paths"] += 1
                    asked["several"] += any(abs(shift) != amount for _edge, shift in shifts)  # paths added up
                    assert dict(shifts)[edge] == direction * amount
                    assert _holds(shifts, cells, lines, signs, values, known)
                    assert program.find(cell, direction, amount, known), (cell, direction, amount, known)
    assert asked["paths"] > 200 and asked["several"] > 5 and asked["cut"] > 20, asked  # every answer exercised


def test_no_network_beyond_two_way_tables():
    values, lines, signs = _table(random.Random(7), ways=3)
    hidden = [True] * len(values)
    (cells, line_numbers), *_ = _components(len(values), lines, hidden)
    assert Network.of(cells, line_numbers, lines, signs, hidden, values) is None


def test_the_audit_finds_the_same_with_paths_and_without(monkeypatch):
    rng = random.Random(31)
    reports = []
    for _round in range(25):
        values, lines, signs = _table(rng)
        hidden = [rng.random() < 0.7 for _ in values]
        needs = {
            i: Requirement(rng.uniform(0.05, 0.5) * values[i], rng.uniform(0.05, 0.5) * values[i])
            for i in range(len(values))
            if hidden[i] and values[i] > 0 and rng.random() < 0.6
        }
        insiders = {i: Knowledge(values[i], values[i]) for i in needs if rng.random() < 0.5}
        reports.append((values, lines, signs, hidden, needs, insiders))
    with_paths = [audit(*case) for case in reports]
    monkeypatch.setattr(intervals.Network, "of", classmethod(lambda cls, *args: None))
    without = [audit(*case) for case in reports]
    for a, b in zip(with_paths, without, strict=True):
        assert (a.short, a.exact, a.insider_short) == (b.short, b.exact, b.insider_short)
    assert sum(report.paths for report in with_paths) > 50  # the paths answered questions
    assert any(report.short or report.insider_short for report in without)
    assert any(report.passed for report in with_paths)
