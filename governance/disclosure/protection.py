"""Required protection intervals for primary unsafe cells (Hundepool et al., *Statistical Disclosure Control*, ch. 4).

Hiding a cell is not enough: an intruder who combines the published cells and totals with the
knowledge that cells are never negative can often narrow a hidden cell to a range. A primary
cell is protected only when that range reaches at least ``upper`` above and ``lower`` below its
true value. The amounts follow from what each rule protects:

- p% rule: the second-largest contributor, subtracting its own value from an upper bound U of
  the cell, estimates the largest as U - x2. That estimate must be at least p% above x1, so
  U >= X + p/100*x1 - (X - x1 - x2): the upper protection is p/100*x1 - (X - x1 - x2).
  With a coalition of c contributors (the 2nd to the (c+1)th largest pooling what they know)
  the same holds with all of theirs subtracted: p/100*x1 - (X - x1 - x2 - ... - x(c+1)).
- (n,k) rule: the n largest contributions must not exceed k% of what an intruder can rule out,
  so U >= 100/k * T_n: the upper protection is 100/k * T_n - X.
- Too few contributors: p/100 of the cell's value.
- Frequency tables: by default the intruder must not be able to tell that the cell lies below
  the threshold, so the upper bound must reach it: threshold - x. A fixed protection may be set,
  or tau-ARGUS's FREQ(threshold, range%): range% of the count below and above it.
- Group disclosure (a line whose every contributor is in one cell): the intruder must not be
  able to tell that the other cells are empty, so the cell must be able to fall below its value.

For magnitude cells the lower protection equals the upper one (capped at the value), as in
tau-ARGUS; for counts it is zero, since a count is safe once it could be at the threshold.
Every amount is multiplied by the rules' ``protection_scale`` (1 by default).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from governance.disclosure.rules import Rules


@dataclass(frozen=True)
class Protection:
    """How far below and above its true value the intruder's interval for a cell must reach."""

    lower: Decimal
    upper: Decimal

    @property
    def required(self) -> bool:
        return self.lower > 0 or self.upper > 0


NONE = Protection(Decimal(0), Decimal(0))


def p_percent_protection(contributors: Sequence[Decimal], total: Decimal, p: Decimal, coalition: int = 1) -> Decimal:
    """p/100*x1 - (X - x1 - x2 - ... - x(c+1)): positive exactly when the p% rule fails for a coalition of c."""
    largest = sorted(contributors, reverse=True)
    first = largest[0] if largest else Decimal(0)
    known = sum(largest[: 1 + max(1, coalition)], Decimal(0))
    return p / 100 * first - (total - known)


def nk_protection(contributors: Sequence[Decimal], total: Decimal, n: int, k: Decimal) -> Decimal:
    """100/k*T_n - X: positive exactly when the n largest hold more than k% of the total."""
    if k <= 0:
        return total  # every non-empty cell is dominant; protect by its whole value
    top = sum(sorted(contributors, reverse=True)[:n], Decimal(0))
    return Decimal(100) / k * top - total


def magnitude_protection(
    contributors: Sequence[Decimal], total: Decimal, rules: Rules, *, few: bool, p_rule: bool, nk_rule: bool
) -> Protection:
    """The protection of a magnitude cell unsafe by the named rules (the largest of their amounts)."""
    amounts = [Decimal(0)]
    if p_rule:
        amounts.append(p_percent_protection(contributors, total, rules.p_percent, rules.p_coalition))
    if nk_rule:
        amounts.append(nk_protection(contributors, total, rules.nk_n, rules.nk_k))
    if few:
        amounts.append(rules.p_percent / 100 * total)
    upper = max(amounts) * rules.protection_scale
    return Protection(lower=min(upper, total), upper=upper)


def frequency_protection(value: Decimal, threshold: int, rules: Rules) -> Protection:
    """Counts: reach the threshold (default), a fixed number above the count, or (tau-ARGUS's
    FREQ(threshold, range)) a percentage of the count on both sides; a fixed amount and a
    range together give the larger of the two upwards, and so do the threshold and a range
    when the rules ask for both (``frequency_range_and_threshold``)."""
    upward = Decimal(rules.frequency_protection) if rules.frequency_protection else Decimal(threshold) - value
    if rules.frequency_range > 0:
        share = rules.frequency_range / 100 * value
        upper = max(share, upward if rules.frequency_range_and_threshold else Decimal(rules.frequency_protection))
        return Protection(lower=min(share, value) * rules.protection_scale, upper=upper * rules.protection_scale)
    return Protection(lower=Decimal(0), upper=max(upward, Decimal(0)) * rules.protection_scale)


def group_protection(value: Decimal, rules: Rules, magnitude: bool) -> Protection:
    """A cell holding a whole line: it must be able to be smaller than the line's total."""
    amount = rules.p_percent / 100 * value if magnitude else Decimal(min(Decimal(rules.threshold), value))
    amount *= rules.protection_scale
    return Protection(lower=min(amount, value), upper=Decimal(0))


def combine(protections: Iterable[Protection]) -> Protection:
    """The strictest of several requirements on one cell."""
    lower, upper = Decimal(0), Decimal(0)
    for protection in protections:
        lower, upper = max(lower, protection.lower), max(upper, protection.upper)
    return Protection(lower, upper)
