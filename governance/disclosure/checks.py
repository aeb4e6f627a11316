"""The disclosure check: decide, cell by cell, what of a table may be published and in what form.

Three treatments, chosen by the extract the table was drawn from and the configured method:

- Sample extracts: every number is grossed up by its sampling weight and rounded, because a
  sample count is an estimate, not a fact; cells resting on too few sample cases are hidden.
- Full (100%) extracts, suppression: cells that would identify people or businesses are
  hidden (primary suppression); further cells are hidden so the first ones cannot be worked
  out by subtracting from the totals (secondary suppression); what remains is rounded.
- Full extracts, perturbation: nothing is hidden; every number is moved by a small amount
  that depends only on the cell itself and a secret key, so the same cell reads the same in
  every table and differencing two tables reveals nothing. Small counts are never published
  as they are: a count ``0 < raw < threshold`` becomes 0 if ``raw + adjustment`` is below
  half the threshold, and the threshold itself otherwise. Zero stays zero.

Whatever the treatment, the protected table is then verified independently of the steps
that produced it (see ``verify_protection``): a bug in the protection fails the check
instead of publishing a recoverable number.

Terms: a *line* is the set of cells that differ only in one category column, together with
that column's *margin* (the cell labelled Total there). A line whose margin is in the table
is additive: if exactly one of its cells is hidden, subtraction reveals it.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from operator import itemgetter

from governance.disclosure.linear import determined, line_equations
from governance.disclosure.rules import Method, Rules, TotalsPolicy
from governance.disclosure.tables import (
    FREQUENCY,
    MAGNITUDE,
    TOTAL_LABEL,
    Cell,
    Table,
    canonical,
    decimal_text,
    is_total_label,
)

SUPPRESSED_MARK = "[c]"
MAX_LISTED_PROBLEMS = 10
TOO_DETAILED = (
    "Too many cells would have to be hidden to publish this table safely: it is too detailed. "
    "Combine categories (for example, merge small groups or use broader bands) and check it again."
)


class Extract(StrEnum):
    """The kind of extract a table was drawn from."""

    SAMPLE = "sample"
    FULL = "full"


class Flag(StrEnum):
    """Why a cell was changed or hidden."""

    THRESHOLD = "threshold"
    P_PERCENT = "p_percent"
    NK = "nk_dominance"
    LOW_SAMPLE = "low_sample"
    SECONDARY = "secondary"
    ROUNDED = "rounded"
    GROSSED = "grossed"
    PERTURBED = "perturbed"


PRIMARY_FLAGS = frozenset({Flag.THRESHOLD, Flag.P_PERCENT, Flag.NK, Flag.LOW_SAMPLE})


@dataclass(frozen=True)
class CellResult:
    """One cell after the check: its true number, what may be published, and why it differs."""

    key: tuple[str, ...]
    raw: Decimal
    published: Decimal | None
    flags: tuple[Flag, ...]
    is_total: bool

    @property
    def suppressed(self) -> bool:
        return self.published is None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check, storable as JSON and naming the exact table and settings it used.

    ``counts`` holds: cells; suppressed (hidden); primary (unsafe in themselves: threshold,
    dominance or low sample); secondary; rounded; perturbed; flagged (cells with any flag,
    i.e. changed or hidden); low_sample; no_contributors (magnitude cells of a full extract
    checked by suppression that had no contributor data, so no dominance rule could apply).
    """

    passed: bool
    problems: tuple[str, ...]
    cells: tuple[CellResult, ...]
    extract: Extract
    method: str
    rules_digest: str
    table_digest: str
    counts: dict[str, int]

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "problems": list(self.problems),
            "cells": [
                {
                    "key": list(cell.key),
                    "raw": decimal_text(cell.raw),
                    "published": None if cell.published is None else decimal_text(cell.published),
                    "flags": [flag.value for flag in cell.flags],
                    "is_total": cell.is_total,
                }
                for cell in self.cells
            ],
            "extract": self.extract.value,
            "method": self.method,
            "rules_digest": self.rules_digest,
            "table_digest": self.table_digest,
            "counts": dict(self.counts),
        }

    @classmethod
    def from_json(cls, data: dict) -> CheckResult:
        cells = tuple(
            CellResult(
                key=tuple(item["key"]),
                raw=Decimal(item["raw"]),
                published=None if item["published"] is None else Decimal(item["published"]),
                flags=tuple(Flag(flag) for flag in item["flags"]),
                is_total=bool(item["is_total"]),
            )
            for item in data["cells"]
        )
        return cls(
            passed=bool(data["passed"]),
            problems=tuple(data["problems"]),
            cells=cells,
            extract=Extract(data["extract"]),
            method=data["method"],
            rules_digest=data["rules_digest"],
            table_digest=data["table_digest"],
            counts={name: int(number) for name, number in data["counts"].items()},
        )

    def protected_rows(self, table: Table) -> list[list[str]]:
        """The publishable table: header, then labels and published value ("[c]" where hidden), nothing else.

        Refuses a table other than the one checked, so the wrong numbers cannot be released under this result.
        """
        if table.digest != self.table_digest:
            raise ValueError("This check result belongs to a different table.")
        rows = [[*table.category_columns, table.value_column]]
        for cell in self.cells:
            shown = SUPPRESSED_MARK if cell.published is None else decimal_text(cell.published)
            rows.append([*cell.key, shown])
        return rows


# --- the table's structure -------------------------------------------------------------


@dataclass
class _Line:
    """Cells differing only in one category column, and the margin cell that sums them."""

    column: int
    members: list[int]
    margin: int = -1


@dataclass
class _Layout:
    """The line index, built once per check so secondary suppression never rescans the table."""

    keys: list[tuple[str | None, ...]]  # labels, with None for every total label
    is_total: list[bool]
    lines: list[_Line]  # only lines whose margin is in the table and that have members
    lines_of: list[list[int]]  # for each cell, the lines it belongs to (as member or margin)


def _normal_keys(table: Table) -> list[tuple[str | None, ...]]:
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


def _layout(table: Table) -> _Layout:
    """Group cells into lines along every category column; lines are numbered in table order."""
    keys = _normal_keys(table)
    groups: dict[tuple, _Line] = {}
    for index, key in enumerate(keys):
        for column in range(len(key)):
            identity = (column, key[:column] + key[column + 1 :])
            line = groups.get(identity)
            if line is None:
                line = groups[identity] = _Line(column, [])
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
    return _Layout(keys, [None in key for key in keys], lines, lines_of)


# --- primary rules ---------------------------------------------------------------------


def dominance_flags(cell: Cell, rules: Rules) -> list[Flag]:
    """Contributor rules for one magnitude cell: too few contributors, p% rule, (n,k) rule.

    The p% rule asks whether the second-largest contributor could estimate the largest one's
    value to within p% by subtracting its own from the total; the (n,k) rule whether the n
    largest contributors dominate the total.
    """
    if not cell.contributors or cell.value == 0:
        return []
    largest = sorted(cell.contributors, reverse=True)
    total = cell.value
    flags = []
    if len(largest) < rules.min_contributors:
        flags.append(Flag.THRESHOLD)
    first, second = largest[0], (largest[1] if len(largest) > 1 else Decimal(0))
    if total - first - second < rules.p_percent / 100 * first:
        flags.append(Flag.P_PERCENT)
    if sum(largest[: rules.nk_n], Decimal(0)) > rules.nk_k / 100 * total:
        flags.append(Flag.NK)
    return flags


def _full_primary(table: Table, layout: _Layout, rules: Rules) -> tuple[list[list[Flag]], int]:
    """Primary flags for a full extract, and how many magnitude cells had no contributor data.

    A small count is unsafe wherever it stands: a total of 3 over hidden cells tells as much as
    a cell of 3, so the threshold applies to totals too.
    """
    flags: list[list[Flag]] = [[] for _ in table.cells]
    without_contributors = 0
    for index, cell in enumerate(table.cells):
        if cell.value == 0 or (layout.is_total[index] and table.kind == MAGNITUDE):
            continue  # a total of values has no contributors of its own; its cells are checked
        if table.kind == MAGNITUDE:
            if not cell.contributors:
                without_contributors += 1
            flags[index] = dominance_flags(cell, rules)
        elif cell.value < rules.threshold:
            flags[index] = [Flag.THRESHOLD]
    return flags, without_contributors


# --- secondary suppression -------------------------------------------------------------


class _Secondary:
    """Hide further cells until no additive line has exactly one hidden cell.

    A work queue of lines (lowest line number first, so the result is deterministic) holds the
    lines with exactly one hidden cell; hiding a cell only re-queues the lines through it.
    """

    def __init__(self, layout: _Layout, values: Sequence[Decimal], labels: Sequence[tuple[str, ...]]):
        self.layout = layout
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
        if not hidden[line.margin]:
            return line.margin
        zeros = sorted((m for m in line.members if not hidden[m]), key=self.labels.__getitem__)
        return zeros[0] if zeros else None


# --- publishing ------------------------------------------------------------------------


def round_to_base(value: Decimal, base: int) -> Decimal:
    """Round half up to the nearest multiple of ``base`` (1: unchanged)."""
    if base <= 1:
        return canonical(value)
    multiples = (value / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return canonical(multiples * base)


def _sums_beneath(layout: _Layout, values: Sequence[Decimal | None]) -> dict[int, Decimal | None]:
    """For each total cell with interior cells beneath it: their sum, or None if any of them is hidden.

    Totals are grouped by which columns they total over, so each group costs one pass over the interior.
    """
    width = len(layout.keys[0]) if layout.keys else 0
    patterns: dict[tuple[int, ...], list[int]] = {}
    for index, key in enumerate(layout.keys):
        if layout.is_total[index]:
            patterns.setdefault(tuple(j for j in range(width) if key[j] is None), []).append(index)
    interior = [index for index, total in enumerate(layout.is_total) if not total]
    sums: dict[int, Decimal | None] = {}
    for pattern, totals in patterns.items():
        project = _projection([j for j in range(width) if j not in pattern])
        by_labels = {project(layout.keys[index]): index for index in totals}
        for index in interior:
            margin = by_labels.get(project(layout.keys[index]))
            if margin is None:
                continue
            value = values[index]
            if margin not in sums:
                sums[margin] = value
            else:
                current = sums[margin]
                sums[margin] = None if current is None or value is None else current + value
    return sums


def _projection(columns: list[int]) -> Callable[[tuple], tuple]:
    if not columns:
        return lambda key: ()
    getter = itemgetter(*columns)
    if len(columns) == 1:
        return lambda key: (getter(key),)
    return getter


def _publish(
    layout: _Layout, own: Sequence[Decimal], hidden: Sequence[bool], totals: TotalsPolicy
) -> list[Decimal | None]:
    """Published values: each cell's own value; under ADDITIVE, a total is the sum of the published cells
    beneath it when none of them is hidden (otherwise its own value, still consistent with hidden cells)."""
    published: list[Decimal | None] = [None if hidden[i] else own[i] for i in range(len(own))]
    if totals == TotalsPolicy.ADDITIVE:
        for margin, total in _sums_beneath(layout, published).items():
            if total is not None and published[margin] is not None:
                published[margin] = canonical(total)
    return published


# --- the three treatments ----------------------------------------------------------------


@dataclass
class _Outcome:
    published: list[Decimal | None]
    flags: list[list[Flag]]
    without_contributors: int = 0


MAX_EXTRA_ROUNDS = 200


def _hide_enough(table: Table, layout: _Layout, raw: Sequence[Decimal], hidden: list[bool], flags) -> None:
    """Secondary suppression: no line with a single hidden cell, then none that lines combined give away.

    The line rule is fast and settles almost every table; the exact check then finds any
    hidden cell still fixed by combining lines, and hides one more cell in one of its lines
    (the smallest non-zero visible one) until none is, or the rounds run out (the verifier
    then fails the table).
    """
    secondary = _Secondary(layout, raw, [cell.key for cell in table.cells])
    for index in secondary.run(hidden):
        flags[index].append(Flag.SECONDARY)
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
        flags[choice].append(Flag.SECONDARY)
        for index in secondary.run(hidden):
            flags[index].append(Flag.SECONDARY)


def _suppress(table: Table, layout: _Layout, rules: Rules) -> _Outcome:
    raw = [cell.value for cell in table.cells]
    flags, without_contributors = _full_primary(table, layout, rules)
    hidden = [bool(f) for f in flags]
    _hide_enough(table, layout, raw, hidden, flags)
    own = [round_to_base(value, rules.rounding_base) for value in raw]
    published = _publish(layout, own, hidden, rules.totals)
    for index, value in enumerate(published):
        if value is not None and value != raw[index]:
            flags[index].append(Flag.ROUNDED)
    return _Outcome(published, flags, without_contributors)


def _gross(table: Table, layout: _Layout, rules: Rules) -> _Outcome:
    raw = [cell.value for cell in table.cells]
    estimates = [
        cell.value * (cell.weight if cell.weight is not None else rules.sampling_weight) for cell in table.cells
    ]
    flags: list[list[Flag]] = [[] for _ in table.cells]
    if table.kind == FREQUENCY:
        for index, value in enumerate(raw):
            if 0 < value < rules.min_sample_cases:  # totals too: an estimate resting on few cases is weak anywhere
                flags[index].append(Flag.LOW_SAMPLE)
    hidden = [bool(f) for f in flags]
    _hide_enough(table, layout, raw, hidden, flags)
    own = [round_to_base(value, rules.rounding_base) for value in estimates]
    published = _publish(layout, own, hidden, rules.totals)
    for index, value in enumerate(published):
        if value is not None:
            flags[index].append(Flag.GROSSED)
            if value != estimates[index]:
                flags[index].append(Flag.ROUNDED)
    return _Outcome(published, flags)


def perturbation_adjustment(secret: str, scope: str, pairs: Sequence[tuple[str, str]], raw: Decimal, most: int) -> int:
    """A whole number in [-most, +most], uniform, fixed by (secret, scope, the cell's labels, its value).

    The labels are taken as sorted (column, label) pairs, so column order and the rest of the
    table make no difference: the same cell gets the same adjustment wherever it appears.
    """
    if most <= 0:
        return 0
    message = json.dumps([scope, sorted(pairs), decimal_text(raw)], separators=(",", ":"), ensure_ascii=False)
    span = 2 * most + 1
    limit = (1 << 64) - (1 << 64) % span  # reject the top sliver so every adjustment is equally likely
    salt = 0
    while True:
        digest = hmac.digest(secret.encode(), f"{message}#{salt}".encode(), hashlib.sha256)
        for offset in range(0, len(digest), 8):
            number = int.from_bytes(digest[offset : offset + 8], "big")
            if number < limit:
                return number % span - most
        salt += 1


def _perturb(table: Table, layout: _Layout, rules: Rules, scope: str) -> _Outcome:
    columns = [column.strip().casefold() for column in table.category_columns]
    threshold = Decimal(rules.threshold)
    own = []
    for cell in table.cells:
        raw = cell.value
        if raw == 0:
            own.append(raw)
            continue
        pairs = [
            (column, TOTAL_LABEL if is_total_label(label) else label)
            for column, label in zip(columns, cell.key, strict=True)
        ]
        moved = raw + perturbation_adjustment(rules.perturbation_key, scope, pairs, raw, rules.perturbation_max)
        if table.kind == FREQUENCY and raw < threshold:
            own.append(Decimal(0) if moved < threshold / 2 else threshold)
        else:
            own.append(canonical(max(Decimal(0), moved)))
    # Totals are always the sum of their perturbed cells: a total perturbed on its own, less
    # the other cells of its line, would give a small cell back almost exactly.
    published = _publish(layout, own, [False] * len(own), TotalsPolicy.ADDITIVE)
    flags: list[list[Flag]] = [[] for _ in table.cells]
    for index, value in enumerate(published):
        if value != table.cells[index].value:
            flags[index].append(Flag.PERTURBED)
    return _Outcome(published, flags)


# --- verification ------------------------------------------------------------------------

NO_CONTRIBUTORS = (
    "{} cells of this table of values have no contributor data, so whether one business or person "
    "dominates them cannot be checked. Give each cell's contributors and check it again."
)
MAGNITUDE_PERTURBATION = (
    "Tables of values from a 100% extract cannot be protected by the method in force for this release: "
    "ask disclosure control to check this table."
)


def _unprotectable(table: Table, extract: Extract, rules: Rules, outcome: _Outcome) -> list[str]:
    """Tables the rules cannot make safe, so the check fails instead of publishing them unprotected."""
    if extract != Extract.FULL or table.kind != MAGNITUDE:
        return []
    if rules.method == Method.PERTURBATION:
        return [MAGNITUDE_PERTURBATION]  # small absolute noise does not hide a dominant contributor
    if outcome.without_contributors:
        return [NO_CONTRIBUTORS.format(outcome.without_contributors)]
    return []


def _describe(columns: Sequence[str], labels: Sequence[str]) -> str:
    return ", ".join(f"{column}={label}" for column, label in zip(columns, labels, strict=False))


def _capped(messages: list[str], more: str) -> list[str]:
    if len(messages) <= MAX_LISTED_PROBLEMS:
        return messages
    return [*messages[:MAX_LISTED_PROBLEMS], more.format(len(messages) - MAX_LISTED_PROBLEMS)]


def _recoverable(columns: Sequence[str], cells: Sequence[CellResult]) -> list[str]:
    """Lines with their total present in which exactly one cell (total included) is hidden."""
    lines: dict[tuple, list[int]] = {}  # (column, other labels) -> [has total, members, hidden]
    for cell in cells:
        labels = [TOTAL_LABEL if is_total_label(label) else label for label in cell.key]
        for column, label in enumerate(labels):
            entry = lines.setdefault((column, tuple(labels[:column] + labels[column + 1 :])), [0, 0, 0])
            if label == TOTAL_LABEL:
                entry[0] = 1
            else:
                entry[1] += 1
            entry[2] += cell.published is None
    messages = []
    for (column, others), (has_total, members, hidden) in lines.items():
        if has_total and members and hidden == 1:
            rest = [name for j, name in enumerate(columns) if j != column]
            where = f" for {_describe(rest, others)}" if others else ""
            messages.append(
                f"A suppressed cell in the {columns[column]} breakdown{where} could be recovered from its total."
            )
    return _capped(messages, "A suppressed cell could be recovered from its total in {} more places.")


def _unsafe_shown(columns: Sequence[str], cells: Sequence[CellResult]) -> list[str]:
    messages = [
        f"The cell {_describe(columns, cell.key)} is unsafe to publish but would be shown."
        for cell in cells
        if cell.published is not None and PRIMARY_FLAGS.intersection(cell.flags)
    ]
    return _capped(messages, "{} more unsafe cells would be shown.")


def verify_protection(table: Table, cells: Sequence[CellResult], rules: Rules) -> list[str]:
    """Problems with a protected table, found afresh from the published result (not the protection's bookkeeping).

    A suppressed cell is safe only if no additive line leaves it as the one hidden cell; an
    unsafe cell must be hidden; and a table that needs most of its cells hidden is too
    detailed to be worth publishing. The messages name cells, never the rules' settings.
    """
    problems = _recoverable(table.category_columns, cells) + _unsafe_shown(table.category_columns, cells)
    if not problems:
        problems = _worked_out(table, cells)
    interior = [cell for cell in cells if not any(is_total_label(label) for label in cell.key)]
    hidden = sum(cell.published is None for cell in interior)
    if interior and Decimal(hidden) / len(interior) > rules.max_suppressed_share:
        problems.append(TOO_DETAILED)
    return problems


def _worked_out(table: Table, cells: Sequence[CellResult]) -> list[str]:
    """Hidden cells whose value still follows from the published ones, through several lines at once."""
    hidden = [cell.published is None for cell in cells]
    if not any(hidden):
        return []
    fixed = determined(line_equations(_layout(table).lines, hidden))
    messages = [
        f"The suppressed cell {_describe(table.category_columns, cells[index].key)} could be worked out by "
        "combining published totals; hide more cells or combine categories."
        for index in fixed
    ]
    return _capped(messages, "… and {} more cells that could be worked out.")


# --- the check -----------------------------------------------------------------------------


def _counts(cells: Sequence[CellResult], without_contributors: int) -> dict[str, int]:
    def having(flag: Flag) -> int:
        return sum(flag in cell.flags for cell in cells)

    return {
        "cells": len(cells),
        "suppressed": sum(cell.published is None for cell in cells),
        "primary": sum(bool(PRIMARY_FLAGS.intersection(cell.flags)) for cell in cells),
        "secondary": having(Flag.SECONDARY),
        "rounded": having(Flag.ROUNDED),
        "perturbed": having(Flag.PERTURBED),
        "flagged": sum(bool(cell.flags) for cell in cells),
        "low_sample": having(Flag.LOW_SAMPLE),
        "no_contributors": without_contributors,
    }


def check_table(table: Table, extract: Extract, rules: Rules, *, scope: str = "") -> CheckResult:
    """Protect a table for release and verify the protection.

    ``scope`` names the source data (e.g. "assets:12,40") so perturbation is consistent across
    tables from the same sources. Raises ValueError if the rules are not valid.
    """
    invalid = rules.validate()
    if invalid:
        raise ValueError("The disclosure settings are not valid: " + " ".join(invalid))
    extract = Extract(extract)
    layout = _layout(table)
    if extract == Extract.SAMPLE:
        method, outcome = "sample grossing", _gross(table, layout, rules)
    elif rules.method == Method.PERTURBATION:
        method, outcome = Method.PERTURBATION.value, _perturb(table, layout, rules, scope)
    else:
        method, outcome = Method.SUPPRESSION.value, _suppress(table, layout, rules)
    cells = tuple(
        CellResult(
            key=cell.key,
            raw=cell.value,
            published=outcome.published[index],
            flags=tuple(outcome.flags[index]),
            is_total=layout.is_total[index],
        )
        for index, cell in enumerate(table.cells)
    )
    problems = [*_unprotectable(table, extract, rules, outcome), *verify_protection(table, cells, rules)]
    return CheckResult(
        passed=not problems,
        problems=tuple(problems),
        cells=cells,
        extract=extract,
        method=method,
        rules_digest=rules.digest,
        table_digest=table.digest,
        counts=_counts(cells, outcome.without_contributors),
    )
