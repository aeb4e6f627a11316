"""The structure of a table: which cells add up to which totals.

A *line* is the set of cells that differ only in one category column, together with that
column's *margin* (the cell labelled Total there). A line whose margin is in the table is
additive: its members add up to its margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from governance.disclosure.tables import Table, is_total_label


@dataclass
class Line:
    """Cells differing only in one category column, and the margin cell that sums them."""

    column: int
    members: list[int]
    margin: int = -1


@dataclass
class Layout:
    """The line index, built once per check so secondary suppression never rescans the table."""

    keys: list[tuple[str | None, ...]]  # labels, with None for every total label
    is_total: list[bool]
    lines: list[Line]  # only lines whose margin is in the table and that have members
    lines_of: list[list[int]]  # for each cell, the lines it belongs to (as member or margin)


def normal_keys(table: Table) -> list[tuple[str | None, ...]]:
    known: dict[str, bool] = {}
    keys = []
    for cell in table.cells:
        key = []
        for label in cell.key:
            total = known.get(label)
            if total is None:
                total = known[label] = is_total_label(label)
            key.append(None if total else label)
        keys.append(tuple(key))
    return keys


def layout_of(table: Table) -> Layout:
    """Group cells into lines along every category column; lines are numbered in table order."""
    keys = normal_keys(table)
    groups: dict[tuple, Line] = {}
    for index, key in enumerate(keys):
        for column in range(len(key)):
            identity = (column, key[:column] + key[column + 1 :])
            line = groups.get(identity)
            if line is None:
                line = groups[identity] = Line(column, [])
            if key[column] is None:
                line.margin = index
            else:
                line.members.append(index)
    lines = [line for line in groups.values() if line.margin >= 0 and line.members]
    lines_of: list[list[int]] = [[] for _ in keys]
    for number, line in enumerate(lines):
        lines_of[line.margin].append(number)
        for member in line.members:
            lines_of[member].append(number)
    return Layout(keys, [None in key for key in keys], lines, lines_of)


def projection(columns: list[int]) -> Callable[[tuple], tuple]:
    if not columns:
        return lambda key: ()
    getter = itemgetter(*columns)
    if len(columns) == 1:
        return lambda key: (getter(key),)
    return getter


def beneath(layout: Layout) -> dict[int, list[int]]:
    """For each total cell, the interior (non-total) cells it adds up, found by matching labels.

    Totals are grouped by which columns they total over, so each group costs one pass over the interior.
    """
    width = len(layout.keys[0]) if layout.keys else 0
    patterns: dict[tuple[int, ...], list[int]] = {}
    for index, key in enumerate(layout.keys):
        if layout.is_total[index]:
            patterns.setdefault(tuple(j for j in range(width) if key[j] is None), []).append(index)
    interior = [index for index, total in enumerate(layout.is_total) if not total]
    found: dict[int, list[int]] = {}
    for pattern, totals in patterns.items():
        project = projection([j for j in range(width) if j not in pattern])
        by_labels = {project(layout.keys[index]): index for index in totals}
        for index in interior:
            margin = by_labels.get(project(layout.keys[index]))
            if margin is not None:
                found.setdefault(margin, []).append(index)
    return found


def equations(layout: Layout) -> tuple[list[list[int]], list[list[int]]]:
    """Each additive line as cells and coefficients (members +1, the margin -1) whose signed sum is zero."""
    cells = [[*line.members, line.margin] for line in layout.lines]
    signs = [[1] * len(line.members) + [-1] for line in layout.lines]
    return cells, signs
