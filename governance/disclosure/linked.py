"""Auditing a release's tables together: a cell that appears in two tables is one unknown.

Two tables from the same source that share categories (say Region x Sex and Region x Age)
both publish the Region totals, and a table by region and one by sub-region are tied by the
hierarchy either declares for the column (each region the sum of its sub-regions). A cell
hidden in one may be published in the other, and the
lines of both constrain the same unknowns. Each cell is identified by its source and its
non-total (column, label) pairs, so ``Region=North, Sex=Total`` in one table and
``Region=North, Age=Total`` in another are the same number (the North total). A cell is
hidden only if every table that holds it hides it; the lines of every table are combined,
and the LP audit must still give every primary cell its protection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from governance.disclosure.checks import CheckResult, Extract
from governance.disclosure.intervals import AuditReport, Knowledge, Requirement, tolerance_of
from governance.disclosure.layout import equations, layout_of
from governance.disclosure.pattern import Repairer, costs_for
from governance.disclosure.primary import analyse
from governance.disclosure.rules import Method, Rules
from governance.disclosure.secondary import MAX_REPAIR_ROUNDS, audit_once, knowledge_of, requirements_of
from governance.disclosure.tables import Table, is_total_label


@dataclass(frozen=True)
class LinkedTable:
    """One passed table of a release, with the source it was drawn from."""

    name: str
    source: str
    table: Table
    result: CheckResult
    extract: Extract


@dataclass
class LinkedReport:
    tables: int
    shared_cells: int
    report: AuditReport | None
    narrowed: list[str]

    @property
    def passed(self) -> bool:
        return not self.narrowed


def _identity(source: str, table: Table, key: Sequence[str]) -> tuple:
    pairs = frozenset(
        (column.strip().casefold(), label)
        for column, label in zip(table.category_columns, key, strict=True)
        if not is_total_label(label)
    )
    return (source, pairs)


def _hierarchy_lines(index: dict[tuple, int], hierarchies: dict[tuple[str, str], dict[str, str]]) -> list[list[int]]:
    """Lines across tables from declared hierarchies: a label's cell is the sum of its parts' cells.

    For every cell of any table whose label in a column with a declared hierarchy has parts,
    and every part's cell (the same in every other column) is held by some table of the release,
    one line: the parts, then the whole (last). A region's cell in one table is then tied to the
    sums of its sub-regions in another.
    """
    children: dict[tuple[str, str], dict[str, list[str]]] = {}
    for (source, column), parents in hierarchies.items():
        for child, parent in parents.items():
            children.setdefault((source, column), {}).setdefault(parent, []).append(child)
    lines: list[list[int]] = []
    seen: set[tuple[int, ...]] = set()
    for identity, whole in list(index.items()):
        source, pairs = identity[0], identity[1]
        if len(identity) > 2:
            continue  # a cell the tables disagree about is no part of any line
        for column, label in pairs:
            parts = children.get((source, column), {}).get(label)
            if not parts:
                continue
            rest = pairs - {(column, label)}
            found = [index.get((source, rest | {(column, part)})) for part in sorted(parts)]
            members = [member for member in found if member is not None]
            if len(members) < len(found):
                continue
            line = (*members, whole)
            if line not in seen:
                seen.add(line)
                lines.append(list(line))
    return lines


@dataclass
class _Joined:
    """The release's tables as one problem: merged cells, every line, and each table's cells in it."""

    tables: list[LinkedTable]
    values: list[float]
    hidden: list[bool]
    names: list[str]
    lines: list[list[int]]
    signs: list[list[int]]
    needs: dict
    knowledge: dict
    locals: list[list[int]]
    shared: int
    structural: set[int]
    weights: list[float] = field(default_factory=list)  # each merged cell's weight of hiding
    disagreeing: set[str] = field(default_factory=set)  # tables holding a cell that another table gives otherwise
    unbalanced: int = 0  # lines across tables (declared hierarchies) whose parts do not add up to the whole


Analysed = dict[int, tuple]
"""Each table's layout and primary analysis, by ``id`` of its ``LinkedTable``: kept while one check joins the
same tables several ways (``same_population``)."""


def _analysed(linked: LinkedTable, rules: Rules, memo: Analysed | None) -> tuple:
    done = memo.get(id(linked)) if memo is not None else None
    if done is None:
        layout = layout_of(linked.table)
        done = (layout, analyse(linked.table, layout, rules, sample=linked.extract == Extract.SAMPLE))
        if memo is not None:
            memo[id(linked)] = done
    return done


def _join(tables: Sequence[LinkedTable], rules: Rules, memo: Analysed | None = None) -> _Joined:
    protected = [t for t in tables if t.extract == Extract.SAMPLE or rules.method == Method.SUPPRESSION]
    index: dict[tuple, int] = {}
    values: list[float] = []
    hidden: list[bool] = []
    names: list[str] = []
    lines: list[list[int]] = []
    signs: list[list[int]] = []
    needs: dict[int, Requirement] = {}
    knowledge: dict[int, Knowledge] = {}
    hierarchies: dict[tuple[str, str], dict[str, str]] = {}  # (source, column) -> each label's parent
    appearances: dict[int, int] = {}
    locals_: list[list[int]] = []
    structural: set[int] = set()
    weights: list[float] = []
    disagreeing: set[str] = set()
    for linked in protected:
        layout, primary = _analysed(linked, rules, memo)
        local: list[int] = []
        for position, cell in enumerate(linked.table.cells):
            identity = _identity(linked.source, linked.table, cell.key)
            merged = index.get(identity)
            if merged is not None and abs(values[merged] - float(primary.values[position])) > 1e-9 * max(
                1.0, abs(values[merged])
            ):
                merged = None  # the tables disagree about this number: not the same cell after all
                identity = (*identity, linked.name, position)
                disagreeing.add(linked.name)
            if merged is None:
                merged = index[identity] = len(values)
                values.append(float(primary.values[position]))
                weights.append(primary.weights[position])
                hidden.append(True)
                names.append(f"{linked.name}: " + ", ".join(cell.key))
            appearances[merged] = appearances.get(merged, 0) + 1
            shown = linked.result.cells[position].published is not None or cell.structural
            hidden[merged] = hidden[merged] and not shown
            if cell.structural:
                structural.add(merged)
            local.append(merged)
        locals_.append(local)
        table_lines, table_signs = equations(layout)
        lines += [[local[i] for i in line] for line in table_lines]
        signs += table_signs
        columns = [column.strip().casefold() for column in linked.table.category_columns]
        for column, pairs in linked.table.hierarchies:
            declared = hierarchies.setdefault((linked.source, columns[column]), {})
            declared.update(pairs)
        for position, need in requirements_of(primary).items():
            merged = local[position]
            old = needs.get(merged)
            needs[merged] = need if old is None else type(need)(max(old.lower, need.lower), max(old.upper, need.upper))
        for position, known in knowledge_of(primary).items():
            related = frozenset(local[cell] for cell in known.related)
            knowledge[local[position]] = Knowledge(known.lower, known.upper, related)
    linking = _hierarchy_lines(index, hierarchies)
    lines += linking
    signs += [[1] * (len(line) - 1) + [-1] for line in linking]
    shared = sum(1 for count in appearances.values() if count > 1) + len(linking)
    unbalanced = sum(
        1
        for *parts, whole in linking
        if abs(sum(values[part] for part in parts) - values[whole]) > 1e-9 * max(1.0, abs(values[whole]))
    )
    return _Joined(
        protected,
        values,
        hidden,
        names,
        lines,
        signs,
        needs,
        knowledge,
        locals_,
        shared,
        structural,
        weights,
        disagreeing,
        unbalanced,
    )


def same_population(tables: Sequence[LinkedTable], earlier: Sequence[LinkedTable], rules: Rules) -> list[LinkedTable]:
    """Of ``earlier`` (tables already published from the same source), those that count the same people as
    ``tables``, and so are audited with them.

    An intruder holds every earlier release; where one counted the same population (the same extract
    released again, or cut another way: by region then by sub-region), its published cells and lines
    bind the same unknowns. A table is the same population when it shares a number with the others
    (a cell, or a declared hierarchy's line across them) and disagrees about none: no shared cell
    differs, and every line across them adds up. A later population (a year on) differs somewhere,
    and is left to the differencing check, which compares nested populations.
    """
    memo: Analysed = {}
    group = list(tables)
    before = _join(group, rules, memo)
    for candidate in earlier:
        joined = _join([*group, candidate], rules, memo)
        if (
            joined.shared > before.shared
            and candidate.name not in joined.disagreeing
            and joined.disagreeing <= before.disagreeing
            and joined.unbalanced == before.unbalanced
        ):
            group.append(candidate)
            before = joined
    return group[len(tables) :]


def audit_release(
    tables: Sequence[LinkedTable], rules: Rules, combining: str = "combining the release's tables"
) -> LinkedReport:
    """The joint LP audit of tables checked by suppression (or sample grossing) that share cells.

    ``combining`` says in the findings what the intruder holds ("combining the release's tables",
    or with the earlier releases named)."""
    joined = _join(tables, rules)
    names = joined.names
    if len(joined.tables) < 2 or not joined.shared or not any(joined.hidden):
        return LinkedReport(len(joined.tables), joined.shared, None, [])
    # Remembered like a table's audit: the release's readiness page asks again on every view.
    report = audit_once(joined.values, joined.lines, joined.signs, joined.hidden, joined.needs, joined.knowledge)
    narrowed = [f"{names[i]} could be narrowed by {combining}." for i in report.short]
    narrowed += [f"{names[i]} could be narrowed by a contributor to {names[k]}." for k, i in report.insider_short]
    narrowed += [f"{names[i]} could be worked out exactly by {combining}." for i in report.exact]
    return LinkedReport(len(joined.tables), joined.shared, report, narrowed)


def protect_together(tables: Sequence[LinkedTable], rules: Rules) -> dict[str, list[int]] | None:
    """Further cells to hide, by table name (cell positions), so the release's tables pass the joint audit.

    The joint audit's findings are repaired as a single table's are (``pattern.Repairer``, least
    value moved first): a primary cell short of its protection, or one an insider narrows, gets
    further cells hidden, in whichever table holds them; a cell worked out exactly is made to
    move. A cell hidden in one table is hidden in every table that holds it. Returns None if
    the rounds run out before the audit passes (the release then stays refused).
    """
    joined = _join(tables, rules)
    hidden = list(joined.hidden)
    if len(joined.tables) < 2 or not joined.shared or not any(hidden):
        return {linked.name: [] for linked in joined.tables}
    costs = costs_for(joined.values, rules.secondary_cost.value, joined.weights)  # a structural zero is never moved
    tiny = 1e-6 * max(1.0, max(joined.values, default=1.0))
    rise = 10 * tolerance_of(joined.values)
    passed = False
    for _round in range(MAX_REPAIR_ROUNDS):
        report = audit_once(joined.values, joined.lines, joined.signs, hidden, joined.needs, joined.knowledge)
        if report.passed:
            passed = True
            break
        repairer = Repairer(joined.values, joined.lines, joined.signs, hidden, costs)
        for cell in report.short:
            repairer.protect(cell, joined.needs[cell].upper, joined.needs[cell].lower)
        for insider, cell in report.insider_short:
            need = joined.needs[cell]
            # As for one table: against an insider the audit asks every primary cell to be able to rise a little.
            upper = max(need.upper, rise)
            repairer.protect(cell, upper, need.lower, (insider, joined.knowledge[insider]))
        for cell in report.exact:
            repairer.protect(cell, max(tiny, joined.values[cell] * 1e-3), 0.0)
    if not passed:
        return None
    return {
        linked.name: [
            position
            for position, merged in enumerate(local)
            if hidden[merged] and linked.result.cells[position].published is not None
        ]
        for linked, local in zip(joined.tables, joined.locals, strict=True)
    }
