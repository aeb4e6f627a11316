"""Secondary suppression: which further cells to hide so every primary cell keeps its protection.

Two ways, by size (``Rules.optimal_max_cells``):

- up to the limit, the mixed-integer program of ``pattern.optimal_pattern``, least cost,
  solved within work limits (nodes, simplex iterations), never a clock: a table whose
  program runs out of work is refused, so no run publishes a different pattern;
- above it (or when the solver gives no answer at all), a heuristic: first the line rule (no
  additive line with a single hidden cell, nor a cell fixed by lines combined), then rounds of
  the LP audit, each short primary cell (and each one an insider could narrow) repaired by
  ``pattern.Repairer``, until the audit passes or the rounds run out. Before each repair the
  finding is checked again (``intervals.StillShort``, on the group of linked hidden cells that
  holds the cell, which gives the whole table's answer), since an earlier repair of the round
  often settles it; the rounds end only on a fresh audit's pass, the one the verifier repeats.

Either way the result goes to the verifier, which audits it afresh: a pattern that falls short
fails the table rather than publishing it.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from governance.disclosure.intervals import (
    INFINITY,
    AuditReport,
    Knowledge,
    Requirement,
    StillShort,
    audit,
    tolerance_of,
)
from governance.disclosure.layout import Layout, equations
from governance.disclosure.linear import determined, line_equations
from governance.disclosure.pattern import Repairer, costs_for, cut_pattern, optimal_pattern
from governance.disclosure.primary import Primary
from governance.disclosure.rules import Rules

MAX_REPAIR_ROUNDS = 12
# Work limit on the heuristic's clean-up (``prune``): audit programs solved while trying to publish cells again.
PRUNE_PROGRAMS = 4000
WORK_LIMIT = "not found: work limit reached"
# The exact model has a copy of the table per primary cell and direction: beyond this many
# variables it is left to the heuristic, whatever the table's size.
MILP_BUDGET = 1500
# Beyond the exact model, the least-cost pattern by cut generation (``pattern.cut_pattern``), within its
# work limits, for two-way tables (hierarchies included) up to this many cells; the heuristic otherwise (on
# three-way tables the cuts are weak and the rounds many).
CUT_MAX_CELLS = 2_500
CUT_MAX_COLUMNS = 2
CUTS = "optimal by cut generation"
# The same when a master program ran out of nodes on the way: audit-safe, but not proved least-cost.
CUTS_BOUNDED = "by cut generation"
# Two-way tables beyond that, up to this many cells: the least-cost pattern against an outsider by cut
# generation, then repaired for insiders and cleaned up (``choose_pattern``); the heuristic beyond.
CUT_OUTSIDER_MAX_CELLS = 12_000
CUTS_OUTSIDER = "by cut generation against an outsider, then repaired for insiders"
# A pattern chosen elsewhere (tau-ARGUS's, say), taken as the start and made to pass the audit here.
COMPLETED = "given, completed by repairs"


@dataclass
class PatternInfo:
    """How the pattern was chosen, for the check report: method, cost of the secondaries, LP lower bound."""

    method: str = "none"
    cost: float = 0.0
    lower_bound: float | None = None
    repairs: int = 0
    pruned: int = 0

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "cost": round(self.cost, 6),
            "lower_bound": None if self.lower_bound is None else round(self.lower_bound, 6),
            "repairs": self.repairs,
            "pruned": self.pruned,
        }


def requirements_of(primary: Primary) -> dict[int, Requirement]:
    return {
        index: Requirement(float(p.lower), float(p.upper))
        for index, p in primary.protection.items()
        if p.lower > 0 or p.upper > 0
    }


def knowledge_of(primary: Primary) -> dict[int, Knowledge]:
    return {
        index: Knowledge(
            float(lower), INFINITY if upper is None else float(upper), primary.related.get(index, frozenset())
        )
        for index, (lower, upper) in primary.insiders.items()
    }


def audit_pattern(layout: Layout, primary: Primary, hidden: Sequence[bool]) -> AuditReport:
    """The LP audit of a pattern, with every primary cell's protection and every insider's knowledge."""
    lines, signs = equations(layout)
    values = [float(v) for v in primary.values]
    return audit_once(
        values, lines, signs, hidden, requirements_of(primary), knowledge_of(primary), bounds=primary.bounds
    )


def audit_once(
    values, lines, signs, hidden, needs, knowledge, earlier: Sequence = (), bounds: dict | None = None
) -> AuditReport:
    """``intervals.audit``, remembered for the last few exact inputs.

    The audit is a pure function of its inputs. The pattern's last round of repairs ends
    with an audit of the final pattern, and the verifier then audits the published table,
    whose hidden cells are that same pattern: the second answer is the first one, so it is
    not computed twice. Any difference in a value, a hidden cell, a line, a requirement or
    an insider's knowledge is a different key, and the audit runs afresh.

    ``earlier`` (changes a previous round found, each checked again before use) makes it
    sooner, and its verdict is the same except at the very edge: a change already found counts
    if it moves a cell to within the audit's tolerance of its protection, while one solved for
    must move it all the way. So an audit started from earlier changes is remembered apart from
    one started afresh, and the verifier (which never passes any) always gets a fresh one's answer.
    """
    key = (
        tuple(values),
        tuple(map(tuple, lines)),
        tuple(map(tuple, signs)),
        tuple(bool(h) for h in hidden),
        tuple(sorted(needs.items())),
        tuple(sorted(knowledge.items())),
        tuple(sorted((bounds or {}).items())),
    )
    if earlier:
        return _remembered_assisted_audit(_Question(key, tuple(earlier)))
    return _remembered_audit(_Question(key, ()))


@dataclass(frozen=True)
class _Question:
    """An audit's inputs; what it may start from is carried along but is no part of the question."""

    key: tuple
    earlier: tuple = field(compare=False, hash=False)


def forget_audits() -> None:
    """Drop the remembered audits, so a benchmark times every check in full."""
    _remembered_audit.cache_clear()
    _remembered_assisted_audit.cache_clear()


def _audit_of(question: _Question) -> AuditReport:
    values, lines, signs, hidden, needs, knowledge, bounds = question.key
    return audit(
        list(values),
        lines,
        signs,
        list(hidden),
        dict(needs),
        dict(knowledge),
        earlier=question.earlier,
        bounds=dict(bounds),
    )


_remembered_audit = functools.lru_cache(maxsize=4)(_audit_of)
_remembered_assisted_audit = functools.lru_cache(maxsize=4)(_audit_of)


def pattern_costs(primary: Primary, rules: Rules, values: Sequence[float]) -> list[float]:
    """Each cell's cost of hiding: the suppression cost's, or the cost stated a priori; a cell stated
    protected costs so much that a repair hides it only when nothing else protects the table (the check
    then fails, naming it)."""
    costs = costs_for(values, rules.secondary_cost.value, primary.weights or None)
    for index, cost in primary.costs.items():
        costs[index] = cost
    if primary.kept:
        dearest = 1e6 * max(costs, default=1.0)
        costs = [dearest if i in primary.kept else cost for i, cost in enumerate(costs)]
    return costs


def choose_pattern(
    layout: Layout,
    primary: Primary,
    rules: Rules,
    labels: Sequence[tuple[str, ...]],
    start: Sequence[bool] | None = None,
) -> tuple[list[bool], PatternInfo]:
    """The hidden cells (primary and secondary) and how they were chosen.

    With ``start`` (a pattern chosen elsewhere), no pattern is searched for: the cells it hides are
    hidden too, and the repairs and clean-up below make it pass the audit as they would the heuristic's.
    """
    n = len(primary.values)
    hidden = [bool(flags) for flags in primary.flags]
    info = PatternInfo()
    if not any(hidden):
        return hidden, info
    interior = [i for i, total in enumerate(layout.is_total) if not total]
    if interior and sum(hidden[i] for i in interior) / len(interior) > float(rules.max_suppressed_share):
        info.method = "not attempted: too many unsafe cells"
        return hidden, info  # the table fails as too detailed whatever else is hidden
    if start is not None:
        given = zip(hidden, start, strict=True)
        hidden = [(own or bool(other)) and i not in primary.structural for i, (own, other) in enumerate(given)]
        info.method = COMPLETED
    lines, signs = equations(layout)
    values = [float(v) for v in primary.values]
    costs = pattern_costs(primary, rules, values)
    needs = requirements_of(primary)
    directions = sum((need.lower > 0) + (need.upper > 0) for need in needs.values())
    if info.method == "none" and needs and n <= rules.optimal_max_cells and n * directions <= MILP_BUDGET:
        found = optimal_pattern(values, lines, signs, needs, costs, never=primary.never)
        if found is not None and not found.optimal:
            info.method = WORK_LIMIT  # the check fails: a pattern cut short by a limit is not published
            return hidden, info
        if found is not None:
            hidden = [a or b for a, b in zip(hidden, found.hidden, strict=True)]
            info.method = "optimal"
            info.lower_bound = found.lower_bound
    if info.method == "none" and needs and n <= CUT_MAX_CELLS and len(layout.parents) <= CUT_MAX_COLUMNS:
        found = cut_pattern(values, lines, signs, needs, costs, never=primary.never, insiders=knowledge_of(primary))
        if found is not None:
            hidden = [a or b for a, b in zip(hidden, found.hidden, strict=True)]
            info.method = CUTS if found.optimal else CUTS_BOUNDED
            info.lower_bound = found.lower_bound
    if info.method == "none" and needs and n <= CUT_OUTSIDER_MAX_CELLS and len(layout.parents) <= CUT_MAX_COLUMNS:
        # Beyond the insiders' cuts: the least pattern against an outsider, which the repairs below then
        # protect against insiders too (the comparison's 100x100 magnitude table: 117,262 hidden, where
        # the line-by-line heuristic hid 146,734, in about the same time).
        found = cut_pattern(values, lines, signs, needs, costs, never=primary.never, insiders={})
        if found is not None:
            hidden = [a or b for a, b in zip(hidden, found.hidden, strict=True)]
            info.method = CUTS_OUTSIDER
    if info.method == "none":
        info.method = "heuristic"
        hide_enough(layout, primary.values, labels, hidden, primary.never)
    knowledge = knowledge_of(primary)
    report = None
    for _round in range(MAX_REPAIR_ROUNDS):
        # Repairs only hide more cells, so the changes the last round found may still hold.
        earlier = report.changes if report is not None else ()
        report = audit_once(values, lines, signs, hidden, needs, knowledge, earlier, bounds=primary.bounds)
        if report.passed and earlier:
            report = audit_once(
                values, lines, signs, hidden, needs, knowledge, bounds=primary.bounds
            )  # the verifier's own answer
        if report.passed:
            break
        repairer = Repairer(values, lines, signs, hidden, costs, primary.bounds)  # changes ``hidden`` in place
        # An earlier repair of the round may have protected a later finding too: asked again first (by the
        # audit's own programs, which know no a-priori bounds: with bounds, every finding is repaired).
        still = StillShort(values, lines, signs, hidden, needs, knowledge)
        for cell in report.short:
            if primary.bounds or still.short(cell):
                added = repairer.protect(cell, needs[cell].upper, needs[cell].lower)
                info.repairs += _grown(still, added)
        for insider, cell in report.insider_short:
            if primary.bounds or still.short(cell, insider):
                # Against an insider the audit asks every primary cell to be able to rise, however little
                # its protection asks (``StillShort.short``): the repair aims at what the audit asks.
                upper = max(needs[cell].upper, still.insider_rise)
                added = repairer.protect(cell, upper, needs[cell].lower, (insider, knowledge[insider]))
                info.repairs += _grown(still, added)
        if report.exact and not report.short and not report.insider_short:
            hide_enough(layout, primary.values, labels, hidden, primary.never)
            if determined(line_equations(layout.lines, hidden)) == []:
                _hide_exact(layout, primary, hidden, report.exact)
    primaries = set(primary.primary)
    if info.method != "optimal" and report is not None and report.passed:
        before = list(hidden)
        bounds = primary.bounds
        info.pruned = prune(
            layout, values, lines, signs, hidden, needs, knowledge, costs, primaries, report.changes, bounds=bounds
        )
        if info.pruned and not audit_once(values, lines, signs, hidden, needs, knowledge, bounds=bounds).passed:
            # Some trial passed only at the edge of the audit's tolerance: again, each pass confirmed afresh.
            hidden[:] = before
            info.pruned = prune(
                layout,
                values,
                lines,
                signs,
                hidden,
                needs,
                knowledge,
                costs,
                primaries,
                report.changes,
                confirm=True,
                bounds=bounds,
            )
    info.cost = sum(costs[i] for i in range(n) if hidden[i] and i not in primaries)
    return hidden, info


def _grown(still: StillShort, added: Sequence[int]) -> bool:
    if added:
        still.grown()
    return bool(added)


def prune(
    layout: Layout,
    values: Sequence[float],
    lines: Sequence[Sequence[int]],
    signs: Sequence[Sequence[int]],
    hidden: list[bool],
    needs: dict[int, Requirement],
    knowledge: dict[int, Knowledge],
    costs: Sequence[float],
    primaries: set[int],
    earlier: Sequence = (),
    confirm: bool = False,
    bounds: dict[int, tuple[float, float]] | None = None,
) -> int:
    """Publish again each secondary cell the pattern does not need, the costliest first; returns how many.

    The heuristic hides cells line by line and repairs each short cell on its own, so a cell
    hidden early (often a total) may no longer be needed once later cells are hidden. Each
    secondary cell, in order of cost (the largest first, ties by position, so the result never
    depends on the machine), is published on trial; it stays published only if no hidden cell
    is then fixed by the lines and the whole audit, insiders included, still passes. The trials
    stop after ``PRUNE_PROGRAMS`` of the audit's programs (a work limit, not a clock), leaving
    the rest hidden: a pattern that passed stays one that passes.

    Each trial starts from the changes the last passing audit found (``earlier``); with
    ``confirm``, a trial that passes is audited again afresh, as the verifier will, since a pass
    thanks to an earlier change at the very edge of the audit's tolerance is no pass there.
    """
    candidates = sorted((i for i, h in enumerate(hidden) if h and i not in primaries), key=lambda i: (-costs[i], i))
    programs, published = 0, 0
    tolerance = tolerance_of(values)
    for cell in candidates:
        if programs >= PRUNE_PROGRAMS:
            break
        hidden[cell] = False
        if _alone_on_a_line(layout, hidden, cell):
            hidden[cell] = True  # a hidden cell alone on a line through it: fixed, as ``determined`` would say
            continue
        beside = StillShort(values, lines, signs, hidden, needs, knowledge, tolerance)
        short = _short_beside(layout, hidden, needs, knowledge, cell, beside)
        programs += max(1, beside.programs)
        if not short and not determined(line_equations(layout.lines, hidden)):
            trial = audit_once(values, lines, signs, hidden, needs, knowledge, earlier, bounds=bounds)
            programs += max(1, trial.programs)
            if trial.passed and confirm:
                trial = audit_once(values, lines, signs, hidden, needs, knowledge, bounds=bounds)
                programs += max(1, trial.programs)
            if trial.passed:
                published += 1
                earlier = trial.changes
                continue
        hidden[cell] = True
    return published


def _alone_on_a_line(layout: Layout, hidden: Sequence[bool], cell: int) -> bool:
    """Whether a line through ``cell`` holds exactly one hidden cell (which its published cells then give away)."""
    for number in layout.lines_of[cell]:
        line = layout.lines[number]
        if sum(hidden[member] for member in line.members) + hidden[line.margin] == 1:
            return True
    return False


def _short_beside(
    layout: Layout,
    hidden: Sequence[bool],
    needs: dict[int, Requirement],
    knowledge: dict[int, Knowledge],
    cell: int,
    still: StillShort,
) -> bool:
    """Whether a primary cell on a line through ``cell`` is short, for the outsider or an insider on those lines.

    Publishing a cell again mostly harms the cells beside it: asked first, they settle most
    failing trials with a few programs instead of the whole audit. A cell found short here is
    short for the audit too (the answer is the audit's own, with no tolerance), so no trial the
    audit would pass at its tolerance is lost but at that very edge.
    """
    beside = sorted(
        {
            member
            for number in layout.lines_of[cell]
            for member in (*layout.lines[number].members, layout.lines[number].margin)
        }
    )
    primaries = [i for i in beside if hidden[i] and i in needs]
    if any(still.short(i) for i in primaries):
        return True
    insiders = [k for k in beside if hidden[k] and k in knowledge]
    return any(still.short(i, k) for i in primaries for k in insiders if k != i and i not in knowledge[k].related)


def _hide_exact(layout: Layout, primary: Primary, hidden: list[bool], exact: Sequence[int]) -> None:
    """A hidden cell pinned by non-negativity (not by the lines alone): hide the smallest visible cell beside it."""
    for cell in exact:
        candidates = [
            member
            for number in layout.lines_of[cell]
            for member in (*layout.lines[number].members, layout.lines[number].margin)
            if not hidden[member] and primary.values[member] > 0 and member not in primary.structural
        ]
        if candidates:
            hidden[min(candidates, key=lambda m: primary.values[m])] = True


class _Secondary:
    """Hide further cells until no additive line has exactly one hidden cell.

    A work queue of lines (lowest line number first, so the result is deterministic) holds the
    lines with exactly one hidden cell; hiding a cell only re-queues the lines through it.
    """

    def __init__(
        self,
        layout: Layout,
        values: Sequence[Decimal],
        labels: Sequence[tuple[str, ...]],
        never: frozenset[int] = frozenset(),
    ):
        self.layout = layout
        self.never = never
        self.values = values
        self.labels = labels
        self.ranked: dict[int, list[int]] = {}
        self.cursor: dict[int, int] = {}

    def run(self, hidden: list[bool]) -> list[int]:
        """Mark more cells hidden (in place); return the ones added, in the order chosen."""
        lines = self.layout.lines
        count = [sum(hidden[m] for m in line.members) + hidden[line.margin] for line in lines]
        queue = [number for number, n in enumerate(count) if n == 1]  # ascending: already a heap
        added = []
        while queue:
            number = heapq.heappop(queue)
            if count[number] != 1:
                continue
            choice = self.choose(number, hidden, count)
            if choice is None:
                continue
            hidden[choice] = True
            added.append(choice)
            for other in self.layout.lines_of[choice]:
                count[other] += 1
                if count[other] == 1:
                    heapq.heappush(queue, other)
        return added

    def choose(self, number: int, hidden: list[bool], count: Sequence[int] | None = None) -> int | None:
        """The smallest non-zero visible member; else the margin; else (margin hidden alone) a zero member.

        Given the lines' hidden counts, a member that also closes another line left with a single
        hidden cell is preferred: one cell then protects two lines, and fewer cells are hidden.
        """
        line = self.layout.lines[number]
        order = self.ranked.get(number)
        if order is None:
            nonzero = (m for m in line.members if self.values[m] != 0)
            order = self.ranked[number] = sorted(nonzero, key=lambda m: (self.values[m], self.labels[m]))
            self.cursor[number] = 0
        position = self.cursor[number]
        while position < len(order) and hidden[order[position]]:
            position += 1
        self.cursor[number] = position
        if count is not None:
            for member in order[position:]:
                if not hidden[member] and any(
                    count[other] == 1 for other in self.layout.lines_of[member] if other != number
                ):
                    return member
        if position < len(order):
            return order[position]
        if not hidden[line.margin] and line.margin not in self.never:
            return line.margin
        zeros = sorted((m for m in line.members if not hidden[m] and m not in self.never), key=self.labels.__getitem__)
        return zeros[0] if zeros else None


MAX_EXTRA_ROUNDS = 200


def hide_enough(
    layout: Layout,
    values: Sequence[Decimal],
    labels: Sequence[tuple[str, ...]],
    hidden: list[bool],
    never: frozenset[int] = frozenset(),
) -> None:
    """Secondary suppression: no line with a single hidden cell, then none that lines combined give away.

    The line rule is fast and settles almost every table; the exact check then finds any
    hidden cell still fixed by combining lines, and hides one more cell in one of its lines
    (the smallest non-zero visible one) until none is, or the rounds run out (the verifier
    then fails the table).
    """
    secondary = _Secondary(layout, values, labels, never)
    secondary.run(hidden)
    for _round in range(MAX_EXTRA_ROUNDS):
        fixed = determined(line_equations(layout.lines, hidden))
        if not fixed:
            return
        choice = next(
            (
                chosen
                for number in layout.lines_of[fixed[0]]
                if (chosen := secondary.choose(number, hidden)) is not None and not hidden[chosen]
            ),
            None,
        )
        if choice is None:
            return
        hidden[choice] = True
        secondary.run(hidden)
