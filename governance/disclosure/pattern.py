"""Choosing the secondary suppressions: the cheapest pattern that gives every primary cell its protection.

The problem is the one tau-ARGUS's optimal method and sdcTable solve (Fischetti and Salazar's
model): choose cells to hide, at least cost, so that for every primary cell and each direction
in which it needs protection there is a way to change the hidden cells that keeps every line
adding up, keeps every cell non-negative, and moves the primary cell by its protection. Each
such change is a vector ``y`` with ``-x_i <= y_i <= M`` on hidden cells and ``y_i = 0`` on
published ones, so the whole is a mixed-integer program with one binary per cell and one ``y``
per primary cell and direction.

- ``optimal_pattern`` solves it exactly (HiGHS), for tables up to a size limit;
- ``repair_pattern`` is the heuristic for larger tables: for each primary cell the audit finds
  short, it solves the linear relaxation restricted to that cell and hides every cell the
  relaxed solution moves. That solution stays feasible once those cells are hidden, so each
  repair protects its cell; the pattern is then audited again, by the same independent audit.

Costs are per cell: 1 for each cell (fewest cells), the cell's value (least information
lost), or a weight given with the cell, plus a small amount so that a zero cell is never free to hide.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from governance.disclosure.intervals import Knowledge, Requirement, audit, tolerance_of
from governance.disclosure.solver import solve

# Work limits, not a clock: the same table gives the same answer on an idle or a busy machine.
# A table that needs more is refused (see ``secondary.WORK_LIMIT``), never protected differently.
MILP_MAX_NODES = 20_000
SIMPLEX_ITERATION_LIMIT = 2_000_000


@dataclass(frozen=True)
class PatternResult:
    """The cells to hide (primary and secondary), the cost of the secondaries and the LP's lower bound."""

    hidden: list[bool]
    cost: float
    lower_bound: float | None
    optimal: bool


def costs_for(values: Sequence[float], by: str, weights: Sequence[float] | None = None) -> list[float]:
    """Cost of hiding each cell: 1 each ("cells"), its value ("value") or its weight ("weight",
    1 where none is given); a zero is never free.

    By value, each cell costs a thousandth of the smallest non-zero cell more than its value. The
    addition was once a thousandth of the largest cell: on a table of turnover whose grand total
    is millions it added thousands a cell, more than most cells' values, so the least-cost pattern
    was the one hiding fewest cells rather than least value (30x30 magnitude: 134,938 hidden
    against 94,022 now, and cut generation's master took five times as long).
    """
    if by == "value":
        smallest = min((abs(v) for v in values if v), default=1.0)
        return [abs(v) + 1e-3 * smallest for v in values]
    # Ties between equal costs go to the smaller cells (less information lost), by rank so the
    # preference survives any spread of values; it adds less than half the smallest cost in total.
    order = sorted(range(len(values)), key=lambda i: abs(values[i]))
    rank = [0] * len(values)
    for position, i in enumerate(order):
        rank[i] = position
    base = [1.0] * len(values)
    if by == "weight" and weights is not None:
        base = [float(w) if w is not None and w > 0 else 1.0 for w in weights]
    least = min(base, default=1.0)
    return [base[i] + 0.5 * least * rank[i] / max(1, len(values)) ** 2 for i in range(len(values))]


_WORK_LIMITS = frozenset(
    {
        highspy.HighsModelStatus.kSolutionLimit,  # HiGHS reports a node limit this way
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kTimeLimit,  # never set here; named so it could not pass as an answer
    }
)


class _Model:
    """A row-wise sparse model built up before it is handed to HiGHS."""

    def __init__(self):
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def var(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        if integer:
            self.integer.append(len(self.lower) - 1)
        return len(self.lower) - 1

    def row(self, lower: float, upper: float, terms: Mapping[int, float]) -> None:
        self.rows.append((lower, upper, list(terms), [float(v) for v in terms.values()]))

    def build(self, *, relax: bool = False) -> highspy.Highs:
        """The model handed to a quiet HiGHS instance, ready to run (or to change and run again)."""
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.lower)
        lp.num_row_ = len(self.rows)
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.array(self.lower, dtype=float)
        lp.col_upper_ = np.array([u if u < math.inf else inf for u in self.upper], dtype=float)
        lp.row_lower_ = np.array([r[0] if r[0] > -math.inf else -inf for r in self.rows], dtype=float)
        lp.row_upper_ = np.array([r[1] if r[1] < math.inf else inf for r in self.rows], dtype=float)
        starts, indices, coefficients = [0], [], []
        for _lo, _hi, columns, values in self.rows:
            indices.extend(columns)
            coefficients.extend(values)
            starts.append(len(indices))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(coefficients, dtype=float)
        if self.integer and not relax:
            integrality = [highspy.HighsVarType.kContinuous] * len(self.lower)
            for j in self.integer:
                integrality[j] = highspy.HighsVarType.kInteger
            lp.integrality_ = integrality
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.passModel(lp)
        return highs

    def solve(
        self,
        *,
        relax: bool = False,
        max_nodes: int = MILP_MAX_NODES,
        iterations: int = SIMPLEX_ITERATION_LIMIT,
        options: Mapping[str, bool | int | float | str] | None = None,
    ) -> tuple[str, list[float], float, float]:
        """Solve within work limits; returns (status, solution, objective, dual bound).

        The status is "optimal", "limit" (the work ran out: the exact model does not use whatever was
        found; cut generation's master does, as the audit judges it afresh) or "failed".
        ``options`` are further HiGHS settings (none of them a clock).
        """
        highs = self.build(relax=relax)
        for name, value in (options or {}).items():
            highs.setOptionValue(name, value)
        highs.setOptionValue("mip_max_nodes", int(max_nodes))
        highs.setOptionValue("simplex_iteration_limit", int(iterations))
        highs.setOptionValue("threads", 1)
        highs.setOptionValue("random_seed", 0)
        highs.setOptionValue("mip_rel_gap", 1e-9)
        highs.setOptionValue("mip_abs_gap", 1e-7)
        highs.run()
        status = highs.getModelStatus()
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        solution = list(highs.getSolution().col_value) if has_solution else []
        if status == highspy.HighsModelStatus.kOptimal:
            name = "optimal"
        elif status in _WORK_LIMITS:
            name = "limit"
        else:
            name = "failed"
        bound = info.mip_dual_bound if self.integer and not relax else info.objective_function_value
        return name, solution, info.objective_function_value, bound


def _big_m(values: Sequence[float], requirements: Mapping[int, Requirement]) -> float:
    largest_need = max((r.upper for r in requirements.values()), default=0.0)
    return max(sum(abs(v) for v in values), largest_need, 1.0) * 2


def optimal_pattern(
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    requirements: Mapping[int, Requirement],
    costs: Sequence[float],
    *,
    max_nodes: int = MILP_MAX_NODES,
    iterations: int = SIMPLEX_ITERATION_LIMIT,
    never: frozenset[int] = frozenset(),
) -> PatternResult | None:
    """The least-cost pattern protecting every primary cell, or None if the solver gives no answer.

    A result with ``optimal`` False means the work limit ran out: its cells are not to be used.

    ``never`` holds cells that may not be hidden (structural zeros): they stay published and fixed.
    """
    n = len(values)
    big = _big_m(values, requirements)
    model = _Model()
    chosen = [
        model.var(1.0 if i in requirements else 0.0, 0.0 if i in never else 1.0, costs[i], integer=True)
        for i in range(n)
    ]
    for cell, need in requirements.items():
        for direction, amount in ((1, need.upper), (-1, need.lower)):
            if amount <= 0:
                continue
            y = [model.var(-values[i], big) for i in range(n)]
            for line, line_signs in zip(lines, signs, strict=True):
                model.row(0.0, 0.0, {y[i]: s for i, s in zip(line, line_signs, strict=True)})
            for i in range(n):
                if i in requirements:
                    continue  # hidden anyway: its bounds above suffice
                model.row(-math.inf, 0.0, {y[i]: 1.0, chosen[i]: -big})
                model.row(-math.inf, 0.0, {y[i]: -1.0, chosen[i]: -values[i]})
            if direction > 0:
                model.row(amount, math.inf, {y[cell]: 1.0})
            else:
                model.row(-math.inf, -amount, {y[cell]: 1.0})
    fixed_cost = sum(costs[i] for i in requirements)
    status, _solution, relaxed, _bound = model.solve(relax=True, max_nodes=max_nodes, iterations=iterations)
    if status != "limit":
        status, solution, objective, _bound = model.solve(max_nodes=max_nodes, iterations=iterations)
    if status == "limit":
        return PatternResult(hidden=[False] * n, cost=0.0, lower_bound=None, optimal=False)
    if status == "failed" or not solution:
        return None
    hidden = [solution[chosen[i]] > 0.5 for i in range(n)]
    return PatternResult(
        hidden=hidden,
        cost=objective - fixed_cost,
        lower_bound=max(0.0, relaxed - fixed_cost),
        optimal=status == "optimal",
    )


class Repairer:
    """The heuristic's linear relaxation, built once and re-solved with only bounds and costs changed.

    Each cell's change is ``up - down``. A published cell may move by at most its own value
    each way, at its cost per unit of the amount the repair asks (or of its value, if less: see
    ``_price``), so moving it that far costs what hiding it does; a hidden cell moves freely
    within its true bounds (down to zero) at no cost. To protect one cell, its own change is
    bounded to reach the protection and the relaxation solved; every published cell the
    solution moves is then hidden. The solution stays feasible once they are hidden, so the
    cell is protected in that direction.
    """

    def __init__(self, values, lines, signs, hidden, costs, bounds: dict[int, tuple[float, float]] | None = None):
        n = len(values)
        self.n = n
        self.values = [float(v) for v in values]
        # What every reader knows a priori of some cells: a change never takes them outside it.
        self.bounds = bounds or {}
        self.costs = costs
        self.hidden = hidden
        self.big = _big_m(values, {})
        self.tolerance = 1e-9 * max(1.0, max(self.values, default=1.0))
        self.value_array = np.array(self.values, dtype=float)
        self.cost_array = np.array([float(c) for c in costs], dtype=float)
        self.columns = np.arange(2 * n, dtype=np.int32)
        inf = highspy.kHighsInf
        model = _Model()
        for i in range(n):  # columns 0..n-1 are up, n..2n-1 are down
            model.var(0.0, *self._up(i))
        for i in range(n):
            model.var(0.0, *self._down(i))
        for line, line_signs in zip(lines, signs, strict=True):
            terms: dict[int, float] = {}
            for i, sign in zip(line, line_signs, strict=True):
                terms[i] = float(sign)
                terms[n + i] = -float(sign)
            model.row(0.0, 0.0, terms)
        self.highs = model.build()
        self.inf = inf

    def _room(self, i: int) -> tuple[float, float]:
        """How far cell i can rise and fall: to its bounds if stated a priori, else without end and to zero."""
        low, high = self.bounds.get(i, (0.0, math.inf))
        return max(0.0, min(self.big, high - self.values[i])), max(0.0, self.values[i] - max(0.0, low))

    def _up(self, i: int) -> tuple[float, float]:
        """(upper bound, cost) of the up part of cell i's change."""
        if self.hidden[i]:
            return self._room(i)[0], 0.0
        if self.values[i] <= 0:
            return 0.0, 0.0
        return min(self.values[i], self._room(i)[0]), self.costs[i] / self.values[i]

    def _down(self, i: int) -> tuple[float, float]:
        if self.hidden[i]:
            return self._room(i)[1], 0.0
        if self.values[i] <= 0:
            return 0.0, 0.0
        return min(self.values[i], self._room(i)[1]), self.costs[i] / self.values[i]

    def _price(self, amount: float) -> None:
        """Cost per unit of each published cell's change, for a repair that moves its cell by ``amount``.

        Hiding a cell costs the same however little it then moves, and a repair seldom moves a
        cell by more than its cell's protection: priced per unit of its whole value, a large cell
        (a total) looked almost free to move by a little, and the repairs hid totals where a
        few small cells would do. Priced per unit of what it would move (its value, or the amount
        if less), moving a cell that far costs what hiding it does.
        """
        published = ~np.array(self.hidden, dtype=bool) & (self.value_array > 0)
        reach = np.maximum(np.minimum(self.value_array, amount), self.tolerance)
        price = np.where(published, self.cost_array / reach, 0.0)
        self.highs.changeColsCost(2 * self.n, self.columns, np.concatenate([price, price]))

    def _reset(self, i: int) -> None:
        up, up_cost = self._up(i)
        down, down_cost = self._down(i)
        self.highs.changeColBounds(i, 0.0, up)
        self.highs.changeColBounds(self.n + i, 0.0, down)
        self.highs.changeColCost(i, up_cost)
        self.highs.changeColCost(self.n + i, down_cost)

    def protect(self, cell: int, upper: float, lower: float, insider: tuple[int, Knowledge] | None = None) -> list[int]:
        """Hide published cells so ``cell`` can move ``upper`` up and ``lower`` down; returns those hidden."""
        added: list[int] = []
        n = self.n
        for direction, amount in ((1, upper), (-1, lower)):
            if amount <= 0:
                continue
            rise, fall = self._room(cell)
            if direction > 0:
                if cell in self.bounds and amount > rise + self.tolerance:
                    continue  # past what every reader knows of it: no pattern protects it that far
                self.highs.changeColBounds(cell, amount, rise if cell in self.bounds else self.inf)
                self.highs.changeColBounds(n + cell, 0.0, 0.0)
            else:
                if amount > fall + self.tolerance:
                    continue
                self.highs.changeColBounds(cell, 0.0, 0.0)
                self.highs.changeColBounds(n + cell, amount, max(amount, fall))
            if insider is not None:
                k, known = insider
                self.highs.changeColBounds(k, 0.0, max(0.0, min(self.big, known.upper - self.values[k])))
                self.highs.changeColBounds(n + k, 0.0, max(0.0, self.values[k] - max(0.0, known.lower)))
            self._price(amount)
            solved = solve(self.highs) == highspy.HighsModelStatus.kOptimal
            solution = self.highs.getSolution().col_value if solved else []
            self._reset(cell)
            if insider is not None:
                self._reset(insider[0])
            if not solved:
                continue
            moved = [
                i
                for i in range(n)
                if not self.hidden[i] and (solution[i] > self.tolerance or solution[n + i] > self.tolerance)
            ]
            for i in moved:
                self.hidden[i] = True
                self._reset(i)
            added.extend(moved)
        return added


def repair_pattern(
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    hidden: list[bool],
    cell: int,
    need: Requirement,
    costs: Sequence[float],
    insider: tuple[int, Knowledge] | None = None,
) -> list[int]:
    """Hide more cells so ``cell`` gets its protection (with ``insider`` known); returns the cells added."""
    return Repairer(values, lines, signs, hidden, costs).protect(cell, need.upper, need.lower, insider)


# Work limits of the cut-generation method (``cut_pattern``): rounds of master program and
# separation, and the branch-and-bound nodes of each master program. A master cut short by its
# nodes still gives its best pattern, which the audit then judges like any other: the rounds end
# only on the audit's pass, so the limit costs value (on 30x30 magnitude 134,938 hidden instead of
# the least, 133,732), never protection, and it keeps each round to a fraction of a second (11 CPU s
# in all on that table without it, 6 with it).
CUT_ROUNDS = 60
CUT_MASTER_NODES = 20
# The master program is a covering problem whose rows are long capacity cuts: HiGHS's sub-MIP
# heuristics, restarts and symmetry detection cost more there than the branching they save.
_MASTER_OPTIONS = {
    "mip_allow_restart": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
    "mip_detect_symmetry": False,
}


class _Attacker:
    """The intruder's linear program for a pattern: how far each primary cell can move.

    Variables are each cell's change ``y``; every line keeps adding up; a published cell cannot
    move; a hidden cell can fall to zero and rise by ``big``. For a short cell the program's
    duals give a cut every protecting pattern satisfies (Fischetti and Salazar's capacity
    constraint): whatever the pattern, the cell moves at most ``sum_i x_i (big * a_i + v_i * b_i)``,
    where ``a`` and ``b`` are the multipliers of the upper and lower bounds of the cells' changes.
    """

    def __init__(self, values: Sequence[float], lines, signs, big: float):
        self.values = [float(v) for v in values]
        self.big = big
        model = _Model()
        for v in self.values:
            model.var(-v, big)
        for line, line_signs in zip(lines, signs, strict=True):
            model.row(0.0, 0.0, {i: float(s) for i, s in zip(line, line_signs, strict=True)})
        self.highs = model.build()
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("random_seed", 0)
        self.highs.setOptionValue("simplex_iteration_limit", SIMPLEX_ITERATION_LIMIT)
        self.n = len(self.values)
        self.objective: int | None = None

    def set_pattern(self, hidden: Sequence[bool]) -> None:
        n = self.n
        lower = np.array([-self.values[i] if hidden[i] else 0.0 for i in range(n)], dtype=float)
        upper = np.array([self.big if hidden[i] else 0.0 for i in range(n)], dtype=float)
        self.highs.changeColsBounds(n, np.arange(n, dtype=np.int32), lower, upper)

    def know(self, insider: int, knowledge: Knowledge | None, hidden: Sequence[bool]) -> None:
        """Bound the insider's own cell to what it knows (None: back to the pattern's bounds)."""
        value = self.values[insider]
        if knowledge is None:
            lower, upper = (-value, self.big) if hidden[insider] else (0.0, 0.0)
            self.known = None
        else:
            lower = max(0.0, knowledge.lower) - value
            upper = min(self.big, knowledge.upper - value)
            self.known = (insider, -lower, max(upper, 0.0))
        self.highs.changeColBounds(insider, lower, upper)

    known: tuple[int, float, float] | None = None

    def cut(self, cell: int, direction: int, need: float) -> dict[int, float] | None:
        """The cut for ``cell`` moving ``need`` in ``direction``, or None if the pattern lets it."""
        if self.objective is not None and self.objective != cell:
            self.highs.changeColCost(self.objective, 0.0)
        self.highs.changeColCost(cell, -float(direction))  # minimise -y (up) or y (down)
        self.objective = cell
        if solve(self.highs) != highspy.HighsModelStatus.kOptimal:
            return None
        reach = -self.highs.getInfo().objective_function_value
        if reach >= need - 1e-7 * max(1.0, need):
            return None
        reduced = self.highs.getSolution().col_dual
        coefficients: dict[int, float] = {}
        for i in range(self.n):
            r = reduced[i]
            if abs(r) < 1e-9:
                continue
            # Minimising: a change at its upper bound has a negative reduced cost, at its lower a positive one.
            down, up = self.values[i], self.big
            if self.known is not None and self.known[0] == i:
                down, up = self.known[1], self.known[2]
            amount = up * max(-r, 0.0) + down * max(r, 0.0)
            if amount > 1e-9:
                coefficients[i] = min(amount, need)  # x is 0 or 1: no term need give more than the need
        return coefficients


def cut_pattern(
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    requirements: Mapping[int, Requirement],
    costs: Sequence[float],
    *,
    never: frozenset[int] = frozenset(),
    insiders: Mapping[int, Knowledge] | None = None,
    rounds: int = CUT_ROUNDS,
    max_nodes: int = CUT_MASTER_NODES,
) -> PatternResult | None:
    """The least-cost pattern that passes the audit, by cut generation, for tables too large for ``optimal_pattern``.

    A master program chooses cells at least cost subject to the cuts found so far; the audit
    (``intervals.audit``, the verifier's own, insiders included) then judges that pattern, and
    each primary cell it finds short, for the outsider or for an insider (a contributor to
    another hidden cell, held to what it knows of its own), becomes a cut from the intruder's
    program with that knowledge. So the separation asks exactly the audit's questions, and
    when the audit passes, the master's answer is a least-cost pattern the verifier accepts (least
    within the master's node limit: ``optimal`` says whether every master was solved to the end),
    and the repairs that follow find nothing to add. (Checking only a few insiders here and
    repairing the rest cell by cell hid a third more on the 30x30 magnitude table.)

    The master also keeps every line from holding a single hidden cell (which the lines would
    give away, and the audit refuses): with those rows its relaxation is far closer to the
    answer, and the rounds half as many. A cell pinned by lines combined, or a finding at the
    very edge of the audit's tolerance that yields no cut, is left to the repairs.

    Both stop on work limits (rounds, nodes, simplex iterations), never a clock; without an
    answer within them the result is None and the heuristic decides.
    """
    n = len(values)
    big = _big_m(values, requirements)
    attacker = _Attacker(values, lines, signs, big)
    fixed_cost = sum(costs[i] for i in requirements)
    known = dict(insiders or {})
    rise = 10 * tolerance_of(values)  # how far the audit asks a primary cell to rise against an insider
    cuts: list[tuple[dict[int, float], float]] = []
    seen: set[tuple] = set()
    hidden = [i in requirements for i in range(n)]
    objective, bound, exact = 0.0, None, True
    for _round in range(rounds):
        report = audit(values, lines, signs, hidden, requirements, known)
        attacker.set_pattern(hidden)
        found = [*_cuts_for(attacker, None, report.short, requirements, 0.0)]
        for insider, cell in report.insider_short:
            attacker.know(insider, known[insider], hidden)
            found.extend(_cuts_for(attacker, insider, [cell], requirements, rise))
            attacker.know(insider, None, hidden)
        fresh = []
        for cut, right in found:
            key = (tuple(sorted(cut.items())), right)
            if key not in seen:
                seen.add(key)
                fresh.append((cut, right))
        if not fresh:
            # The audit passes (or what it still finds yields no cut: left to the repairs).
            return PatternResult(
                hidden=hidden,
                cost=objective - fixed_cost,
                lower_bound=None if bound is None else max(0.0, bound - fixed_cost),
                optimal=report.passed and exact,
            )
        cuts.extend(fresh)
        model = _Model()
        chosen = [
            model.var(1.0 if i in requirements else 0.0, 0.0 if i in never else 1.0, costs[i], integer=True)
            for i in range(n)
        ]
        for cut, right in cuts:
            model.row(right, math.inf, {chosen[i]: coefficient for i, coefficient in cut.items()})
        for line in lines:
            for cell in line:  # hidden, the cell has another hidden cell on the line
                terms = {chosen[other]: 1.0 for other in line if other != cell}
                terms[chosen[cell]] = -1.0
                model.row(0.0, math.inf, terms)
        status, solution, objective, bound = model.solve(max_nodes=max_nodes, options=_MASTER_OPTIONS)
        if status == "failed" or not solution:
            return None
        exact = exact and status == "optimal"
        hidden = [solution[chosen[i]] > 0.5 for i in range(n)]
    return None


def _cuts_for(
    attacker: _Attacker,
    insider: int | None,
    cells: Sequence[int],
    requirements: Mapping[int, Requirement],
    rise: float,
) -> list[tuple[dict[int, float], float]]:
    """The intruder's cuts for ``cells`` in each direction they need, with the attacker's knowledge as set."""
    found = []
    for cell in cells:
        need = requirements[cell]
        upper = need.upper if insider is None else max(need.upper, rise)
        for direction, amount in ((1, upper), (-1, need.lower)):
            if amount > 0:
                cut = attacker.cut(cell, direction, amount)
                if cut is None:
                    continue
                if insider is None or insider in requirements:
                    found.append((cut, amount))
                else:
                    # An insider in a secondary cell knows only if that cell is hidden: the cut binds
                    # then (x = 1), and with the cell published it asks nothing (x = 0).
                    cut[insider] = cut.get(insider, 0.0) - amount
                    found.append((cut, 0.0))
    return found
