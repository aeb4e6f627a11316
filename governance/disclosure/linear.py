"""Which hidden cells can still be worked out exactly from what a table publishes.

Every additive line of a table is an equation: its cells add up to its total. With some
cells hidden, the published cells turn each line into an equation in the hidden ones. A
hidden cell is given away when those equations fix its value, even if no single line does
(two rows added and two columns subtracted can isolate a cell that every line hides with
others). That is exactly when the cell's unit vector lies in the row space of the
equations, which reduced row echelon form shows directly: a row with a single entry.

The arithmetic is modulo a large prime: the coefficients are 0 and ±1, so ranks match the
rational ones except in cases of negligible probability, and numbers never grow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_PRIME = (1 << 61) - 1


def determined(equations: Iterable[dict[int, int]]) -> list[int]:
    """The unknowns whose values the equations fix, in ascending order.

    Each equation maps an unknown (a cell index) to its coefficient; the right-hand sides
    (the published numbers) do not matter for whether a value is fixed.
    """
    pivots: dict[int, dict[int, int]] = {}
    for equation in equations:
        row = {var: coef % _PRIME for var, coef in equation.items() if coef % _PRIME}
        for var in [v for v in row if v in pivots]:  # pivot rows hold no other pivot, so one pass is enough
            factor = row.get(var)
            if factor:
                _subtract(row, pivots[var], factor)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {var: coef * inverse % _PRIME for var, coef in row.items()}
        for other in pivots.values():
            factor = other.get(pivot)
            if factor:
                _subtract(other, row, factor)
        pivots[pivot] = row
    return sorted(var for var, row in pivots.items() if len(row) == 1)


def _subtract(row: dict[int, int], pivot_row: dict[int, int], factor: int) -> None:
    """row -= factor * pivot_row (in place), dropping terms that cancel."""
    for var, coef in pivot_row.items():
        value = (row.get(var, 0) - factor * coef) % _PRIME
        if value:
            row[var] = value
        else:
            row.pop(var, None)


def line_equations(lines: Sequence, hidden: Sequence[bool]) -> list[dict[int, int]]:
    """One equation per additive line with a hidden cell: hidden members count +1, a hidden margin -1."""
    equations = []
    for line in lines:
        equation = {member: 1 for member in line.members if hidden[member]}
        if hidden[line.margin]:
            equation[line.margin] = -1
        if equation:
            equations.append(equation)
    return equations
