"""The JJ format: a table's protection problem as tau-ARGUS and sdcTable read and write it.

A pattern chosen here can be checked by either tool, and a pattern chosen or changed there can
be brought back and audited here (``checks.check_pattern``). The format is plain text, one item
per line, numbers separated by spaces:

- ``0`` (the first line is always 0);
- the number of cells;
- one line per cell, in index order from 0: index, value, cost (the weight of hiding it), status,
  lower bound, upper bound (what every reader knows of the cell), lower protection level, upper
  protection level, sliding protection level. Statuses: ``s`` safe (may be published), ``u``
  unsafe (a primary cell), ``z`` safe and never to be hidden (here: structural zeros, whose
  bounds are 0 and 0), ``m`` marked (hidden as a secondary cell);
- the number of linear relations;
- one line per relation: the right-hand side, the number of cells in it, ``:``, then each cell
  as ``index (coefficient)``. Here every relation is an additive line: its members with +1 and
  its total with -1, adding up to 0.

The format has no infinity: an upper bound nobody knows is written as ``UNKNOWN_UPPER`` or ten
times the table's largest cell, whichever is larger. It has no insiders either: what a
contributor knows of its own cell stays in this engine's audit, which every uploaded pattern
passes through before it is accepted.

``from_jj`` is strict: it refuses the whole file, listing every problem (up to ``MAX_ERRORS``),
and refuses files beyond ``MAX_JJ_CELLS`` cells, ``MAX_JJ_RELATIONS`` relations or lines longer
than ``MAX_LINE_CHARS``, before reading further.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from governance.disclosure.layout import equations, layout_of
from governance.disclosure.primary import analyse
from governance.disclosure.rules import Rules, SecondaryCost
from governance.disclosure.tables import Table, decimal_text

SAFE, UNSAFE, FIXED, MARKED = "s", "u", "z", "m"
STATUSES = (SAFE, UNSAFE, FIXED, MARKED)
HIDDEN_STATUSES = frozenset({UNSAFE, MARKED})
MAX_JJ_CELLS = 1_000_000
MAX_JJ_RELATIONS = 200_000
MAX_LINE_CHARS = 4_000_000  # a relation line names at most every cell: about 20 characters each
MAX_CELL_LINE_CHARS = 1_000
MAX_ERRORS = 50
UNKNOWN_UPPER = Decimal(2_140_000_000)  # tau-ARGUS's default "infinity" for its solvers


class JJError(Exception):
    """A JJ file refused as a whole, with every problem found."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class JJCell:
    index: int
    value: Decimal
    cost: Decimal
    status: str
    lower: Decimal
    upper: Decimal
    lower_protection: Decimal = Decimal(0)
    upper_protection: Decimal = Decimal(0)
    sliding_protection: Decimal = Decimal(0)

    @property
    def hidden(self) -> bool:
        return self.status in HIDDEN_STATUSES


@dataclass(frozen=True)
class JJRelation:
    rhs: Decimal
    terms: tuple[tuple[int, int], ...]  # (cell index, coefficient)

    def normal(self) -> tuple[Decimal, frozenset[tuple[int, int]]]:
        """The relation regardless of the order its cells are listed in (or its sign)."""
        terms = frozenset(self.terms)
        flipped = frozenset((cell, -coefficient) for cell, coefficient in self.terms)
        if sorted(flipped) < sorted(terms):
            return -self.rhs, flipped
        return self.rhs, terms


@dataclass(frozen=True)
class JJProblem:
    cells: tuple[JJCell, ...]
    relations: tuple[JJRelation, ...]

    def unbalanced(self) -> list[int]:
        """The relations (by position) that do not hold on the cells' values."""
        values = [cell.value for cell in self.cells]
        return [
            number
            for number, relation in enumerate(self.relations)
            if sum((values[cell] * coefficient for cell, coefficient in relation.terms), Decimal(0)) != relation.rhs
        ]


# --- from a table ---------------------------------------------------------------------------------


def problem_of(table: Table, rules: Rules, *, sample: bool = False, hidden: Sequence[bool] | None = None) -> JJProblem:
    """The protection problem of a table: its cells (values, costs, statuses, bounds, levels) and lines.

    Statuses and protection levels are this engine's primary analysis under ``rules`` (estimates
    for a sample extract); ``hidden`` (a pattern, such as the last check's) marks the further
    cells hidden as ``m``. Costs are what secondary suppression minimises under ``rules``: the
    value, 1 for every cell, or the cell's weight.
    """
    layout = layout_of(table)
    primary = analyse(table, layout, rules, sample=sample)
    values = primary.values
    primaries = set(primary.primary)
    largest = max((abs(v) for v in values), default=Decimal(0))
    upper_bound = max(UNKNOWN_UPPER, 10 * largest)
    cells = []
    for index, value in enumerate(values):
        structural = index in primary.structural
        if structural or index in primary.kept:  # a cell stated protected a priori is never hidden either
            status = FIXED
        elif index in primaries:
            status = UNSAFE
        elif hidden is not None and hidden[index]:
            status = MARKED
        else:
            status = SAFE
        need = primary.protection.get(index)
        low, high = Decimal(0), Decimal(0) if structural else upper_bound
        if index in primary.bounds:  # what every reader knows a priori
            stated = primary.bounds[index]
            low = Decimal(str(stated[0]))
            high = Decimal(str(stated[1])) if stated[1] != float("inf") else upper_bound
        cost = _cost(rules, value, table.cells[index].cost)
        if index in primary.costs:
            cost = Decimal(str(primary.costs[index]))
        cells.append(
            JJCell(
                index=index,
                value=value,
                cost=cost,
                status=status,
                lower=low,
                upper=high,
                lower_protection=need.lower if need is not None and index in primaries else Decimal(0),
                upper_protection=need.upper if need is not None and index in primaries else Decimal(0),
            )
        )
    lines, signs = equations(layout)
    relations = tuple(
        JJRelation(Decimal(0), tuple(zip(line, line_signs, strict=True)))
        for line, line_signs in zip(lines, signs, strict=True)
    )
    return JJProblem(tuple(cells), relations)


def _cost(rules: Rules, value: Decimal, weight: Decimal | None) -> Decimal:
    if rules.secondary_cost == SecondaryCost.VALUE:
        return abs(value)
    if rules.secondary_cost == SecondaryCost.WEIGHT and weight is not None:
        return weight
    return Decimal(1)


# --- writing --------------------------------------------------------------------------------------


_number = decimal_text


def to_jj(problem: JJProblem) -> str:
    """The problem as JJ text (lines ending in a newline)."""
    out = ["0", str(len(problem.cells))]
    for cell in problem.cells:
        out.append(
            " ".join(
                (
                    str(cell.index),
                    _number(cell.value),
                    _number(cell.cost),
                    cell.status,
                    _number(cell.lower),
                    _number(cell.upper),
                    _number(cell.lower_protection),
                    _number(cell.upper_protection),
                    _number(cell.sliding_protection),
                )
            )
        )
    out.append(str(len(problem.relations)))
    for relation in problem.relations:
        terms = " ".join(f"{cell} ({coefficient})" for cell, coefficient in relation.terms)
        out.append(f"{_number(relation.rhs)} {len(relation.terms)} : {terms}")
    return "\n".join(out) + "\n"


# --- reading --------------------------------------------------------------------------------------


class _Problems:
    def __init__(self):
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)
        if len(self.messages) >= MAX_ERRORS:
            raise JJError([*self.messages, "Reading stopped here: correct these problems first."])


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _count(text: str | None, what: str, limit: int, where: str, problems: _Problems) -> int | None:
    if text is None:
        problems.add(f"The file ends before {where}, which should give the number of {what}.")
        return None
    number = _decimal(text.strip())
    if number is None or number != number.to_integral_value() or number < 0:
        problems.add(f"{where.capitalize()} should be the number of {what}, a whole number, not '{text.strip()[:40]}'.")
        return None
    if number > limit:
        raise JJError([*problems.messages, f"The file has {int(number):,} {what}; at most {limit:,} can be read."])
    return int(number)


_TERM = re.compile(r"\s*(\d+)\s*\(\s*([^()\s]+)\s*\)")


def from_jj(text: str) -> JJProblem:
    """Read JJ text; raises JJError listing every problem found (nothing is partly read)."""
    problems = _Problems()
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    for number, text_line in numbered:
        if len(text_line) > MAX_LINE_CHARS:
            raise JJError([f"Line {number} is longer than {MAX_LINE_CHARS:,} characters."])
    position = 0

    def take() -> tuple[int, str | None]:
        nonlocal position
        if position >= len(numbered):
            return len(text.splitlines()) + 1, None
        item = numbered[position]
        position += 1
        return item

    number, first = take()
    if first is None:
        raise JJError(["The file is empty; a JJ file starts with a line holding 0."])
    if first.strip() != "0" and _decimal(first.strip()) != 0:
        problems.add(f"Line {number}: a JJ file starts with a line holding 0, not '{first.strip()[:40]}'.")
    number, line = take()
    count = _count(line, "cells", MAX_JJ_CELLS, f"line {number}", problems)
    if count is None:
        raise JJError(problems.messages)
    cells = []
    for expected in range(count):
        number, line = take()
        if line is None:
            problems.add(f"The file ends after {expected:,} of its {count:,} cells.")
            raise JJError(problems.messages)
        cell = _read_cell(number, line, expected, problems)
        if cell is not None:
            cells.append(cell)
    number, line = take()
    relation_count = _count(line, "relations", MAX_JJ_RELATIONS, f"line {number}", problems)
    if relation_count is None:
        raise JJError(problems.messages)
    relations = []
    for expected in range(relation_count):
        number, line = take()
        if line is None:
            problems.add(f"The file ends after {expected:,} of its {relation_count:,} relations.")
            break
        relation = _read_relation(number, line, count, problems)
        if relation is not None:
            relations.append(relation)
    number, line = take()
    if line is not None:
        problems.add(f"Line {number}: the file goes on after its last relation.")
    if problems.messages:
        raise JJError(problems.messages)
    return JJProblem(tuple(cells), tuple(relations))


_CELL_FIELDS = (
    "value",
    "cost",
    "status",
    "lower bound",
    "upper bound",
    "lower protection level",
    "upper protection level",
    "sliding protection level",
)


def _read_cell(number: int, line: str, expected: int, problems: _Problems) -> JJCell | None:
    if len(line) > MAX_CELL_LINE_CHARS:
        problems.add(f"Line {number} is too long for a cell ({len(line):,} characters).")
        return None
    parts = line.split()
    if len(parts) != 9:
        problems.add(
            f"Line {number}: a cell has 9 items (index, value, cost, status, lower and upper bound, "
            f"lower, upper and sliding protection level), not {len(parts)}."
        )
        return None
    before = len(problems.messages)
    if parts[0] != str(expected):
        found = parts[0][:20]
        problems.add(f"Line {number}: cells are numbered from 0 in order; expected {expected}, found '{found}'.")
    numbers: dict[str, Decimal] = {}
    for name, part in zip(_CELL_FIELDS, parts[1:], strict=True):
        if name == "status":
            continue
        value = _decimal(part)
        if value is None:
            problems.add(f"Line {number}: the {name} '{part[:20]}' is not a number.")
        else:
            numbers[name] = value
    status = parts[3]
    if status not in STATUSES:
        problems.add(f"Line {number}: the status '{status[:10]}' is not one of s, u, z or m.")
    if len(problems.messages) > before:
        return None
    for name in ("cost", "lower protection level", "upper protection level", "sliding protection level"):
        if numbers[name] < 0:
            problems.add(f"Line {number}: the {name} must be 0 or more, not {parts[1 + _CELL_FIELDS.index(name)]}.")
    if not numbers["lower bound"] <= numbers["value"] <= numbers["upper bound"]:
        problems.add(f"Line {number}: the value {parts[1]} is not between its lower and upper bounds.")
    if len(problems.messages) > before:
        return None
    return JJCell(
        index=expected,
        value=numbers["value"],
        cost=numbers["cost"],
        status=status,
        lower=numbers["lower bound"],
        upper=numbers["upper bound"],
        lower_protection=numbers["lower protection level"],
        upper_protection=numbers["upper protection level"],
        sliding_protection=numbers["sliding protection level"],
    )


def _read_relation(number: int, line: str, cells: int, problems: _Problems) -> JJRelation | None:
    head, colon, tail = line.partition(":")
    parts = head.split()
    if not colon or len(parts) != 2:
        problems.add(
            f"Line {number}: a relation is its right-hand side, its number of cells, ':', then each cell "
            "as index (coefficient)."
        )
        return None
    rhs = _decimal(parts[0])
    size = _decimal(parts[1])
    if rhs is None:
        problems.add(f"Line {number}: the right-hand side '{parts[0][:20]}' is not a number.")
    if size is None or size != size.to_integral_value() or size < 1:
        problems.add(f"Line {number}: the number of cells '{parts[1][:20]}' is not a whole number above 0.")
    terms: list[tuple[int, int]] = []
    seen: set[int] = set()
    at = 0
    while at < len(tail) and tail[at:].strip():
        match = _TERM.match(tail, at)
        if match is None:
            problems.add(f"Line {number}: '{tail[at:].strip()[:30]}' is not a cell as index (coefficient).")
            return None
        cell, coefficient = int(match.group(1)), _decimal(match.group(2))
        if cell >= cells:
            problems.add(f"Line {number}: the relation names cell {cell}, but the file has {cells:,} cells.")
        elif cell in seen:
            problems.add(f"Line {number}: the relation names cell {cell} twice.")
        if coefficient is None or coefficient != coefficient.to_integral_value() or coefficient == 0:
            problems.add(f"Line {number}: the coefficient '{match.group(2)[:20]}' is not a whole number other than 0.")
        else:
            terms.append((cell, int(coefficient)))
        seen.add(cell)
        at = match.end()
    if size is not None and size == size.to_integral_value() and len(seen) != size:
        problems.add(f"Line {number}: the relation says it has {size} cells but lists {len(seen)}.")
        return None
    if rhs is None or len(terms) != len(seen):
        return None
    return JJRelation(rhs, tuple(terms))


# --- bringing a pattern back ------------------------------------------------------------------------


def pattern_from(uploaded: JJProblem, expected: JJProblem) -> list[bool]:
    """The hidden cells of an uploaded problem, once it is the same problem as ``expected``.

    The same cells with the same values, and the same relations (in any order); a structural zero
    may not be hidden. Raises JJError naming every difference (the first few of each kind).
    """
    problems: list[str] = []
    if len(uploaded.cells) != len(expected.cells):
        given, wanted = len(uploaded.cells), len(expected.cells)
        raise JJError([f"The file has {given:,} cells but the table has {wanted:,}: it is not this table."])
    pairs = list(zip(expected.cells, uploaded.cells, strict=True))
    differ = [mine.index for mine, theirs in pairs if mine.value != theirs.value]
    if differ:
        listed = ", ".join(str(i) for i in differ[:10])
        problems.append(f"{len(differ):,} cells have values other than this table's (cells {listed}).")
    fixed = [mine.index for mine, theirs in pairs if mine.status == FIXED and theirs.hidden]
    if fixed:
        listed = ", ".join(str(i) for i in fixed[:10])
        problems.append(f"Structural zeros are never hidden, but the file hides cells {listed}.")
    mine = {relation.normal() for relation in expected.relations}
    theirs = {relation.normal() for relation in uploaded.relations}
    if mine != theirs:
        problems.append(
            f"The file's relations are not this table's: {len(theirs - mine):,} are not the table's and "
            f"{len(mine - theirs):,} of the table's are missing."
        )
    if problems:
        raise JJError(problems)
    return [cell.hidden for cell in uploaded.cells]
