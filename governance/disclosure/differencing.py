"""Differencing: two tables of nearly the same population, subtracted, give away the people in one and not the other.

One rule, used by the safe-output checks (a researcher's table against their earlier cleared ones)
and by releases (a release's table against the published tables of earlier releases from the same
source asset): the tables are compared over the category columns they share, when one's columns
are the other's or a part of them (the larger one added up over the columns the other lacks).
Where one population holds the other (every shared cell as large or larger in one of them) each
cell's difference is a group of newcomers (or leavers); a group smaller than the minimum is a
small cell published by subtraction. When neither holds the other, the differences are not the
count of any group and nothing is isolated.

``compare`` finds the nested pair and the difference in each cell; ``newcomers_protected`` says
whether what an intruder can work out about one group, from the published figures of both tables
(exact, rounded or perturbed), still leaves it its protection (``protection.frequency_protection``
or ``magnitude_protection``, the rules' own).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from governance.disclosure.checks import CheckResult, Extract
from governance.disclosure.primary import Flag, rule_flags
from governance.disclosure.protection import frequency_protection, magnitude_protection
from governance.disclosure.rules import Method, Rules
from governance.disclosure.tables import FREQUENCY, Table, is_total_label

Labels = tuple[str, ...]


def populations(columns: Sequence[str], cells: Iterable[tuple[Labels, int]], kept: Sequence[int]) -> dict[Labels, int]:
    """People (or contributors) in each cell by the labels in the ``kept`` columns, added up over the others.

    Cells totalled in a column added up over are left out (their people are in the other cells);
    cells given twice (differing only in their statistic) hold the same people, so they count once.
    """
    by_cell: dict[Labels, int] = {}
    for labels, count in cells:
        by_cell[labels] = max(by_cell.get(labels, 0), count)
    dropped = [j for j in range(len(columns)) if j not in kept]
    result: dict[Labels, int] = {}
    for labels, count in by_cell.items():
        if any(is_total_label(labels[j]) for j in dropped):
            continue
        key = tuple(labels[j] for j in kept)
        result[key] = result.get(key, 0) + count
    return result


@dataclass(frozen=True)
class Comparison:
    """Two nested tables over their shared columns: each shared cell's population in both, and the difference."""

    kept: tuple[str, ...]  # the shared columns, casefolded, in the order of the smaller set
    mine_columns: tuple[int, ...]  # where they are in the first table
    theirs_columns: tuple[int, ...]  # and in the second
    new: dict[Labels, int]
    old: dict[Labels, int]

    @property
    def differences(self) -> dict[Labels, int]:
        return {key: self.new[key] - self.old[key] for key in sorted(self.new.keys() & self.old.keys())}

    def isolated(self, minimum: int) -> dict[Labels, int]:
        """Cells whose difference is a group of at least one and fewer than ``minimum`` (signed: more or fewer)."""
        return {key: d for key, d in self.differences.items() if 0 < abs(d) < minimum}


def compare(
    mine_columns: Sequence[str],
    mine: Iterable[tuple[Labels, int]],
    theirs_columns: Sequence[str],
    theirs: Iterable[tuple[Labels, int]],
) -> Comparison | None:
    """The two tables compared over their shared columns, or None when they cannot be subtracted or are not nested.

    ``mine`` and ``theirs`` give each cell's labels (one per column) and population (people counted,
    or contributors to a value).
    """
    folded_mine = [column.strip().casefold() for column in mine_columns]
    folded_theirs = [column.strip().casefold() for column in theirs_columns]
    if not set(folded_mine) <= set(folded_theirs) and not set(folded_theirs) <= set(folded_mine):
        return None
    kept = folded_mine if set(folded_mine) <= set(folded_theirs) else folded_theirs
    mine_at = tuple(folded_mine.index(column) for column in kept)
    theirs_at = tuple(folded_theirs.index(column) for column in kept)
    new = populations(mine_columns, mine, mine_at)
    old = populations(theirs_columns, theirs, theirs_at)
    differences = [new[key] - old[key] for key in new.keys() & old.keys()]
    if any(d > 0 for d in differences) and any(d < 0 for d in differences):
        return None  # neither group holds the other: the differences are not a group of anyone
    return Comparison(tuple(kept), mine_at, theirs_at, new, old)


@dataclass(frozen=True)
class Known:
    """What a reader of a published figure knows of the true one: it lies in [low, high]."""

    low: Decimal
    high: Decimal

    def __add__(self, other: Known) -> Known:
        return Known(self.low + other.low, self.high + other.high)


def newcomers_range(new: Known, old: Known, sign: int) -> Known:
    """What the intruder knows of the newcomers' figure (new less old, or old less new for leavers): never below 0."""
    if sign > 0:
        low, high = new.low - old.high, new.high - old.low
    else:
        low, high = old.low - new.high, old.high - new.low
    return Known(max(low, Decimal(0)), max(high, Decimal(0)))


def newcomers_protected(value: Decimal, known: Known, lower: Decimal, upper: Decimal) -> bool:
    """Whether the intruder's range for a group's true ``value`` reaches its protection on both sides."""
    return known.high >= value + upper and known.low <= value - lower


@dataclass(frozen=True)
class Published:
    """One released table as an intruder holds it: the table and its check (the published figures), its rules."""

    name: str  # how a message names it: 'the release "Claimant counts, May" (released 4 May), table "By region"'
    table: Table
    result: CheckResult
    rules: Rules


def known_of(published: Decimal, rules: Rules, result: CheckResult, *, count: bool) -> Known:
    """What the published figure tells of the true one under the method that produced it.

    Rounded to base b (half up): within b/2 either side, in whole numbers for counts. Perturbed:
    within the largest perturbation either side; a small count is published as 0 or the threshold.
    A total published as the sum of its rounded or perturbed cells is taken as known as closely as
    one cell (the intruder may know more, never less, so a narrower range only flags more).
    """
    if result.method == Method.PERTURBATION.value:
        most, threshold = Decimal(rules.perturbation_max), Decimal(rules.threshold)
        if count and published == 0:
            return Known(Decimal(0), max(threshold - 1, most))
        if count and published == threshold:
            return Known(Decimal(1), threshold + most)
        low = max(published - most, threshold if count else Decimal(0))
        return Known(low, published + most)
    base = Decimal(rules.rounding_base)
    if base <= 1:
        return Known(published, published)
    half = base / 2
    if count:
        low = (published - half).to_integral_value(rounding="ROUND_CEILING")
        high = (published + half).to_integral_value(rounding="ROUND_CEILING") - 1
        return Known(max(low, Decimal(0)), high)
    return Known(max(published - half, Decimal(0)), published + half)


@dataclass
class _Line:
    raw: Decimal
    known: Known | None  # None when any cell of it is hidden
    contributions: list[Decimal]


def _lines(item: Published, kept: Sequence[int]) -> dict[Labels, _Line]:
    """The table's raw and published figures by the labels in ``kept``, added up over the other columns."""
    count = item.table.kind == FREQUENCY
    dropped = [j for j in range(len(item.table.category_columns)) if j not in kept]
    lines: dict[Labels, _Line] = {}
    for cell, checked in zip(item.table.cells, item.result.cells, strict=True):
        if any(is_total_label(cell.key[j]) for j in dropped):
            continue
        key = tuple(cell.key[j] for j in kept)
        known = None
        if checked.published is not None:
            known = known_of(checked.published, item.rules, item.result, count=count)
        line = lines.get(key)
        if line is None:
            lines[key] = _Line(cell.value, known, list(cell.contributors))
            continue
        line.raw += cell.value
        line.known = None if line.known is None or known is None else line.known + known
        line.contributions += cell.contributors
    return lines


def _population(item: Published) -> list[tuple[Labels, int]]:
    """People counted in each cell of a table of counts; contributors to each cell of a table of values."""
    if item.table.kind == FREQUENCY:
        return [(cell.key, int(cell.value)) for cell in item.table.cells]
    return [(cell.key, len(cell.contributors)) for cell in item.table.cells]


def _left_over(larger: Sequence[Decimal], smaller: Sequence[Decimal]) -> list[Decimal] | None:
    """What ``larger`` holds beyond ``smaller`` (as multisets), or None if ``smaller`` is not within it."""
    rest = sorted(larger)
    for value in smaller:
        try:
            rest.remove(value)
        except ValueError:
            return None
    return rest


def newcomer_problems(mine: Published, earlier: Published) -> list[str]:
    """Cells of ``mine`` whose difference from the same cell of an earlier released table gives a group away.

    Only tables of the same kind from 100% extracts are compared (a sample's figures are estimates,
    not counts of people); a cell hidden in either table is not subtracted here. The check passes a
    cell only if, from both tables' published figures, the intruder's range for the group still
    reaches the group's own protection under ``mine``'s rules: rounding or perturbation that leaves
    the range inside it does not stop differencing, and the table must change.
    """
    if mine.table.kind != earlier.table.kind:
        return []
    if Extract.SAMPLE in (mine.result.extract, earlier.result.extract):
        return []
    comparison = compare(
        mine.table.category_columns, _population(mine), earlier.table.category_columns, _population(earlier)
    )
    if comparison is None:
        return []
    rules = mine.rules
    counts = mine.table.kind == FREQUENCY
    minimum = rules.threshold if counts else rules.min_contributors
    new_lines = _lines(mine, comparison.mine_columns)
    old_lines = _lines(earlier, comparison.theirs_columns)
    problems = []
    for key, difference in comparison.differences.items():
        if difference == 0:
            continue
        sign = 1 if difference > 0 else -1
        group = abs(difference)
        new, old = new_lines[key], old_lines[key]
        if new.known is None or old.known is None:
            continue
        value = abs(new.raw - old.raw)
        if counts:
            if group >= minimum:
                continue
            protection = frequency_protection(value, minimum, rules)
        else:
            larger, smaller = (new, old) if sign > 0 else (old, new)
            members = _left_over(larger.contributions, smaller.contributions) or [value]
            flags = rule_flags(members, value, rules)
            few = group < minimum
            if not few and not flags:
                continue
            protection = magnitude_protection(
                members, value, rules, few=few, p_rule=Flag.P_PERCENT in flags, nk_rule=Flag.NK in flags
            )
        if not protection.required:
            continue
        known = newcomers_range(new.known, old.known, sign)
        if newcomers_protected(value, known, protection.lower, protection.upper):
            continue
        problems.append(_message(mine, earlier, key, sign, group, minimum, counts))
    return problems


def _message(
    mine: Published, earlier: Published, key: Labels, sign: int, group: int, minimum: int, counts: bool
) -> str:
    label = ", ".join(key)
    more = "more" if sign > 0 else "fewer"
    blurred = mine.result.method == Method.PERTURBATION.value or mine.rules.rounding_base > 1
    after = " even as rounded or perturbed" if blurred else ""
    if counts:
        people = "person" if group == 1 else "people"
        return (
            f'The cell "{label}" counts {group:,} {people} {more} than in {earlier.name}: the difference{after} '
            f"isolates a group of {group:,}, fewer than the minimum of {minimum:,}. Combine categories or "
            "change the table so the two releases cannot be subtracted."
        )
    who = "contributor" if group == 1 else "contributors"
    return (
        f'The cell "{label}" has {group:,} {who} {more} than in {earlier.name}: the difference{after} gives away '
        "their value too closely. Combine categories or change the table so the two "
        "releases cannot be subtracted."
    )


__all__ = [
    "Comparison",
    "Known",
    "Published",
    "compare",
    "known_of",
    "newcomer_problems",
    "newcomers_protected",
    "newcomers_range",
    "populations",
]
