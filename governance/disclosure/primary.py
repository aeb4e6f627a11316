"""Which cells are unsafe in themselves (primary), how much protection each needs, and who knows what.

Used both to choose the pattern and, afresh, by the verifier: it depends only on the table,
the extract and the rules, never on which cells were hidden.

- Full extracts: counts below the threshold (zeros too when the rules say zeros are not
  structural); magnitude cells failing the minimum-contributor, p% or (n,k) rules, margins
  included: a margin's contributors are its own list when uploaded, otherwise the lists of
  the interior cells beneath it (when they all have one).
- Sample extracts: estimates (grossed by each cell's weight; margins the sum of their grossed
  cells) resting on too few sample cases, counted as cases for counts and as contributors for
  magnitudes, and the dominance rules for magnitudes.
- Either: with group disclosure on (by default for counts), a line whose whole total sits in
  one cell makes that cell unsafe (everyone in the group shares its category).
- Structural zeros (cells 0 by definition) are never unsafe.

Insiders: a contributor alone in a cell knows the cell's value; the top n contributors of
an unsafe cell with several contributors know their own contributions, so that the cell is at
least their sum (not the whole cell: they do not know the others'). The audit repeats itself
with each such cell bounded by what its insiders know.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from governance.disclosure.layout import Layout, beneath
from governance.disclosure.protection import (
    Protection,
    combine,
    frequency_protection,
    group_protection,
    magnitude_protection,
    p_percent_protection,
)
from governance.disclosure.rules import Rules
from governance.disclosure.tables import FREQUENCY, MAGNITUDE, Table


class Flag(StrEnum):
    """Why a cell was changed or hidden."""

    THRESHOLD = "threshold"
    P_PERCENT = "p_percent"
    NK = "nk_dominance"
    LOW_SAMPLE = "low_sample"
    GROUP = "group_disclosure"
    SECONDARY = "secondary"
    ROUNDED = "rounded"
    GROSSED = "grossed"
    PERTURBED = "perturbed"
    MANUAL = "manual"  # unsafe by disclosure control's a-priori statement


PRIMARY_FLAGS = frozenset({Flag.THRESHOLD, Flag.P_PERCENT, Flag.NK, Flag.LOW_SAMPLE, Flag.GROUP, Flag.MANUAL})
MANUAL_RANGE = Decimal(30)
"""A cell made unsafe a priori without its own protection levels: 30% of its value either way, tau-ARGUS's
usual manual safety range."""


@dataclass
class Primary:
    """The primary analysis of one table: what the audit works on, and what it must guarantee."""

    values: list[Decimal]  # the numbers an intruder reasons about (estimates for samples)
    flags: list[list[Flag]]
    protection: dict[int, Protection] = field(default_factory=dict)
    insiders: dict[int, tuple[Decimal, Decimal | None]] = field(default_factory=dict)  # (lower, upper or None)
    related: dict[int, frozenset[int]] = field(default_factory=dict)  # each insider's primary cells above or below
    without_contributors: int = 0
    margins_checked: int = 0
    structural: frozenset[int] = frozenset()  # structural zeros: never hidden, known to every reader
    weights: list[float] = field(default_factory=list)  # each cell's weight of hiding (secondary cost "weight")
    kept: frozenset[int] = frozenset()  # cells stated "protected" a priori: never hidden
    bounds: dict[int, tuple[float, float]] = field(default_factory=dict)  # what every reader knows of a cell a priori
    costs: dict[int, float] = field(default_factory=dict)  # a cell's cost of hiding, stated a priori

    @property
    def never(self) -> frozenset[int]:
        """Cells no pattern may hide: structural zeros and cells stated protected."""
        return self.structural | self.kept

    @property
    def primary(self) -> list[int]:
        return [index for index, flags in enumerate(self.flags) if PRIMARY_FLAGS.intersection(flags)]


def rule_flags(values: Sequence[Decimal], total: Decimal, rules: Rules) -> list[Flag]:
    """Contributor rules for one magnitude cell: too few contributors, p% rule, (n,k) rule.

    The p% rule asks whether the second-largest contributor (with a coalition of c, the next
    c largest together) could estimate the largest one's value to within p% by subtracting
    their own from the total; the (n,k) rule whether the n largest contributors dominate the total.
    """
    if not values or total == 0:
        return []
    largest = sorted(values, reverse=True)
    flags = []
    if len(largest) < rules.min_contributors:
        flags.append(Flag.THRESHOLD)
    if p_percent_protection(largest, total, rules.p_percent, rules.p_coalition) > 0:
        flags.append(Flag.P_PERCENT)
    if sum(largest[: rules.nk_n], Decimal(0)) > rules.nk_k / 100 * total:
        flags.append(Flag.NK)
    return flags


def contributor_lists(table: Table, layout: Layout, under: dict[int, list[int]]) -> list[tuple[Decimal, ...]]:
    """Each cell's contributors; a margin without its own list takes those of the interior cells beneath it.

    A cell of value 0 has no contributors whether or not it lists any, so an empty list there
    does not stop the margin from being checked (it would switch off every rule above it).
    """
    lists = [cell.contributors for cell in table.cells]
    for margin, members in under.items():
        if lists[margin] or not members:
            continue
        counted = [m for m in members if table.cells[m].value != 0]
        if counted and all(table.cells[m].contributors for m in counted):
            lists[margin] = tuple(value for m in counted for value in table.cells[m].contributors)
    return lists


def estimates(table: Table, layout: Layout, weight: Decimal, under: dict[int, list[int]]) -> list[Decimal]:
    """Sample estimates: each interior cell grossed by its own weight; each margin the sum of its grossed cells.

    Grossing a margin by a weight of its own would publish lines that do not add up.
    """
    grossed = [cell.value * (cell.weight if cell.weight is not None else weight) for cell in table.cells]
    for margin, members in under.items():
        if members:
            grossed[margin] = sum((grossed[m] for m in members), Decimal(0))
    return grossed


def _insider(contributors: Sequence[Decimal], value: Decimal, flags: list[Flag], rules: Rules):
    """What the contributors of an unsafe cell know of it: (lower bound, upper bound or None).

    A contributor alone in a cell knows its value. Otherwise an insider knows their own
    contributions, not the whole cell: the largest contributors of a dominated cell (the n of
    the (n,k) rule, pooling what they know) know only that the cell holds at least their sum.
    """
    if len(contributors) == 1:
        return (value, value)
    if PRIMARY_FLAGS.intersection(flags):
        pooled = sum(sorted(contributors, reverse=True)[: rules.nk_n], Decimal(0))
        return (min(pooled, value), None)
    return None


def analyse(table: Table, layout: Layout, rules: Rules, *, sample: bool) -> Primary:
    """Primary flags, protection levels and insider knowledge for every cell."""
    under = beneath(layout)
    n = len(table.cells)
    values = estimates(table, layout, rules.sampling_weight, under) if sample else [c.value for c in table.cells]
    result = Primary(
        values=values,
        flags=[[] for _ in range(n)],
        structural=frozenset(i for i, cell in enumerate(table.cells) if cell.structural),
        weights=[1.0 if cell.cost is None else float(cell.cost) for cell in table.cells],
    )
    magnitude = table.kind == MAGNITUDE
    lists = contributor_lists(table, layout, under) if magnitude else []
    for index, cell in enumerate(table.cells):
        raw = cell.value
        scale = values[index] / raw if raw else Decimal(1)  # protection in the published units
        flags = result.flags[index]
        if cell.structural:
            continue  # 0 by definition: nothing about anyone can be learnt from it
        if not magnitude:
            limit = rules.min_sample_cases if sample else rules.threshold
            if raw < limit and (raw > 0 or (rules.zeros_disclosive and not sample)):
                flags.append(Flag.LOW_SAMPLE if sample else Flag.THRESHOLD)
                result.protection[index] = _scaled(frequency_protection(raw, limit, rules), scale)
            continue
        if raw == 0:
            continue
        contributors = lists[index]
        if not contributors:
            if not layout.is_total[index]:
                result.without_contributors += 1
            continue
        if layout.is_total[index]:
            result.margins_checked += 1
        few = len(contributors) < (rules.min_sample_cases if sample else rules.min_contributors)
        found = rule_flags(contributors, raw, rules)
        if sample:
            found = [f for f in found if f != Flag.THRESHOLD]
            if few:
                found.insert(0, Flag.LOW_SAMPLE)
        flags.extend(found)
        if found:
            protection = magnitude_protection(
                contributors,
                raw,
                rules,
                few=few,
                p_rule=Flag.P_PERCENT in found,
                nk_rule=Flag.NK in found,
            )
            result.protection[index] = _scaled(protection, scale)
        known = _insider(contributors, raw, found, rules)
        if known is not None:
            lower, upper = known
            result.insiders[index] = (lower * scale, None if upper is None else upper * scale)
    if rules.group_disclosure_for(table.kind):
        _group_disclosure(table, layout, rules, result)
    _apply_apriori(table, result)
    _relate_insiders(result, layout.keys)
    return result


def _apply_apriori(table: Table, result: Primary) -> None:
    """Disclosure control's a-priori statements, over the rules: a cell unsafe (with its levels, or the
    manual range), safe (no rule makes it primary), protected (never hidden); levels for a primary cell;
    bounds every reader knows."""
    kept = set()
    for index, cell in enumerate(table.cells):
        stated = cell.apriori
        if stated is None or cell.structural:
            continue
        flags = result.flags[index]
        value = result.values[index]
        if stated.status == "safe":
            flags[:] = [flag for flag in flags if flag not in PRIMARY_FLAGS]
            result.protection.pop(index, None)
        elif stated.status == "unsafe" and not PRIMARY_FLAGS.intersection(flags):
            flags.append(Flag.MANUAL)
            share = abs(value) * MANUAL_RANGE / 100
            result.protection[index] = Protection(lower=min(share, abs(value)), upper=share)
        elif stated.status == "protected":
            kept.add(index)
        if index in result.protection and (stated.lower_protection is not None or stated.upper_protection is not None):
            old = result.protection[index]
            lower = old.lower if stated.lower_protection is None else min(stated.lower_protection, abs(value))
            upper = old.upper if stated.upper_protection is None else stated.upper_protection
            result.protection[index] = Protection(lower=lower, upper=upper)
        if stated.cost is not None:
            result.costs[index] = float(stated.cost)
        if stated.lower_bound is not None or stated.upper_bound is not None:
            low = max(0.0, float(stated.lower_bound)) if stated.lower_bound is not None else 0.0
            high = float(stated.upper_bound) if stated.upper_bound is not None else math.inf
            result.bounds[index] = (low, high)
    result.kept = frozenset(kept)


def _relate_insiders(result: Primary, keys: list[tuple[str | None, ...]]) -> None:
    """For each insider, the primary cells that may hold its own contributions (see ``shares_contributors``).

    A cell overlaps the insider's where, in each column the insider's cell names a label, it has
    that label or a total; primary cells are indexed by those columns, so each insider costs a
    few look-ups (one per way of totalling its labelled columns), not a pass over every cell.
    """
    if not result.insiders:
        return
    empty = {key for key, value in zip(keys, result.values, strict=True) if value == 0}
    primaries = result.primary
    indexes: dict[tuple[int, ...], dict[tuple, list[int]]] = {}
    for insider in result.insiders:
        own = keys[insider]
        labelled = tuple(c for c, label in enumerate(own) if label is not None)
        index = indexes.get(labelled)
        if index is None:
            index = indexes[labelled] = {}
            for j in primaries:
                index.setdefault(tuple(keys[j][c] for c in labelled), []).append(j)
        found = set()
        for totalled in itertools.product((False, True), repeat=len(labelled)):
            wanted = tuple(None if t else own[c] for c, t in zip(labelled, totalled, strict=True))
            for j in index.get(wanted, ()):
                if j != insider and shares_contributors(own, keys[j], empty):
                    found.add(j)
        result.related[insider] = frozenset(found)


def shares_contributors(
    one: tuple[str | None, ...], other: tuple[str | None, ...], empty: set[tuple[str | None, ...]]
) -> bool:
    """Whether two cells hold some of the same contributors: they overlap (in every column the
    same label, or a total on one side) and the cell where they overlap is not known to be empty."""
    overlap = []
    for a, b in zip(one, other, strict=True):
        if a is not None and b is not None and a != b:
            return False
        overlap.append(a if a is not None else b)
    return tuple(overlap) not in empty


def _group_disclosure(table: Table, layout: Layout, rules: Rules, result: Primary) -> None:
    """A line with two or more possible categories whose whole total is in one of them.

    A structural zero is no possible category: a line whose only possible category holds
    everyone tells nothing that its definition does not.
    """
    values = result.values
    for line in layout.lines:
        possible = [m for m in line.members if not table.cells[m].structural]
        if len(possible) < 2 or values[line.margin] == 0:
            continue
        nonzero = [m for m in line.members if values[m] != 0]
        if len(nonzero) == 1:
            cell = nonzero[0]
            if Flag.GROUP not in result.flags[cell]:
                result.flags[cell].append(Flag.GROUP)
            need = group_protection(values[cell], rules, table.kind == MAGNITUDE)
            result.protection[cell] = combine([result.protection.get(cell, need), need])


def _scaled(protection: Protection, scale: Decimal) -> Protection:
    return Protection(protection.lower * scale, protection.upper * scale)


__all__ = ["FREQUENCY", "PRIMARY_FLAGS", "Flag", "Primary", "analyse", "rule_flags"]
