"""The structure of a table: which cells add up to which totals.

A *line* is the set of cells that differ only in one category column, together with that
column's *margin* (the cell labelled Total there). A line whose margin is in the table is
additive: its members add up to its margin. In a column with a declared hierarchy the lines
follow it: the parts of each label add up to that label's cell.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter

from governance.disclosure.tables import MAX_HIERARCHY_DEPTH, Table, is_total_label


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
    is_total: list[bool]  # a Total label, or a label with parts declared in its column's hierarchy
    lines: list[Line]  # only lines whose margin is in the table and that have members
    lines_of: list[list[int]]  # for each cell, the lines it belongs to (as member or margin)
    parents: list[dict[str, str]] = field(default_factory=list)  # each column's declared hierarchy


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


def _ancestor(parents: dict[str, str], label: str, present: dict) -> str | None:
    """The nearest ancestor of a label present in a line (None: the column's Total)."""
    up = parents.get(label)
    for _ in range(MAX_HIERARCHY_DEPTH + 1):
        if up is None or up in present:
            return up
        up = parents.get(up)
    return None


def layout_of(table: Table) -> Layout:
    """Group cells into lines along every category column; lines are numbered in table order.

    In a flat column, the line of cells equal in every other column adds up to its Total. In a
    column with a declared hierarchy, each label present adds up, with its siblings, to its
    nearest ancestor present (its parent, or further up when the parent is not in the table).
    """
    keys = normal_keys(table)
    width = len(keys[0]) if keys else 0
    parents = [table.parents(column) for column in range(width)]
    groups: dict[tuple, dict[str | None, int]] = {}
    for index, key in enumerate(keys):
        for column in range(len(key)):
            groups.setdefault((column, key[:column] + key[column + 1 :]), {})[key[column]] = index
    lines = []
    for (column, _others), present in groups.items():
        if not parents[column]:
            members = [index for label, index in present.items() if label is not None]
            if None in present and members:
                lines.append(Line(column, members, present[None]))
            continue
        by_ancestor: dict[str | None, list[int]] = {}
        for label, index in present.items():
            if label is not None:
                by_ancestor.setdefault(_ancestor(parents[column], label, present), []).append(index)
        for ancestor, members in by_ancestor.items():
            if ancestor in present:
                lines.append(Line(column, members, present[ancestor]))
    lines_of: list[list[int]] = [[] for _ in keys]
    for number, line in enumerate(lines):
        lines_of[line.margin].append(number)
        for member in line.members:
            lines_of[member].append(number)
    has_parts = [set(column.values()) for column in parents]
    is_total = [any(label is None or label in has_parts[j] for j, label in enumerate(key)) for key in keys]
    return Layout(keys, is_total, lines, lines_of, parents)


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
    if any(layout.parents):
        return _beneath_in_hierarchies(layout)
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


def _beneath_in_hierarchies(layout: Layout) -> dict[int, list[int]]:
    """``beneath`` when some column has a hierarchy: each interior cell is under every cell whose
    label in each column is its own, one of its ancestors, or Total."""
    where = {key: index for index, key in enumerate(layout.keys)}
    found: dict[int, list[int]] = {}
    for index, key in enumerate(layout.keys):
        if layout.is_total[index]:
            continue
        options = []
        for column, label in enumerate(key):
            chain: list[str | None] = [label]
            up = layout.parents[column].get(label) if label is not None and layout.parents[column] else None
            for _ in range(MAX_HIERARCHY_DEPTH):
                if up is None:
                    break
                chain.append(up)
                up = layout.parents[column].get(up)
            chain.append(None)
            options.append(chain)
        for above in itertools.product(*options):
            margin = where.get(above)
            if margin is not None and margin != index:
                found.setdefault(margin, []).append(index)
    return found


def equations(layout: Layout) -> tuple[list[list[int]], list[list[int]]]:
    """Each additive line as cells and coefficients (members +1, the margin -1) whose signed sum is zero."""
    cells = [[*line.members, line.margin] for line in layout.lines]
    signs = [[1] * len(line.members) + [-1] for line in layout.lines]
    return cells, signs
