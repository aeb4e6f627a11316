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
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from governance.disclosure.intervals import AuditReport
from governance.disclosure.layout import Layout, layout_of, projection
from governance.disclosure.linear import determined, line_equations
from governance.disclosure.primary import PRIMARY_FLAGS, Flag, Primary, analyse, rule_flags
from governance.disclosure.rules import Method, Rules, TotalsPolicy
from governance.disclosure.secondary import WORK_LIMIT, PatternInfo, audit_pattern, choose_pattern, pattern_costs
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

ENGINE_VERSION = "2.3"  # recorded with every check: protection intervals, LP audit, insiders, optimal pattern
# 2.1: the audit stretches each change it finds and starts a repair round from the last one's changes, checked again
# 2.2: insiders know their own contributions; zero cells under margins; p% coalitions; structural zeros;
#      lines must add up, declared hierarchies; the pattern's program stops on work limits, not a clock
# 2.3: the cost by value is the value (plus a thousandth of the smallest cell); a-priori statements and bounds;
#      two-way tables past the insiders' cuts start from the outsider's least pattern
SUPPRESSED_MARK = "[c]"
GIVEN_PATTERN = "given pattern"  # the hidden cells came from elsewhere (a JJ file), audited like any other
NOT_SUPPRESSION = (
    "The rules in force protect this table by perturbation, not by hiding cells, so a pattern of hidden "
    "cells does not apply to it."
)
MAX_LISTED_PROBLEMS = 10
TOO_DETAILED = (
    "Too many cells would have to be hidden to publish this table safely: it is too detailed. "
    "Combine categories (for example, merge small groups or use broader bands) and check it again."
)


class Extract(StrEnum):
    """The kind of extract a table was drawn from."""

    SAMPLE = "sample"
    FULL = "full"


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
    audit: dict = field(default_factory=dict)

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
            "audit": dict(self.audit),
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
            audit=dict(data.get("audit") or {}),
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


# --- primary rules ---------------------------------------------------------------------


def dominance_flags(cell: Cell, rules: Rules) -> list[Flag]:
    """Contributor rules for one magnitude cell (see ``primary.rule_flags``)."""
    return rule_flags(cell.contributors, cell.value, rules)


# --- publishing ------------------------------------------------------------------------


def round_to_base(value: Decimal, base: int) -> Decimal:
    """Round half up to the nearest multiple of ``base`` (1: unchanged)."""
    if base <= 1:
        return canonical(value)
    multiples = (value / base).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return canonical(multiples * base)


def _sums_beneath(layout: Layout, values: Sequence[Decimal | None]) -> dict[int, Decimal | None]:
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
        project = projection([j for j in range(width) if j not in pattern])
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


def _publish(
    layout: Layout, own: Sequence[Decimal], hidden: Sequence[bool], totals: TotalsPolicy
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
    pattern: PatternInfo | None = None
    margins_checked: int = 0


def _protect(
    table: Table,
    layout: Layout,
    rules: Rules,
    *,
    sample: bool,
    given: Sequence[bool] | None = None,
    complete: bool = False,
) -> _Outcome:
    """Primary rules, secondary suppression (or the ``given`` pattern, as it is or ``complete``d by the
    repairs), then rounding (of estimates, for a sample)."""
    primary = analyse(table, layout, rules, sample=sample)
    flags = primary.flags
    primaries = set(primary.primary)
    if given is None or complete:
        labels = [cell.key for cell in table.cells]
        hidden, pattern = choose_pattern(layout, primary, rules, labels, start=given)
    else:
        hidden = [bool(h) and i not in primary.structural for i, h in enumerate(given)]
        costs = pattern_costs(primary, rules, [float(v) for v in primary.values])
        cost = sum(costs[i] for i, h in enumerate(hidden) if h and i not in primaries)
        pattern = PatternInfo(method=GIVEN_PATTERN, cost=cost)
    for index, is_hidden in enumerate(hidden):
        if is_hidden and index not in primaries:
            flags[index].append(Flag.SECONDARY)
    values = primary.values
    own = [round_to_base(value, rules.rounding_base) for value in values]
    published = _publish(layout, own, hidden, rules.totals)
    for index, value in enumerate(published):
        if value is None:
            continue
        if sample:
            flags[index].append(Flag.GROSSED)
        if value != values[index]:
            flags[index].append(Flag.ROUNDED)
    return _Outcome(published, flags, primary.without_contributors, pattern, primary.margins_checked)


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


def _perturb(table: Table, layout: Layout, rules: Rules, scope: str) -> _Outcome:
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
TOO_MUCH_WORK = (
    "Finding which cells to hide in this table took more work than the check allows, so it is refused "
    "rather than protected by a pattern that could differ from one run to the next. Combine categories "
    "or split the table, and check it again."
)
MAGNITUDE_PERTURBATION = (
    "Tables of values from a 100% extract cannot be protected by the method in force for this release: "
    "ask disclosure control to check this table."
)


def _unprotectable(table: Table, extract: Extract, rules: Rules, outcome: _Outcome) -> list[str]:
    """Tables the rules cannot make safe, so the check fails instead of publishing them unprotected."""
    if outcome.pattern is not None and outcome.pattern.method == WORK_LIMIT:
        return [TOO_MUCH_WORK]
    if table.kind != MAGNITUDE:
        return []
    if extract == Extract.FULL and rules.method == Method.PERTURBATION:
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


def _recoverable(columns: Sequence[str], cells: Sequence[CellResult], hidden: Sequence[bool]) -> list[str]:
    """Lines with their total present in which exactly one cell (total included) is hidden."""
    lines: dict[tuple, list[int]] = {}  # (column, other labels) -> [has total, members, hidden]
    for cell, is_hidden in zip(cells, hidden, strict=True):
        labels = [TOTAL_LABEL if is_total_label(label) else label for label in cell.key]
        for column, label in enumerate(labels):
            entry = lines.setdefault((column, tuple(labels[:column] + labels[column + 1 :])), [0, 0, 0])
            if label == TOTAL_LABEL:
                entry[0] = 1
            else:
                entry[1] += 1
            entry[2] += is_hidden
    messages = []
    for (column, others), (has_total, members, hidden_here) in lines.items():
        if has_total and members and hidden_here == 1:
            rest = [name for j, name in enumerate(columns) if j != column]
            where = f" for {_describe(rest, others)}" if others else ""
            messages.append(
                f"A suppressed cell in the {columns[column]} breakdown{where} could be recovered from its total."
            )
    return _capped(messages, "A suppressed cell could be recovered from its total in {} more places.")


def _unsafe_shown(columns: Sequence[str], cells: Sequence[CellResult], unsafe: set[int]) -> list[str]:
    messages = [
        f"The cell {_describe(columns, cell.key)} is unsafe to publish but would be shown."
        for index, cell in enumerate(cells)
        if cell.published is not None and (index in unsafe or PRIMARY_FLAGS.intersection(cell.flags))
    ]
    return _capped(messages, "{} more unsafe cells would be shown.")


def _narrowed(table: Table, cells: Sequence[CellResult], report: AuditReport) -> list[str]:
    columns = table.category_columns
    messages = [
        f"The suppressed cell {_describe(columns, cells[index].key)} could be narrowed by combining published "
        "cells and totals to a range too close to its value; hide more cells or combine categories."
        for index in report.short
    ]
    messages += [
        f"The suppressed cell {_describe(columns, cells[index].key)} could be narrowed too far by a contributor "
        f"to {_describe(columns, cells[insider].key)}, who knows their own value."
        for insider, index in report.insider_short
    ]
    messages += [
        f"The suppressed cell {_describe(columns, cells[index].key)} could be worked out exactly from the "
        "published cells and totals."
        for index in report.exact
    ]
    return _capped(messages, "… and {} more cells that could be narrowed.")


def verify_protection(
    table: Table, cells: Sequence[CellResult], rules: Rules, extract: Extract = Extract.FULL
) -> list[str]:
    """Problems with a protected table, found afresh from the published result (not the protection's bookkeeping)."""
    return _verify(table, cells, rules, Extract(extract))[0]


def _verify(table: Table, cells: Sequence[CellResult], rules: Rules, extract: Extract) -> tuple[list[str], dict]:
    """The verifier: the problems, and a summary of the audit for the disclosure record.

    Which cells are unsafe is worked out again from the table and the rules; which are hidden is
    read from the published result. Every unsafe cell (margins included) must be hidden; no
    additive line may leave a single hidden cell; and the LP audit must show every primary cell's
    interval covering its protection, also with each insider's knowledge, and no hidden cell
    recoverable exactly. A table that needs most of its cells hidden is too detailed to be worth
    publishing. The messages name cells, never the rules' settings.
    """
    # A structural zero is known to every reader, hidden or not.
    hidden = [cell.published is None and not source.structural for cell, source in zip(cells, table.cells, strict=True)]
    layout = layout_of(table)
    primary = None
    if extract == Extract.SAMPLE or rules.method == Method.SUPPRESSION:
        primary = analyse(table, layout, rules, sample=extract == Extract.SAMPLE)
    unsafe = set(primary.primary) if primary else set()
    problems = _kept_hidden(table, cells, primary, hidden, unsafe) if primary else []
    problems += _recoverable(table.category_columns, cells, hidden)
    problems += _unsafe_shown(table.category_columns, cells, unsafe)
    if not problems:
        problems = _worked_out(table, cells, hidden)
    summary = {"hidden_checked": sum(hidden), "primary_checked": 0, "insiders_checked": 0, "programs": 0}
    summary["changes_reused"] = 0
    summary |= {"protection_short": 0, "insider_short": 0, "exact": 0, "margins_checked": 0}
    interior = [cell for cell in cells if not any(is_total_label(label) for label in cell.key)]
    suppressed = sum(cell.published is None for cell in interior)
    too_detailed = bool(interior) and Decimal(suppressed) / len(interior) > rules.max_suppressed_share
    if primary is not None and any(hidden) and not problems and not too_detailed:
        report = audit_pattern(layout, primary, hidden)
        summary |= {
            "primary_checked": len(unsafe),
            "insiders_checked": report.insiders,
            "programs": report.programs,
            "changes_reused": report.reused,
            "protection_short": len(report.short),
            "insider_short": len(report.insider_short),
            "exact": len(report.exact),
            "margins_checked": primary.margins_checked,
        }
        problems = _narrowed(table, cells, report)
    if too_detailed:
        problems.append(TOO_DETAILED)
    return problems, summary


def _kept_hidden(
    table: Table, cells: Sequence[CellResult], primary: Primary, hidden: Sequence[bool], unsafe: set[int]
) -> list[str]:
    """Cells stated protected a priori (never hidden) that are unsafe, or that protecting the table hides."""
    messages = []
    for index in sorted(primary.kept):
        where = _describe(table.category_columns, cells[index].key)
        if index in unsafe:
            messages.append(
                f"The cell {where} is protected in the a-priori file (never hidden) but is unsafe under the rules. "
                "State it safe or unsafe instead."
            )
        elif hidden[index]:
            messages.append(
                f"The cell {where} is protected in the a-priori file (never hidden), but the table cannot be "
                "protected without hiding it. Remove its protection or combine categories."
            )
    return _capped(messages, "… and {} more protected cells.")


def _worked_out(table: Table, cells: Sequence[CellResult], hidden: Sequence[bool]) -> list[str]:
    """Hidden cells whose value still follows from the published ones, through several lines at once."""
    if not any(hidden):
        return []
    fixed = determined(line_equations(layout_of(table).lines, hidden))
    messages = [
        f"The suppressed cell {_describe(table.category_columns, cells[index].key)} could be worked out by "
        "combining published totals; hide more cells or combine categories."
        for index in fixed
    ]
    return _capped(messages, "… and {} more cells that could be worked out.")


# --- the check -----------------------------------------------------------------------------


def _refused(table: Table, extract: Extract, rules: Rules, layout: Layout, problems: list[str]) -> CheckResult:
    """A table refused before any protection: nothing of it is published."""
    cells = tuple(
        CellResult(key=cell.key, raw=cell.value, published=None, flags=(), is_total=layout.is_total[index])
        for index, cell in enumerate(table.cells)
    )
    return CheckResult(
        passed=False,
        problems=tuple(problems),
        cells=cells,
        extract=extract,
        method="refused",
        rules_digest=rules.digest,
        table_digest=table.digest,
        counts=_counts(cells, 0),
        audit={"engine": ENGINE_VERSION, "pattern": PatternInfo(method="none").to_json()},
    )


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


# Contributions are typed in rounded: a line of values may miss its total by this much (as contributors may).
LINE_TOLERANCE = Decimal("0.005")
LINE_ABSOLUTE_TOLERANCE = Decimal("0.01")


def unbalanced_lines(table: Table, layout: Layout) -> list[str]:
    """Lines whose cells do not add up to their total, each named: such a table is not what its labels say.

    A column listing regions and their sub-regions side by side adds each region twice; declaring
    the column's hierarchy makes each level add up to its own total. Counts must add up exactly,
    values within 0.5% (they are often typed in rounded).
    """
    columns = table.category_columns
    messages = []
    for line in layout.lines:
        cells = table.cells
        total = sum((cells[m].value for m in line.members), Decimal(0))
        margin = cells[line.margin].value
        allowed = Decimal(0)
        if table.kind == MAGNITUDE:
            allowed = max(abs(margin) * LINE_TOLERANCE, LINE_ABSOLUTE_TOLERANCE)
        if abs(total - margin) <= allowed:
            continue
        column = columns[line.column]
        key = cells[line.margin].key
        rest = [(name, label) for j, (name, label) in enumerate(zip(columns, key, strict=True)) if j != line.column]
        where = f" for {', '.join(f'{name}={label}' for name, label in rest)}" if rest else ""
        parts = ", ".join(cells[m].key[line.column] for m in line.members[:8])
        if len(line.members) > 8:
            parts += f" and {len(line.members) - 8} more"
        messages.append(
            f"The {column} breakdown{where} does not add up: {parts} come to {decimal_text(total)}, but "
            f"{key[line.column]} is {decimal_text(margin)}. If the column mixes levels (such as regions and "
            f"their sub-regions), declare its hierarchy with a '{column} parent' column or a hierarchy file."
        )
    return _capped(messages, "… and {} more lines that do not add up.")


def check_table(table: Table, extract: Extract, rules: Rules, *, scope: str = "") -> CheckResult:
    """Protect a table for release and verify the protection.

    ``scope`` names the source data (e.g. "assets:12,40") so perturbation is consistent across
    tables from the same sources. Raises ValueError if the rules are not valid.
    """
    invalid = rules.validate()
    if invalid:
        raise ValueError("The disclosure settings are not valid: " + " ".join(invalid))
    extract = Extract(extract)
    layout = layout_of(table)
    unbalanced = unbalanced_lines(table, layout)
    if unbalanced:
        return _refused(table, extract, rules, layout, unbalanced)
    if extract == Extract.SAMPLE:
        method, outcome = "sample grossing", _protect(table, layout, rules, sample=True)
    elif rules.method == Method.PERTURBATION:
        method, outcome = Method.PERTURBATION.value, _perturb(table, layout, rules, scope)
    else:
        method, outcome = Method.SUPPRESSION.value, _protect(table, layout, rules, sample=False)
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
    found, audited = _verify(table, cells, rules, extract)
    problems = [*_unprotectable(table, extract, rules, outcome), *found]
    pattern = outcome.pattern.to_json() if outcome.pattern else PatternInfo(method="none").to_json()
    return CheckResult(
        passed=not problems,
        problems=tuple(problems),
        cells=cells,
        extract=extract,
        method=method,
        rules_digest=rules.digest,
        table_digest=table.digest,
        counts=_counts(cells, outcome.without_contributors),
        audit={"engine": ENGINE_VERSION, "pattern": pattern, **audited},
    )


def check_pattern(
    table: Table, extract: Extract, rules: Rules, hidden: Sequence[bool], *, scope: str = "", complete: bool = False
) -> CheckResult:
    """A pattern of hidden cells chosen elsewhere (such as tau-ARGUS, through a JJ file), published
    and verified exactly as a pattern chosen here would be: every unsafe cell hidden, no line
    giving a hidden cell away, the LP audit (insiders included) satisfied. The result says what is
    wrong with the pattern, cell by cell, when it falls short. With ``complete``, the pattern is
    the start the repairs build on (as they do on the heuristic's), hiding more cells until the
    audit passes. Raises ValueError if the rules are not valid or ``hidden`` does not have one
    entry per cell.
    """
    invalid = rules.validate()
    if invalid:
        raise ValueError("The disclosure settings are not valid: " + " ".join(invalid))
    if len(hidden) != len(table.cells):
        raise ValueError("A pattern needs one entry for each cell of the table.")
    extract = Extract(extract)
    layout = layout_of(table)
    unbalanced = unbalanced_lines(table, layout)
    if unbalanced:
        return _refused(table, extract, rules, layout, unbalanced)
    if extract == Extract.FULL and rules.method != Method.SUPPRESSION:
        return _refused(table, extract, rules, layout, [NOT_SUPPRESSION])
    sample = extract == Extract.SAMPLE
    outcome = _protect(table, layout, rules, sample=sample, given=hidden, complete=complete)
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
    found, audited = _verify(table, cells, rules, extract)
    problems = [*_unprotectable(table, extract, rules, outcome), *found]
    return CheckResult(
        passed=not problems,
        problems=tuple(problems),
        cells=cells,
        extract=extract,
        method="sample grossing" if sample else Method.SUPPRESSION.value,
        rules_digest=rules.digest,
        table_digest=table.digest,
        counts=_counts(cells, outcome.without_contributors),
        audit={
            "engine": ENGINE_VERSION,
            "pattern": (outcome.pattern or PatternInfo(method=GIVEN_PATTERN)).to_json(),
            **audited,
        },
    )
