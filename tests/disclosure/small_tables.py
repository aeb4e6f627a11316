"""Small two-way tables written out by hand for the disclosure engine's tests, with their lines."""

from __future__ import annotations


def three_by_three(interior: list[list[float]]):
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
