"""The disclosure-control settings a check applies, kept together so a result can name exactly what was used.

The settings are confidential (the methodology is not published): they are shown to the
people who configure them, stored with each check as a digest, and never put into the
messages that people requesting a check see. ``to_json`` includes the perturbation key,
so store it where only the configuration is readable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from governance.disclosure.tables import decimal_text


class Method(StrEnum):
    """How a table from a full (100%) extract is protected."""

    SUPPRESSION = "suppression"
    PERTURBATION = "perturbation"


class SecondaryCost(StrEnum):
    """What secondary suppression minimises: the total value hidden (the default, as tau-ARGUS), the
    number of cells hidden, or the total of a weight given with each cell (the table's ``cost``
    column; 1 where a cell has none). By value a total, the sum of its cells, is hidden only when
    nothing cheaper protects; by cells a large table's heuristic pattern often hides the grand total
    and many margins; by weight the statistician says which cells matter most to readers."""

    CELLS = "cells"
    VALUE = "value"
    WEIGHT = "weight"


class GroupDisclosure(StrEnum):
    """Which tables the group-disclosure rule (a whole line in one category) applies to.

    Tables do not say whether they are about people; counts are taken to be (they are counts of
    people or records), so the rule is on for frequency tables unless disclosure control turns it off.
    Stored settings from before the choice existed read ``true`` as ``all`` and ``false`` as ``off``.
    """

    OFF = "off"
    COUNTS = "counts"
    ALL = "all"


class TotalsPolicy(StrEnum):
    """Whether published totals are the true totals rounded, or the sums of the published cells."""

    INDEPENDENT = "independent"
    ADDITIVE = "additive"


_DECIMAL_FIELDS = (
    "p_percent",
    "nk_k",
    "sampling_weight",
    "max_suppressed_share",
    "protection_scale",
    "frequency_range",
)
_INT_FIELDS = (
    "threshold",
    "min_contributors",
    "rounding_base",
    "nk_n",
    "min_sample_cases",
    "perturbation_max",
    "frequency_protection",
    "optimal_max_cells",
    "p_coalition",
)
_BOOL_FIELDS = ("zeros_disclosive", "frequency_range_and_threshold")
_ENUM_FIELDS = {
    "method": Method,
    "totals": TotalsPolicy,
    "secondary_cost": SecondaryCost,
    "group_disclosure": GroupDisclosure,
}
_OLD_GROUP_DISCLOSURE = {True: GroupDisclosure.ALL, False: GroupDisclosure.OFF}


@dataclass(frozen=True)
class Rules:
    """The parameters of every rule; the defaults are a common starting point, not a recommendation."""

    threshold: int = 10
    min_contributors: int = 3
    rounding_base: int = 5
    p_percent: Decimal = Decimal("10")
    nk_n: int = 2
    nk_k: Decimal = Decimal("85")
    min_sample_cases: int = 30
    sampling_weight: Decimal = Decimal("1")
    method: Method = Method.SUPPRESSION
    totals: TotalsPolicy = TotalsPolicy.INDEPENDENT
    perturbation_max: int = 2
    perturbation_key: str = ""
    max_suppressed_share: Decimal = Decimal("0.5")
    # Protection intervals (see protection.py): 0 means a hidden count's interval must reach the threshold.
    frequency_protection: int = 0
    # tau-ARGUS FREQ(threshold, range): a hidden count's interval must reach this percentage of it on
    # both sides (0: not used). A fixed protection above, if set, still applies upwards.
    frequency_range: Decimal = Decimal("0")
    # With a range: its interval must also reach what ``frequency_protection`` asks (the threshold, by
    # default) upwards, the larger of the two, so a pattern meets both standards at once.
    frequency_range_and_threshold: bool = False
    protection_scale: Decimal = Decimal("1")
    secondary_cost: SecondaryCost = SecondaryCost.VALUE
    optimal_max_cells: int = 100  # larger tables get the heuristic pattern, audited the same way
    zeros_disclosive: bool = False  # True: a zero count is unsafe like any small count (zeros are not structural)
    # A line whose contributors all fall in one cell is unsafe: for counts (the default), all tables, or none.
    group_disclosure: GroupDisclosure = GroupDisclosure.COUNTS
    # p% rule: how many of the next largest contributors may pool what they know to estimate the largest.
    p_coalition: int = 1

    def __post_init__(self):
        # Forms and JSON hand over ints, floats and strings; hold every number as the type the rules compute with.
        for name in _DECIMAL_FIELDS:
            value = getattr(self, name)
            if isinstance(value, int | float | str) and not isinstance(value, bool):
                with contextlib.suppress(InvalidOperation):  # validate() reports what cannot be read
                    object.__setattr__(self, name, Decimal(str(value)))
        if isinstance(self.group_disclosure, bool):
            object.__setattr__(self, "group_disclosure", _OLD_GROUP_DISCLOSURE[self.group_disclosure])
        for name, enum in _ENUM_FIELDS.items():
            value = getattr(self, name)
            if isinstance(value, str) and value in tuple(enum):
                object.__setattr__(self, name, enum(value))

    def group_disclosure_for(self, kind: str) -> bool:
        """Whether the group-disclosure rule applies to a table of this kind ("frequency" or "magnitude")."""
        if self.group_disclosure == GroupDisclosure.ALL:
            return True
        return self.group_disclosure == GroupDisclosure.COUNTS and kind == "frequency"

    def validate(self) -> list[str]:
        """Plain messages for settings that would make a check meaningless; empty when they are sound."""
        problems = []
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(f"The setting {name.replace('_', ' ')} must be a whole number.")
        for name in _DECIMAL_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                problems.append(f"The setting {name.replace('_', ' ')} must be a number.")
        for name in _BOOL_FIELDS:
            if not isinstance(getattr(self, name), bool):
                problems.append(f"The setting {name.replace('_', ' ')} must be yes or no.")
        if problems:
            return problems
        checks = [
            (self.threshold < 1, "The minimum frequency (threshold) must be at least 1."),
            (self.min_contributors < 1, "The minimum number of contributors must be at least 1."),
            (self.rounding_base < 1, "The rounding base must be at least 1 (1 means no rounding)."),
            (not 0 <= self.p_percent <= 100, "The p% rule's p must be between 0 and 100."),
            (self.nk_n < 1, "The (n,k) rule's n must be at least 1."),
            (self.p_coalition < 1, "The p% rule's coalition must be at least 1 contributor."),
            (not 0 <= self.nk_k <= 100, "The (n,k) rule's k must be between 0 and 100."),
            (self.min_sample_cases < 1, "The minimum number of sample cases must be at least 1."),
            (self.sampling_weight < 1, "The sampling weight must be 1 or more."),
            (self.perturbation_max < 0, "The largest perturbation must be 0 or more."),
            (not 0 <= self.max_suppressed_share <= 1, "The largest share of suppressed cells must be between 0 and 1."),
            (self.frequency_protection < 0, "The protection level of counts must be 0 or more."),
            (not 0 <= self.frequency_range <= 100, "The protection range of counts must be between 0 and 100%."),
            (self.protection_scale < 0, "The protection level multiplier must be 0 or more."),
            (self.optimal_max_cells < 0, "The largest table for optimal suppression must be 0 or more cells."),
            (self.secondary_cost not in tuple(SecondaryCost), "The suppression cost must be cells, value or weight."),
            (self.method not in tuple(Method), "The method must be suppression or perturbation."),
            (self.totals not in tuple(TotalsPolicy), "The totals policy must be independent or additive."),
            (
                self.group_disclosure not in tuple(GroupDisclosure),
                "Group disclosure must apply to counts, to all tables, or to none.",
            ),
            (
                self.method == Method.PERTURBATION and not self.perturbation_key,
                "Perturbation needs a secret key, or anyone could work out the adjustments.",
            ),
        ]
        return [message for failed, message in checks if failed]

    def to_json(self) -> dict:
        """The settings as JSON values (decimals as text). Contains the secret perturbation key."""
        data: dict = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Decimal):
                value = decimal_text(value)
            elif isinstance(value, StrEnum):
                value = value.value
            data[field.name] = value
        return data

    @classmethod
    def from_json(cls, data: dict) -> Rules:
        """Settings from ``to_json`` output; missing settings take their defaults. Raises ValueError if malformed."""
        known = {field.name for field in fields(cls)}
        values: dict = {}
        try:
            for name, raw in data.items():
                if name not in known:
                    continue
                if name in _INT_FIELDS:
                    values[name] = int(raw)
                elif name in _DECIMAL_FIELDS:
                    values[name] = Decimal(str(raw))
                elif name == "group_disclosure" and isinstance(raw, bool):
                    values[name] = _OLD_GROUP_DISCLOSURE[raw]
                elif name in _ENUM_FIELDS:
                    values[name] = _ENUM_FIELDS[name](raw)
                elif name in _BOOL_FIELDS:
                    if not isinstance(raw, bool):
                        raise ValueError(f"{name} must be true or false")
                    values[name] = raw
                else:
                    values[name] = str(raw)
        except (TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"Malformed disclosure settings: {exc}") from exc
        return cls(**values)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical settings: two checks with the same digest applied the same rules."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
