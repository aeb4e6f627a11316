"""An intruder's audit written apart from the engine, for the tests to judge it by.

It reads only the raw table and what the check says is published, finds the additive lines
from the labels itself, and solves every hidden cell's interval exactly with HiGHS (two linear
programs per cell, nothing reused between them). It also works out which cells are unsafe and
how much protection they need from the handbook formulas, written out again here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

import highspy
import numpy as np

TOTAL = "Total"


def lines_of(keys: list[tuple[str, ...]]) -> list[tuple[list[int], int]]:
    """(members, margin) for every line whose margin is present: cells equal but in one column."""
    where = {key: index for index, key in enumerate(keys)}
    found = []
    for index, key in enumerate(keys):
        for column, label in enumerate(key):
            if label != TOTAL:
                continue
            members = [
                where[other]
                for other in where
                if other[column] != TOTAL and all(other[j] == key[j] for j in range(len(key)) if j != column)
            ]
            if members:
                found.append((members, index))
    return found


def intervals(
    values: list[float],
    keys: list[tuple[str, ...]],
    hidden: list[bool],
    fixed: dict[int, float | tuple[float, float]] | None = None,
) -> dict[int, tuple[float, float]]:
    """The exact [min, max] of every hidden cell given the published ones, the lines and x >= 0.

    ``fixed`` holds what an insider knows of a cell: its value, or (lower, upper) bounds.
    """
    return intervals_over(values, lines_of(keys), hidden, fixed)


def intervals_over(
    values: list[float],
    lines: list[tuple[list[int], int]],
    hidden: list[bool],
    fixed: dict[int, float | tuple[float, float]] | None = None,
) -> dict[int, tuple[float, float]]:
    """``intervals`` for lines given as (members, margin), such as lines across tables."""
    fixed = fixed or {}
    unknown = [i for i, h in enumerate(hidden) if h]
    column = {cell: j for j, cell in enumerate(unknown)}
    rows, rhs = [], []
    for members, margin in lines:
        row = np.zeros(len(unknown))
        total = 0.0
        for cell, sign in [*((m, 1.0) for m in members), (margin, -1.0)]:
            if hidden[cell]:
                row[column[cell]] += sign
            else:
                total -= sign * values[cell]
        if row.any():
            rows.append(row)
            rhs.append(total)
    result = {}
    for cell in unknown:
        ends = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            lower = np.zeros(len(unknown))
            upper = np.full(len(unknown), highspy.kHighsInf)
            for other, value in fixed.items():
                if other in column:
                    low, high = value if isinstance(value, tuple) else (value, value)
                    lower[column[other]] = max(0.0, low)
                    upper[column[other]] = high if high < math.inf else highspy.kHighsInf
            cost = np.zeros(len(unknown))
            cost[column[cell]] = 1.0
            h.addVars(len(unknown), lower, upper)
            h.changeColsCost(len(unknown), np.arange(len(unknown), dtype=np.int32), cost)
            for row, b in zip(rows, rhs, strict=True):
                nz = np.nonzero(row)[0].astype(np.int32)
                h.addRow(b, b, len(nz), nz, row[nz])
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                ends.append(math.inf)
            else:
                assert status == highspy.HighsModelStatus.kOptimal, status
                ends.append(h.getInfo().objective_function_value)
        result[cell] = (ends[0], ends[1])
    return result


@dataclass
class Need:
    lower: float
    upper: float


def contributors_of(cells, keys) -> list[tuple[Decimal, ...]]:
    """Own list, or for a total without one, the lists of the interior cells beneath it (zero cells have none)."""
    lists = [tuple(c.contributors) for c in cells]
    for index, key in enumerate(keys):
        if TOTAL in key and not lists[index]:
            beneath = [
                j
                for j, other in enumerate(keys)
                if TOTAL not in other
                and all(k in (TOTAL, o) for k, o in zip(key, other, strict=True))
                and cells[j].value != 0
            ]
            if beneath and all(cells[j].contributors for j in beneath):
                lists[index] = tuple(v for j in beneath for v in cells[j].contributors)
    return lists


def needs_of(table, rules) -> tuple[dict[int, Need], dict[int, tuple[float, float]]]:
    """Primary cells of a full extract with their protection (Hundepool ch. 4), and what insiders know.

    A sole contributor knows its cell; the n largest contributors of any other unsafe cell know
    their own contributions, so only that the cell is at least their sum.
    """
    keys = [tuple(TOTAL if label.lower() in ("total", "all") else label for label in c.key) for c in table.cells]
    needs: dict[int, Need] = {}
    known: dict[int, tuple[float, float]] = {}
    if table.kind == "frequency":
        for i, c in enumerate(table.cells):
            if 0 < c.value < rules.threshold:
                needs[i] = Need(0.0, float(rules.threshold - c.value))
        return needs, known
    lists = contributors_of(table.cells, keys)
    p, n, k = float(rules.p_percent), rules.nk_n, float(rules.nk_k)
    coalition = getattr(rules, "p_coalition", 1)
    for i, c in enumerate(table.cells):
        x = [float(v) for v in sorted(lists[i], reverse=True)]
        total = float(c.value)
        if not x or total == 0:
            continue
        x1, pooled = x[0], sum(x[1 : 1 + coalition])  # the coalition: the next largest, pooling what they know
        amounts = []
        if total - x1 - pooled < p / 100 * x1:
            amounts.append(p / 100 * x1 - (total - x1 - pooled))
        dominant = sum(x[:n]) > k / 100 * total
        if dominant:
            amounts.append(100 / k * sum(x[:n]) - total)
        if len(x) < rules.min_contributors:
            amounts.append(p / 100 * total)
        if amounts:
            upper = max(amounts)
            needs[i] = Need(min(upper, total), upper)
        if len(x) == 1:
            known[i] = (total, total)
        elif amounts:
            known[i] = (min(sum(x[:n]), total), math.inf)
    return needs, known


def overlapping(one: tuple[str, ...], other: tuple[str, ...], empty: set[tuple[str, ...]]) -> bool:
    """Whether two cells may hold the same contributors: they overlap, and not only in a cell that is 0."""
    if any(a != b and TOTAL not in (a, b) for a, b in zip(one, other, strict=True)):
        return False
    return tuple(b if a == TOTAL else a for a, b in zip(one, other, strict=True)) not in empty


def all_margins(interior: dict[tuple[str, ...], Decimal], dims: int) -> dict[tuple[str, ...], Decimal]:
    """The interior plus every total at every level (each subset of columns replaced by Total)."""
    cells = dict(interior)
    for chosen in itertools.chain.from_iterable(itertools.combinations(range(dims), r) for r in range(1, dims + 1)):
        for key, value in interior.items():
            total_key = tuple(TOTAL if j in chosen else label for j, label in enumerate(key))
            cells[total_key] = cells.get(total_key, Decimal(0)) + value
    return cells
