"""Output clearance: the automatic checks on a researcher's table before it leaves the secure setting.

In the manner of ACRO/SACRO, each check gives findings: ``fail`` (must not be released as it is)
or ``review`` (an output checker must look). The dominance and p% rules are the disclosure
engine's own (``primary.rule_flags``), applied to each magnitude cell's contributors.

- ``threshold``: a count below the threshold, or a magnitude cell with fewer contributors.
- ``dominance``: the n largest contributors hold more than k% of a cell's total.
- ``p_percent``: the second-largest contributor could estimate the largest to within p%.
- ``negative``: a cell with negative contributions, where dominance and p% mean nothing (review).
- ``zero``: a count of 0, structural or not (review).
- ``whole_line``: a row or column of the table whose whole population is in one cell, so everyone
  in that group shares its category (fail for counts; review for magnitude tables, as the engine's default).
- ``min_max``: a minimum or maximum is one contributor's own value (fail).
- ``format``: a statistic the checks do not know (review).
- ``differencing``: subtracting the table from an earlier cleared one (same category columns, or
  one added up over the columns the other lacks) leaves a group below the threshold (fail).

At most ``MAX_FINDINGS_PER_CHECK`` findings name one cell each for a check; the rest of that
check's cells are named together in one more finding, so a large table's findings stay readable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from governance.disclosure.differencing import compare
from governance.disclosure.output_tables import OutputTable, is_total_label, plural
from governance.disclosure.primary import Flag, rule_flags
from governance.disclosure.rules import Rules
from governance.disclosure.tables import FREQUENCY

FAIL = "fail"
REVIEW = "review"
MAX_FINDINGS_PER_CHECK = 50
CHECK_NAMES = {
    "threshold": "minimum number",
    "dominance": "dominance (n,k) rule",
    "p_percent": "p% rule",
    "negative": "negative values",
    "zero": "zero cells",
    "whole_line": "whole line in one category",
    "min_max": "minimum or maximum",
    "format": "unknown statistic",
    "differencing": "differencing",
    "residual_df": "residual degrees of freedom",
    "perfect_fit": "perfect fit",
}
MIN_MAX_STATISTICS = frozenset({"min", "max", "minimum", "maximum"})
KNOWN_STATISTICS = frozenset(
    {"", "total", "sum", "mean", "average", "median", "count", "sd", "std", "standard deviation", "variance"}
)


@dataclass(frozen=True)
class Finding:
    """One problem found by a check, in words for the researcher and the checker."""

    code: str
    outcome: str  # FAIL or REVIEW
    message: str
    cells: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"code": self.code, "outcome": self.outcome, "message": self.message, "cells": list(self.cells)}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        """A finding from ``to_dict`` output. Raises ValueError if it is malformed."""
        try:
            return cls(
                code=str(data["code"]),
                outcome=str(data["outcome"]),
                message=str(data["message"]),
                cells=tuple(str(cell) for cell in data.get("cells", ())),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"Malformed finding: {exc!r}") from exc


@dataclass(frozen=True)
class OutputRules:
    """The output checks' settings; the defaults are ACRO's (threshold 10, (2, 90%), p 10%, 10 residual df)."""

    threshold: int = 10
    dominance_n: int = 2
    dominance_k: float = 90.0  # percent, as the engine's (n,k) rule
    p_percent: float = 10.0
    minimum_residual_df: int = 10

    def engine_rules(self) -> Rules:
        """The engine's settings that apply these (a magnitude cell needs as many contributors as the threshold)."""
        return Rules(
            threshold=self.threshold,
            min_contributors=self.threshold,
            nk_n=self.dominance_n,
            nk_k=Decimal(str(self.dominance_k)),
            p_percent=Decimal(str(self.p_percent)),
        )

    def validate(self) -> list[str]:
        """Plain messages for settings that would make the checks meaningless; empty when they are sound."""
        problems = []
        for name in ("threshold", "dominance_n", "minimum_residual_df"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"The setting {name.replace('_', ' ')} must be a whole number.")
        for name in ("dominance_k", "p_percent"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
                problems.append(f"The setting {name.replace('_', ' ')} must be a number.")
        if problems:
            return problems
        if self.minimum_residual_df < 0:
            problems.append("The minimum residual degrees of freedom must be 0 or more.")
        return problems + self.engine_rules().validate()

    def to_dict(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> OutputRules:
        """Settings from ``to_dict`` output; missing settings take their defaults. Raises ValueError if malformed."""
        values: dict = {}
        for field in fields(cls):
            if field.name in data:
                convert = int if field.name in ("threshold", "dominance_n", "minimum_residual_df") else float
                try:
                    values[field.name] = convert(data[field.name])
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"Malformed output rules: {field.name}: {exc}") from exc
        return cls(**values)


class FindingList:
    """Findings in the order found; past the cap, a check's further cells are named together."""

    def __init__(self):
        self.findings: dict[tuple[str, str], list[Finding]] = {}
        self.more: dict[tuple[str, str], list[str]] = {}

    def add(self, code: str, outcome: str, message: str, *cells: str) -> None:
        found = self.findings.setdefault((code, outcome), [])
        if len(found) < MAX_FINDINGS_PER_CHECK:
            found.append(Finding(code, outcome, message, cells))
        else:
            self.more.setdefault((code, outcome), []).extend(cells)

    def extend(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.add(finding.code, finding.outcome, finding.message, *finding.cells)

    def all(self) -> list[Finding]:
        result = []
        for (code, outcome), found in self.findings.items():
            result.extend(found)
            more = self.more.get((code, outcome))
            if more:
                shown = ", ".join(f'"{cell}"' for cell in more[:5]) + (", ..." if len(more) > 5 else "")
                message = f"{plural(len(more), 'more cell')} fail the same check ({CHECK_NAMES[code]}): {shown}"
                if outcome == REVIEW:
                    message = f"{plural(len(more), 'more cell')} need the same review ({CHECK_NAMES[code]}): {shown}"
                result.append(Finding(code, outcome, message, tuple(more)))
        return result


def _percent(value: Decimal) -> str:
    """A percentage as people write it: '95%', '4.5%', '0.3%'."""
    rounded = value.quantize(Decimal("0.1"))
    return f"{rounded.normalize():f}%" if rounded != rounded.to_integral_value() else f"{int(rounded)}%"


def _check_cells(table: OutputTable, rules: OutputRules, found: FindingList) -> None:
    engine = rules.engine_rules()
    one, many = table.noun
    for cell in table.cells:
        label, statistic = cell.label, cell.statistic.casefold()
        if statistic in MIN_MAX_STATISTICS:
            found.add(
                "min_max",
                FAIL,
                f'The cell "{label}" gives a {cell.statistic}, which is one {one}\'s own value; '
                "publish a total, mean or median instead.",
                label,
            )
        elif statistic not in KNOWN_STATISTICS:
            found.add(
                "format",
                REVIEW,
                f'The cell "{label}" gives the statistic "{cell.statistic}", which the automatic checks do not '
                "know; the checker must decide whether it reveals anyone.",
                label,
            )
        if table.kind == FREQUENCY:
            if cell.count == 0:
                found.add(
                    "zero",
                    REVIEW,
                    f'The cell "{label}" counts no one; the checker must decide whether the zero reveals '
                    "something (it is safe only if no one could be in it).",
                    label,
                )
            elif cell.count < rules.threshold:
                found.add(
                    "threshold",
                    FAIL,
                    f'The cell "{label}" counts {plural(cell.count, one, many)}, '
                    f"fewer than the minimum of {rules.threshold:,}.",
                    label,
                )
            continue
        if cell.count < rules.threshold:
            found.add(
                "threshold",
                FAIL,
                f'The cell "{label}" has {plural(cell.count, one, many)}, '
                f"fewer than the minimum of {rules.threshold:,}.",
                label,
            )
        if any(value < 0 for value in cell.contributions):
            found.add(
                "negative",
                REVIEW,
                f'The cell "{label}" has negative values, so the dominance and p% rules cannot be applied; '
                "the checker must look at its contributors.",
                label,
            )
            continue
        flags = rule_flags(cell.contributions, cell.total, engine)
        largest = sorted(cell.contributions, reverse=True)
        if Flag.NK in flags:
            share = sum(largest[: rules.dominance_n], Decimal(0)) / cell.total * 100
            top = (
                "largest contributor holds"
                if rules.dominance_n == 1
                else f"{rules.dominance_n:,} largest contributors hold"
            )
            found.add(
                "dominance",
                FAIL,
                f'In the cell "{label}" the {top} {_percent(share)} of the total, '
                f"more than the {_percent(engine.nk_k)} allowed.",
                label,
            )
        if Flag.P_PERCENT in flags:
            rest = (cell.total - sum(largest[:2], Decimal(0))) / largest[0] * 100
            how = (
                "exactly"
                if rest == 0
                else f"to within {_percent(rest)}, closer than the {_percent(engine.p_percent)} allowed"
            )
            found.add(
                "p_percent",
                FAIL,
                f'In the cell "{label}" the second-largest contributor could work out the largest one\'s value {how}.',
                label,
            )


def _check_lines(table: OutputTable, found: FindingList) -> None:
    """Whole lines in one category: for each column, the cells equal in every other column (absent ones count 0)."""
    width = len(table.category_columns)
    if width < 2:
        return  # one column: "everyone is in one category" describes the table's population, not a group in it
    outcome = FAIL if table.kind == FREQUENCY else REVIEW
    one, many = table.noun
    flagged: set[int] = set()
    for column in range(width):
        categories: dict[str, set[str]] = {}
        lines: dict[tuple, list[int]] = {}
        for index, cell in enumerate(table.cells):
            label = cell.labels[column]
            if is_total_label(label):
                continue
            categories.setdefault(cell.statistic, set()).add(label)
            others = cell.labels[:column] + cell.labels[column + 1 :]
            if any(is_total_label(other) for other in others):
                continue  # a line of totals says of the whole table what the lines beneath it say of each group
            lines.setdefault((cell.statistic, others), []).append(index)
        for (statistic, others), members in lines.items():
            if len(categories[statistic]) < 2:
                continue
            holding = [index for index in members if table.cells[index].count > 0]
            if len(holding) != 1 or holding[0] in flagged:
                continue
            flagged.add(holding[0])
            cell = table.cells[holding[0]]
            group = ", ".join(others)
            found.add(
                "whole_line",
                outcome,
                f'All {plural(cell.count, one, many)} in "{group}" are in the cell "{cell.label}": the table shows '
                f'that every one of them is "{cell.labels[column]}" ({table.category_columns[column]}).',
                cell.label,
            )


def _check_differencing(table: OutputTable, earlier: OutputTable, rules: OutputRules, found: FindingList) -> None:
    """A nested pair of tables (every shared cell larger in one, or equal) whose difference in a cell is small."""
    comparison = compare(
        table.category_columns,
        ((cell.labels, cell.count) for cell in table.cells),
        earlier.category_columns,
        ((cell.labels, cell.count) for cell in earlier.cells),
    )
    if comparison is None:
        return
    kept = comparison.kept
    new, old = comparison.new, comparison.old
    one, many = table.noun
    names = [table.category_columns[j] for j in comparison.mine_columns]
    summed_mine = [c for c in table.category_columns if c.strip().casefold() not in kept]
    summed_theirs = [c for c in earlier.category_columns if c.strip().casefold() not in kept]
    earlier_name = f'the earlier table "{earlier.name}"' if earlier.name else "an earlier table"
    if summed_theirs:
        earlier_name += f" (added up over {', '.join(summed_theirs)})"
    here = f"this table (added up over {', '.join(summed_mine)})" if summed_mine else "this table"
    for key, signed in comparison.isolated(rules.threshold).items():
        difference = abs(signed)
        label = ", ".join(key)
        more = "more" if signed > 0 else "fewer"
        found.add(
            "differencing",
            FAIL,
            f'The cell "{label}" ({" by ".join(names)}) counts {plural(difference, one, many)} {more} in {here} '
            f"than in {earlier_name} ({new[key]:,} against {old[key]:,}): subtracting one table from the other "
            f"isolates a group of {plural(difference, one, many)}, fewer than the minimum of {rules.threshold:,}.",
            label,
        )


def check_table(
    table: OutputTable, *, rules: OutputRules = OutputRules(), earlier: Sequence[OutputTable] = ()
) -> list[Finding]:
    """Every check on one table, and differencing against each earlier cleared table; empty when nothing is found."""
    problems = rules.validate()
    if problems:
        raise ValueError("; ".join(problems))
    found = FindingList()
    _check_cells(table, rules, found)
    _check_lines(table, found)
    for other in earlier:
        if other is not table:
            _check_differencing(table, other, rules, found)
    return found.all()


def summarise(findings: Iterable[Finding]) -> str:
    """'2 problems must be fixed; 1 to review'. Problems are counted per cell (or term) concerned."""
    fails = reviews = 0
    for finding in findings:
        weight = max(1, len(finding.cells))
        if finding.outcome == FAIL:
            fails += weight
        else:
            reviews += weight
    if not fails and not reviews:
        return "No problems found"
    if not reviews:
        return f"{plural(fails, 'problem')} must be fixed"
    if not fails:
        return f"Nothing must be fixed; {reviews:,} to review"
    return f"{plural(fails, 'problem')} must be fixed; {reviews:,} to review"


__all__ = ["CHECK_NAMES", "FAIL", "REVIEW", "Finding", "OutputRules", "check_table", "summarise"]
