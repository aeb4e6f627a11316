"""The intruder's audit: for each hidden cell, the interval a reader can derive by linear programming.

The reader knows every published cell, every published total at every level, that each line
adds up, and that no cell is negative. For each hidden cell two linear programs (minimise it,
maximise it) give the tightest interval those facts allow. A primary cell passes only if that
interval reaches its required protection; any hidden cell whose interval has no width is
published in effect. Insiders are audited too: a contributor alone in a cell knows its value
(and the top contributors of a dominant cell know at least their share), so the audit is
repeated with that knowledge and must still protect every other primary cell.

The solver is HiGHS through ``highspy``: it is small (no scipy stack), and one model per
group of linked hidden cells is solved again and again with only the objective changed,
which HiGHS warm-starts from the last basis; that is what keeps a 10,000-cell table under a
few seconds. Hidden cells are split into groups that share no line (a hidden cell can only be
narrowed through lines holding other hidden cells), and a solution found for one cell also
shows how far every other cell of its group can move, so many programs are never solved.
On a two-way table the lines of a group make a network (``flows.Network``): a path through it
answers most questions with a change checked line by line, and the cut around a failed search
or paths added up (a max flow) most of the rest, before any program (50,000 cells: 35 CPU seconds of programs became 4).

This module knows nothing of the rules or of how the pattern was chosen: it is the
independent verifier, given only values, lines, the hidden cells and the requirements.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from governance.disclosure.flows import Network
from governance.disclosure.solver import solve

INFINITY = math.inf


@dataclass(frozen=True)
class Requirement:
    """Protection a primary cell needs: its interval must reach value - lower and value + upper."""

    lower: float
    upper: float


@dataclass(frozen=True)
class Knowledge:
    """What an insider knows of its own cell: bounds on its value (equal bounds: the exact value).

    ``related`` holds the cells that may hold some of the insider's own contributions (its
    margins, the cells beneath it, any cell overlapping it): the insider may be one of their
    contributors, and what a contributor may learn of a cell it is in is bounded by that cell's
    own protection level (the p% rule and its coalition), so the insider audit leaves them out.
    """

    lower: float
    upper: float
    related: frozenset[int] = frozenset()


@dataclass
class AuditReport:
    """The audit's findings, cell indices in ascending order."""

    hidden: int = 0
    intervals: dict[int, tuple[float, float]] = field(default_factory=dict)
    exact: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    insider_short: list[tuple[int, int]] = field(default_factory=list)
    insiders: int = 0
    programs: int = 0
    paths: int = 0  # of the programs, questions a path answered (``flows.Network``) before any solver ran
    # Every change found (cell numbers, and how far each moves): a later audit of the same table
    # with more cells hidden may check them again and start from them (see ``audit``'s ``earlier``).
    changes: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    reused: int = 0

    @property
    def passed(self) -> bool:
        return not (self.exact or self.short or self.insider_short)


def _components(n: int, lines: Sequence[Sequence[int]], hidden: Sequence[bool]) -> list[tuple[list[int], list[int]]]:
    """Groups of hidden cells linked through lines, each with the numbers of the lines that hold them."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    touching = []
    for number, line in enumerate(lines):
        cells = [i for i in line if hidden[i]]
        if not cells:
            continue
        touching.append(number)
        root = find(cells[0])
        for other in cells[1:]:
            r = find(other)
            if r != root:
                parent[r] = root
    groups: dict[int, list[int]] = {}
    for i in range(n):
        if hidden[i]:
            groups.setdefault(find(i), []).append(i)
    line_groups: dict[int, list[int]] = {}
    for number in touching:
        first = next(i for i in lines[number] if hidden[i])
        line_groups.setdefault(find(first), []).append(number)
    return [(cells, line_groups.get(root, [])) for root, cells in groups.items()]


class _Pool:
    """Solutions found so far, one row each, in an array that grows by doubling.

    Every question about "a solution already seen" reads all of them at once; stacking a
    list of rows again after each new solution cost more than the solver at 10,000 cells.
    Each column's greatest and least value, and the row holding it, are kept as rows are
    added, so a question that leaves out a few rows need only look again at the columns
    whose extreme was in one of them.
    """

    def __init__(self, width: int):
        self._rows = np.empty((8, width))
        self._count = 0
        self.high = np.full(width, -INFINITY)
        self.high_row = np.zeros(width, dtype=np.int64)
        self.low = np.full(width, INFINITY)
        self.low_row = np.zeros(width, dtype=np.int64)

    def __bool__(self) -> bool:
        return self._count > 0

    def append(self, row: np.ndarray) -> None:
        if self._count == self._rows.shape[0]:
            grown = np.empty((2 * self._rows.shape[0], self._rows.shape[1]))
            grown[: self._count] = self._rows
            self._rows = grown
        self._rows[self._count] = row
        higher, lower = row > self.high, row < self.low
        self.high[higher], self.high_row[higher] = row[higher], self._count
        self.low[lower], self.low_row[lower] = row[lower], self._count
        self._count += 1

    @property
    def matrix(self) -> np.ndarray:
        return self._rows[: self._count]

    def extremes(self, keep: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The greatest and least value of each of ``columns`` over the rows where ``keep`` holds.

        The same as ``matrix[keep][:, columns].max(axis=0)`` (and ``min``), without copying the
        kept rows: only the columns whose extreme lies in a left-out row are read again.
        """
        high, low = self.high[columns].copy(), self.low[columns].copy()
        if keep.all():
            return high, low
        kept = np.flatnonzero(keep)
        for extreme, rows, reduce in ((high, self.high_row, np.max), (low, self.low_row, np.min)):
            stale = ~keep[rows[columns]]
            if stale.any():
                again = columns[stale]
                extreme[stale] = reduce(self.matrix[np.ix_(kept, again)], axis=0)
        return high, low


class _Group:
    """One LP over a group's hidden cells; solved repeatedly with a changed objective."""

    def __init__(self, cells, line_numbers, lines, signs, values, hidden):
        self.cells = cells
        self.position = {cell: j for j, cell in enumerate(cells)}
        self.own_values = [float(values[cell]) for cell in cells]
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.programs = 0
        lp = highspy.HighsLp()
        lp.num_col_ = len(cells)
        lp.num_row_ = len(line_numbers)
        lp.col_cost_ = np.zeros(len(cells))
        lp.col_lower_ = np.zeros(len(cells))
        lp.col_upper_ = np.full(len(cells), highspy.kHighsInf)
        rhs = np.zeros(len(line_numbers))
        columns: list[list[tuple[int, float]]] = [[] for _ in cells]
        for row, number in enumerate(line_numbers):
            total = 0.0
            for cell, sign in zip(lines[number], signs[number], strict=True):
                if hidden[cell]:
                    columns[self.position[cell]].append((row, float(sign)))
                else:
                    total -= sign * values[cell]
            rhs[row] = total
        lp.row_lower_ = rhs
        lp.row_upper_ = rhs.copy()
        starts, indices, coefficients = [0], [], []
        for column in columns:
            for row, coefficient in column:
                indices.append(row)
                coefficients.append(coefficient)
            starts.append(len(indices))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(coefficients, dtype=float)
        self.highs.passModel(lp)
        self.objective: int | None = None
        self.bounds: tuple[int, float, float] | None = None  # an insider's cell, fixed for now
        # Every solution found is a table an intruder cannot rule out; kept as rows to settle later questions.
        self.pool = _Pool(len(cells))

    def set_bounds(self, cell: int, lower: float, upper: float) -> None:
        j = self.position[cell]
        self.highs.changeColBounds(j, lower, upper if upper < INFINITY else highspy.kHighsInf)
        self.bounds = None if (lower == 0.0 and upper == INFINITY) else (j, lower, upper)

    def extreme(self, cell: int, maximise: bool) -> float:
        """The least or greatest value the cell can take (within the insider's bounds, if set)."""
        j = self.position[cell]
        if self.objective != j:
            if self.objective is not None:
                self.highs.changeColCost(self.objective, 0.0)
            self.highs.changeColCost(j, 1.0)
            self.objective = j
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        status = solve(self.highs)
        self.programs += 1
        if status == highspy.HighsModelStatus.kUnbounded:
            return INFINITY if maximise else -INFINITY
        if status != highspy.HighsModelStatus.kOptimal:
            # No verdict even from a cold start: assume the worst, that the intruder can pin the
            # cell at its own value, so a table is never published on a guess.
            return self.own_values[j]
        solution = np.array(self.highs.getSolution().col_value)
        self.pool.append(solution)
        return float(solution[j])

    def _seen(self, j: int, maximise: bool, tolerance: float) -> float:
        """The furthest value of column j among the pooled solutions that respect the insider's bounds."""
        if not self.pool:
            return -INFINITY if maximise else INFINITY
        matrix = self.pool.matrix
        column = matrix[:, j]
        if self.bounds is not None:
            k, lower, upper = self.bounds
            known = matrix[:, k]
            column = column[(known >= lower - tolerance) & (known <= upper + tolerance)]
            if column.size == 0:
                return -INFINITY if maximise else INFINITY
        return float(column.max() if maximise else column.min())

    def low(self, cell: int, target: float | None = None, tolerance: float = 0.0) -> float:
        """The least value, or a seen value already at or below ``target`` (enough to decide)."""
        if target is not None:
            seen = self._seen(self.position[cell], False, tolerance)
            if seen <= target:
                return seen
        return self.extreme(cell, maximise=False)

    def high(self, cell: int, target: float | None = None, tolerance: float = 0.0) -> float:
        if target is not None:
            seen = self._seen(self.position[cell], True, tolerance)
            if seen >= target:
                return seen
        return self.extreme(cell, maximise=True)


class _Deviations:
    """Small changes an intruder cannot rule out: the fewest-moves change that shifts one cell far enough.

    A change to the hidden cells is ``up - down`` (both non-negative, ``down`` at most the
    cell's value, so no cell goes negative) that keeps every line adding up. Asking for the
    smallest total change that moves a cell by its protection gives a sparse change (in a
    two-way table, a rectangle): it leaves most other cells where they are, so it also answers
    the insiders' question for every insider it does not touch, without solving again.
    """

    def __init__(self, cells, line_numbers, lines, signs, values, hidden, tolerance: float):
        m = len(cells)
        self.tolerance = tolerance
        self.cells = cells
        self.found: list[tuple[np.ndarray, np.ndarray]] = []
        self.m = m
        self.position = {cell: j for j, cell in enumerate(cells)}
        self.values = np.array([values[cell] for cell in cells], dtype=float)
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.programs = 0
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = 2 * m
        lp.num_row_ = len(line_numbers)
        lp.col_cost_ = np.ones(2 * m)
        lp.col_lower_ = np.zeros(2 * m)
        self.upper = np.concatenate([np.full(m, inf), self.values])
        lp.col_upper_ = self.upper.copy()
        lp.row_lower_ = np.zeros(len(line_numbers))
        lp.row_upper_ = np.zeros(len(line_numbers))
        columns: list[list[tuple[int, float]]] = [[] for _ in range(2 * m)]
        for row, number in enumerate(line_numbers):
            for cell, sign in zip(lines[number], signs[number], strict=True):
                if hidden[cell]:
                    j = self.position[cell]
                    columns[j].append((row, float(sign)))
                    columns[m + j].append((row, -float(sign)))
        starts, indices, coefficients = [0], [], []
        for column in columns:
            for row, coefficient in column:
                indices.append(row)
                coefficients.append(coefficient)
            starts.append(len(indices))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(coefficients, dtype=float)
        self.highs.passModel(lp)
        self.pool = _Pool(m)
        # On a two-way table the lines make a network, and a path answers most questions before any program.
        self.network = Network.of(cells, line_numbers, lines, signs, hidden, values)
        self.paths = 0

    def _pool_change(self, change: np.ndarray) -> None:
        """Pool a change found, and the same change stretched as far as it goes either way.

        The lines are linear, so any multiple of a change keeps them adding up; only the cells
        it lowers limit it (no cell goes below zero). A rectangle found to move one cell by its
        protection, stretched until a corner reaches zero, usually moves all four corners by
        theirs too, and so answers their questions without another program. The change as
        found is kept besides: an insider's knowledge may rule out the stretched one only.
        """
        change = np.where(np.abs(change) > self.tolerance, change, 0.0)
        moved = np.flatnonzero(change)
        self.found.append((np.asarray(self.cells)[moved], change[moved]))
        self.pool.append(change)
        for direction in (1.0, -1.0):  # the change reversed is one too, as far as the cells it raises allow
            stretched = direction * change
            falling = stretched < 0
            if not falling.any():
                # Nothing limits it: every cell it raises can rise without end.
                self.pool.append(np.where(stretched > 0, INFINITY, 0.0))
                continue
            factor = float(np.min(self.values[falling] / -stretched[falling]))
            if factor > (1.0 + 1e-9 if direction > 0 else 1e-9):
                self.pool.append(stretched * factor)

    def adopt(self, moved: np.ndarray, amounts: np.ndarray, lines, lines_of) -> bool:
        """Pool a change found by an earlier audit, once checked against this table: True if it holds.

        It holds if every cell it moves is hidden here, in this group, and stays at zero or
        above, and every line through those cells still adds up. Nothing else is taken on trust.
        """
        position = self.position
        if any(int(cell) not in position for cell in moved):
            return False
        columns = np.array([position[int(cell)] for cell in moved], dtype=np.int64)
        if np.any(self.values[columns] + amounts < -self.tolerance):
            return False
        # Each line's residual: its moved cells' signed shifts, added in the line's own order (the
        # cells it does not move add nothing), so a line with a hundred cells costs what it moves.
        terms: dict[int, list[tuple[int, float]]] = {}
        for cell, amount in zip(map(int, moved), amounts, strict=True):
            for number, place, sign in lines_of[cell]:
                terms.setdefault(number, []).append((place, sign * amount))
        for number, shifts in terms.items():
            shifts.sort()
            residual = sum(shift for _place, shift in shifts)
            if abs(residual) > self.tolerance * len(lines[number]):
                return False
        change = np.zeros(self.m)
        change[columns] = amounts
        self._pool_change(change)
        return True

    def seen(self, cell: int, direction: int, amount: float, tolerance: float, known=None) -> bool:
        """Whether a change already found moves ``cell`` by ``amount`` (respecting an insider's knowledge)."""
        if not self.pool:
            return False
        matrix = self.pool.matrix
        moved = matrix[:, self.position[cell]] * direction >= amount - tolerance
        if known is not None:
            k, low, high = known
            shift = matrix[:, k]
            moved &= (shift >= low - tolerance) & (shift <= high + tolerance)
        return bool(moved.any())

    def find(self, cell: int, direction: int, amount: float, known=None) -> bool:
        """Solve for a change moving ``cell`` by ``amount`` up (+1) or down (-1); pool it if there is one."""
        j, m, inf = self.position[cell], self.m, highspy.kHighsInf
        changed = []

        def bound(column: int, lower: float, upper: float) -> None:
            self.highs.changeColBounds(column, lower, upper)
            changed.append(column)

        if direction < 0 and amount > self.values[j] + 1e-9 * max(1.0, self.values[j]):
            return False
        if self.network is not None:
            shifts, reach = self.network.change(j, direction, amount, known)
            if shifts is not None or reach < amount - 1e-6 * max(1.0, amount):
                # A question answered counts as one program whichever way, so work limits keep their meaning.
                self.programs += 1
                self.paths += 1
                if shifts is None:
                    return False  # the cut around the lines reached holds the cell short: no change exists
                change = np.zeros(m)
                for edge, shift in shifts:
                    change[edge] = shift
                self._pool_change(change)
                return True
        if direction > 0:
            bound(j, amount, inf)
            bound(m + j, 0.0, 0.0)
        else:
            bound(j, 0.0, 0.0)
            bound(m + j, amount, float(self.values[j]))
        if known is not None:
            k, low, high = known  # the insider's cell may shift only within [low, high]
            bound(k, 0.0, max(0.0, high) if high < INFINITY else inf)
            bound(m + k, 0.0, max(0.0, min(-low, float(self.values[k]))))
        found = solve(self.highs) == highspy.HighsModelStatus.kOptimal
        self.programs += 1
        if found:
            solution = np.array(self.highs.getSolution().col_value)
            self._pool_change(solution[:m] - solution[m:])
        for column in changed:
            self.highs.changeColBounds(column, 0.0, float(self.upper[column]))
        return found

    def reaches(self, cell: int, direction: int, amount: float, tolerance: float, known=None) -> bool:
        if amount <= 0:
            return True
        return self.seen(cell, direction, amount, tolerance, known) or self.find(cell, direction, amount, known)

    def open_questions(
        self, columns: np.ndarray, up_needed: np.ndarray, down_needed: np.ndarray, tolerance: float, known
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which of the cells at ``columns`` no change found so far moves up (and down) far enough, with ``known`` held.

        Answered for all of a group's primary cells at once: asked once per insider, a loop over
        the cells cost more than the solver.
        """
        up_open, down_open = np.ones(len(columns), dtype=bool), down_needed > 0
        if not self.pool:
            return up_open, down_open
        k, low, high = known
        shift = self.pool.matrix[:, k]
        keep = (shift >= low - tolerance) & (shift <= high + tolerance)
        if not keep.any():
            return up_open, down_open
        ups, lows = self.pool.extremes(keep, columns)
        return ups < up_needed - tolerance, down_open & (-lows < down_needed - tolerance)

    def moves(self, cell: int, tolerance: float) -> bool:
        """Whether any change found so far moves the cell at all."""
        if not self.pool:
            return False
        return bool((np.abs(self.pool.matrix[:, self.position[cell]]) > tolerance).any())


def tolerance_of(values: Sequence[float]) -> float:
    """How near two amounts must be to count as equal: a ten-millionth of the table's largest cell."""
    scale = max((abs(v) for v in values), default=1.0)
    return 1e-7 * max(1.0, scale)


class StillShort:
    """The audit's question for one primary cell (with or without one insider), as the pattern grows.

    The repairs of a round act on the audit's findings one by one, and a repair often protects
    other cells of its group besides its own; asking again before each repair spares the ones
    already settled. ``hidden`` is the pattern being repaired, read afresh after ``grown``.

    The question is asked of the group of linked hidden cells that holds the cell, exactly as
    ``audit`` asks it, and has the same answer as on the whole table: a change the intruder
    cannot rule out moves hidden cells only, and every line holding a hidden cell of the group
    holds no hidden cell of another group (else the two would be one group). So a change's part
    on the group keeps every line adding up by itself (a line through the group has no other
    hidden cell to compensate, a line outside it is untouched), and so does its part elsewhere:
    the cell's interval, with an insider of the same group held to what it knows, is the one the
    group's own program gives. An insider in another group knows nothing about this one: the
    outsider's question is then the one asked (and the audit does not pair them at all).
    Groups whose cells did not change keep the changes found in them.
    """

    def __init__(self, values, lines, signs, hidden: Sequence[bool], requirements, insiders, tolerance=None):
        self.values = values
        self.lines = lines
        self.signs = signs
        self.hidden = hidden
        self.requirements = requirements
        self.insiders = insiders
        self.tolerance = tolerance_of(values) if tolerance is None else tolerance
        self._where: dict[int, tuple[tuple[int, ...], list[int]]] | None = None
        self._groups: dict[tuple[int, ...], _Deviations] = {}

    def grown(self) -> None:
        """The pattern has more hidden cells: find the groups again at the next question."""
        self._where = None

    def _deviations(self, cell: int) -> _Deviations | None:
        if self._where is None:
            where, kept = {}, {}
            for cells, line_numbers in _components(len(self.values), self.lines, self.hidden):
                key = tuple(cells)
                for member in cells:
                    where[member] = (key, line_numbers)
                if key in self._groups:
                    kept[key] = self._groups[key]
            self._where, self._groups = where, kept
        key, line_numbers = self._where[cell]
        if not line_numbers:
            return None  # on no published line: the audit finds it free from 0 up
        deviations = self._groups.get(key)
        if deviations is None:
            deviations = _Deviations(
                list(key), line_numbers, self.lines, self.signs, self.values, self.hidden, self.tolerance
            )
            self._groups[key] = deviations
        return deviations

    @property
    def insider_rise(self) -> float:
        """How far the audit asks a primary cell to be able to rise against an insider, at the least."""
        return 10 * self.tolerance

    @property
    def programs(self) -> int:
        """Programs solved so far, in the groups still current."""
        return sum(deviations.programs for deviations in self._groups.values())

    def short(self, cell: int, insider: int | None = None) -> bool:
        """Whether the audit would find ``cell`` short of its protection (with ``insider`` knowing its own cell)."""
        if not self.hidden[cell]:
            return True
        deviations = self._deviations(cell)
        if deviations is None:
            return False
        need = self.requirements[cell]
        known, up_needed = None, need.upper
        if insider is not None and insider in deviations.position:
            knowledge, value = self.insiders[insider], self.values[insider]
            known = (deviations.position[insider], max(0.0, knowledge.lower) - value, knowledge.upper - value)
            up_needed = max(need.upper, self.insider_rise)
        # A change already found settles the question only if it moves the cell all the way (no
        # tolerance), as a program solved for it must: then a fresh audit, which may not have found
        # that change, still finds one, and a pattern repaired by this answer passes any audit of it.
        up = deviations.reaches(cell, 1, up_needed, 0.0, known)
        return not (up and deviations.reaches(cell, -1, need.lower, 0.0, known))


def audit(
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    hidden: Sequence[bool],
    requirements: Mapping[int, Requirement],
    insiders: Mapping[int, Knowledge] | None = None,
    *,
    exact_intervals: bool = False,
    earlier: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    bounds: Mapping[int, tuple[float, float]] | None = None,
    tolerance: float | None = None,
) -> AuditReport:
    """Audit a suppression pattern.

    ``lines[k]`` lists the cells of an additive relation and ``signs[k]`` their coefficients
    (members +1, the total -1), so that the signed sum is zero. ``requirements`` holds the
    primary cells; ``insiders`` what a contributor knows of its own (hidden) cell. With
    ``exact_intervals`` every hidden cell's interval is solved exactly and reported; otherwise
    a cell is settled as soon as some solution shows it can move far enough.

    ``earlier`` holds the changes an audit of the same table found before more cells were
    hidden (``AuditReport.changes``). Each is checked afresh against this pattern and, if it
    still holds, answers questions without a program; the verdict is the same either way,
    only reached sooner.
    """
    insiders = insiders or {}
    if tolerance is None:
        tolerance = tolerance_of(values)
    if bounds:
        return _audit_within_bounds(
            values, lines, signs, hidden, requirements, insiders, bounds, tolerance, exact_intervals, earlier
        )
    report = AuditReport(hidden=sum(bool(h) for h in hidden))
    lines_of: dict[int, list[tuple[int, int, int]]] = {}  # each cell's lines: number, place in it, sign
    if earlier:
        for number, (line, line_signs) in enumerate(zip(lines, signs, strict=True)):
            for place, (cell, sign) in enumerate(zip(line, line_signs, strict=True)):
                lines_of.setdefault(cell, []).append((number, place, sign))
    group: _Group | None  # every component's, or (without exact intervals) only once a cell needs it
    for cells, line_numbers in _components(len(values), lines, hidden):
        if not line_numbers:
            for cell in cells:  # on no published line: anything from 0 up
                report.intervals[cell] = (0.0, INFINITY)
            continue
        if exact_intervals:
            group = _Group(cells, line_numbers, lines, signs, values, hidden)
            for cell in cells:
                low, high = group.low(cell), group.high(cell)
                report.intervals[cell] = (low, high)
                need, value = requirements.get(cell), values[cell]
                if high - low <= tolerance:
                    report.exact.append(cell)
                elif need and (high < value + need.upper - tolerance or low > value - need.lower + tolerance):
                    report.short.append(cell)
            report.programs += group.programs
        deviations = _Deviations(cells, line_numbers, lines, signs, values, hidden, tolerance)
        if earlier:
            members = set(cells)
            for moved, amounts in earlier:
                if len(moved) and int(moved[0]) in members and deviations.adopt(moved, amounts, lines, lines_of):
                    report.reused += 1
        primaries = [cell for cell in cells if cell in requirements]
        if not exact_intervals:
            for cell in primaries:
                need = requirements[cell]
                up = deviations.reaches(cell, 1, need.upper, tolerance)
                down = deviations.reaches(cell, -1, need.lower, tolerance)
                if not (up and down):
                    report.short.append(cell)
            group = None
            for cell in cells:
                if deviations.moves(cell, tolerance):
                    continue
                group = group or _Group(cells, line_numbers, lines, signs, values, hidden)
                if group.high(cell, values[cell] + 10 * tolerance) - group.low(cell, values[cell] - 10 * tolerance) <= (
                    tolerance
                ):
                    report.exact.append(cell)
            if group is not None:
                report.programs += group.programs
        columns = np.array([deviations.position[cell] for cell in primaries], dtype=np.int64)
        up_needed = np.array([max(requirements[cell].upper, 10 * tolerance) for cell in primaries])
        down_needed = np.array([requirements[cell].lower for cell in primaries])
        for insider in (cell for cell in cells if cell in insiders):
            if len(primaries) <= (insider in requirements):
                continue  # no other primary cell to protect from this insider
            report.insiders += 1
            knowledge = insiders[insider]
            value = values[insider]
            known = (deviations.position[insider], max(0.0, knowledge.lower) - value, knowledge.upper - value)
            up_open, down_open = deviations.open_questions(columns, up_needed, down_needed, tolerance, known)
            for at in np.flatnonzero(up_open | down_open):
                cell = primaries[at]
                if cell == insider or cell in knowledge.related:
                    continue
                up = not up_open[at] or deviations.reaches(cell, 1, float(up_needed[at]), tolerance, known)
                down = not down_open[at] or deviations.reaches(cell, -1, float(down_needed[at]), tolerance, known)
                if not (up and down):
                    report.insider_short.append((insider, cell))
        report.programs += deviations.programs
        report.paths += deviations.paths
        report.changes.extend(deviations.found)
    report.exact = sorted(set(report.exact))
    report.short = sorted(set(report.short))
    report.insider_short.sort()
    return report


def _audit_within_bounds(
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    hidden: Sequence[bool],
    requirements: Mapping[int, Requirement],
    insiders: Mapping[int, Knowledge],
    bounds: Mapping[int, tuple[float, float]],
    tolerance: float,
    exact_intervals: bool,
    earlier: Sequence[tuple[np.ndarray, np.ndarray]],
) -> AuditReport:
    """The audit when every reader knows some cells lie within bounds (disclosure control's a-priori file).

    The audit's cells are non-negative unknowns tied by lines; a bound is written in those terms, so
    every part of the audit (programs, paths, pooled changes) honours it unchanged: a cell known to be
    at least ``low`` is counted from ``low`` (its own value less ``low``, and ``low`` added to every
    line it is on as a published cell), and one known to be at most ``high`` gets a hidden partner,
    the room left below ``high``, on a line of its own with the published width ``high - low``.
    The findings are reported for the table's own cells; the extra cells are never findings. The
    tolerance stays the table's, not the bounds' (which may be far larger than any cell).
    """
    n = len(values)
    values_ = [float(v) for v in values]
    lines_ = [list(line) for line in lines]
    signs_ = [list(line_signs) for line_signs in signs]
    hidden_ = [bool(h) for h in hidden]
    shift: dict[int, float] = {}
    for cell, (low, high) in sorted(bounds.items()):
        low = max(0.0, float(low))
        if low > 0:
            shift[cell] = low
            constant = len(values_)
            values_.append(low)
            hidden_.append(False)
            values_[cell] -= low
            for line, line_signs in zip(lines_, signs_, strict=True):
                for member, sign in list(zip(line, line_signs, strict=True)):
                    if member == cell:
                        line.append(constant)
                        line_signs.append(sign)
        if high < INFINITY:
            room, width = len(values_), len(values_) + 1
            values_ += [max(0.0, float(high) - float(values[cell])), float(high) - low]
            hidden_ += [True, False]
            lines_.append([cell, room, width])
            signs_.append([1, 1, -1])
    knowledge = {
        cell: Knowledge(known.lower - shift.get(cell, 0.0), known.upper - shift.get(cell, 0.0), known.related)
        for cell, known in insiders.items()
    }
    report = audit(
        values_,
        lines_,
        signs_,
        hidden_,
        requirements,
        knowledge,
        exact_intervals=exact_intervals,
        earlier=earlier,
        tolerance=tolerance,
    )
    report.hidden = sum(bool(h) for h in hidden)
    report.exact = [cell for cell in report.exact if cell < n]
    report.short = [cell for cell in report.short if cell < n]
    report.insider_short = [(insider, cell) for insider, cell in report.insider_short if cell < n and insider < n]
    report.intervals = {
        cell: (low + shift.get(cell, 0.0), high + shift.get(cell, 0.0))
        for cell, (low, high) in report.intervals.items()
        if cell < n
    }
    return report
