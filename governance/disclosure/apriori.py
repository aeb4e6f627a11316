"""A-priori statements about a table's cells, in tau-ARGUS's a-priori file format (``.hst``).

Disclosure control sometimes knows what the rules cannot: a cell that must be hidden whatever its
count (a business that asked), one that is safe although the rules flag it (the figure is published
elsewhere with consent), one that must never be hidden (a headline total), the cost of hiding a cell,
the protection a cell needs, or the range every reader already knows a cell lies in. Each line names
a cell by its codes, one per category column (a total by the table's own total label), then what is
stated, separated by semicolons:

- ``North;F;u``: unsafe (hidden, protected by its levels or the manual range of 30%);
- ``North;F;s``: safe (no rule makes it primary);
- ``Total;Total;p``: protected (never hidden);
- ``North;F;c;250``: the cost of hiding it, in place of what the suppression cost (value, cells or
  weight) gives it;
- ``North;F;pl;3;5``: protection levels, below and above its value;
- ``North;F;b;0;40``: bounds every reader knows (not in tau-ARGUS's own files, which take bounds
  with the table; written here so that one file says everything stated about a cell).

A table from a sample extract publishes grossed estimates, not the counts it was made from, so
protection levels and bounds (numbers in the table's units) are refused for it: stated in its counts
they would be read by the audit as estimates, and stated as estimates they could not be checked
against the cell. Its cells may still be stated unsafe, safe or protected, and given a cost.

Codes may be quoted, as tau-ARGUS writes them. The file is read as a whole: every problem is listed
with its line, and nothing is applied unless every line is sound. A file states everything: cells it
does not name have no statement, so uploading a file replaces the table's earlier statements.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from governance.disclosure.tables import TOTAL_LABEL, Apriori, Table, decimal_text, is_total_label

SEPARATOR = ";"
MAX_LINES = 200_000
MAX_PROBLEMS = 50
STATUSES = {"u": "unsafe", "s": "safe", "p": "protected"}
NUMBERED = {"c": 1, "pl": 2, "b": 2}
UNITS = frozenset({"pl", "b"})  # statements in the table's units: refused for a sample's estimates


class AprioriError(Exception):
    """An a-priori file refused as a whole, with every problem found."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def _key(labels: Sequence[str]) -> tuple[str, ...]:
    return tuple(TOTAL_LABEL if is_total_label(label) else label for label in labels)


def _unquoted(field: str) -> str:
    field = field.strip()
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1]
    return field


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def read_apriori(text: str, table: Table, *, sample: bool = False) -> Table:
    """``table`` with the statements of the a-priori file ``text`` (and only those). Raises AprioriError.

    ``sample``: the table is made from a sample extract, whose levels and bounds cannot be stated."""
    width = len(table.category_columns)
    cells = {_key(cell.key): index for index, cell in enumerate(table.cells)}
    stated: dict[int, dict] = {}
    problems: list[str] = []
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise AprioriError([f"The file has more than {MAX_LINES:,} lines."])
    for number, line in enumerate(lines, start=1):
        if len(problems) >= MAX_PROBLEMS:
            problems.append("… and possibly more problems: correct these first.")
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [_unquoted(field) for field in line.split(SEPARATOR)]
        where = f"Line {number}"
        if len(fields) <= width:
            problems.append(f"{where}: name the cell by {width} codes, then what is stated (u, s, p, c, pl or b).")
            continue
        codes, what, numbers = fields[:width], fields[width].lower(), fields[width + 1 :]
        index = cells.get(_key(codes))
        if index is None:
            problems.append(f"{where}: the table has no cell {', '.join(codes)}.")
            continue
        cell = table.cells[index]
        if cell.structural:
            problems.append(f"{where}: {', '.join(codes)} is a structural zero; nothing can be stated about it.")
            continue
        entry = stated.setdefault(index, {})
        if what in STATUSES:
            if numbers and any(part.strip() for part in numbers):
                problems.append(f"{where}: '{what}' takes no numbers.")
            elif "status" in entry and entry["status"] != STATUSES[what]:
                problems.append(f"{where}: {', '.join(codes)} is already stated {entry['status']}.")
            else:
                entry["status"] = STATUSES[what]
            continue
        if what not in NUMBERED:
            problems.append(f"{where}: '{what}' is not a statement: use u, s, p, c, pl or b.")
            continue
        if sample and what in UNITS:
            problems.append(
                f"{where}: the table is made from a sample and publishes estimates, so '{what}' cannot be stated "
                "for it: state a cell unsafe (u), safe (s) or protected (p), or give its cost (c)."
            )
            continue
        values = [_number(part) for part in numbers]
        if len(values) != NUMBERED[what] or any(value is None for value in values):
            problems.append(f"{where}: '{what}' takes {NUMBERED[what]} number{'s' if NUMBERED[what] > 1 else ''}.")
            continue
        given = [value for value in values if value is not None]
        if what == "c":
            if given[0] <= 0:
                problems.append(f"{where}: the cost of hiding a cell must be above 0, not {decimal_text(given[0])}.")
            else:
                entry["cost"] = given[0]
        elif what == "pl":
            if min(given) < 0:
                problems.append(f"{where}: protection levels must be 0 or more.")
            else:
                entry["lower_protection"], entry["upper_protection"] = given
        else:
            low, high = given
            if not low <= cell.value <= high:
                problems.append(
                    f"{where}: the bounds {decimal_text(low)} to {decimal_text(high)} do not hold the cell's value, "
                    f"{decimal_text(cell.value)}."
                )
            else:
                entry["lower_bound"], entry["upper_bound"] = low, high
    for index, entry in stated.items():
        if entry.get("status") in ("safe", "protected") and "upper_protection" in entry:
            named = ", ".join(table.cells[index].key)
            problems.append(f"{named}: protection levels are for unsafe cells, not one stated {entry['status']}.")
    if problems:
        raise AprioriError(problems)
    if not stated:
        raise AprioriError(["The file states nothing about any cell."])
    return with_apriori(table, stated)


def with_apriori(table: Table, stated: dict[int, dict]) -> Table:
    """``table`` with each cell's statements (and no others); ``stated`` empty removes them all."""
    cells = tuple(
        dataclasses.replace(cell, apriori=Apriori(**stated[index]) if stated.get(index) else None)
        for index, cell in enumerate(table.cells)
    )
    return dataclasses.replace(table, cells=cells)


def to_apriori(table: Table) -> str:
    """The table's statements as an a-priori file (what ``read_apriori`` reads back); empty if there are none."""
    lines = []
    for cell in table.cells:
        codes = SEPARATOR.join(f'"{label}"' for label in cell.key)
        stated = cell.apriori
        if stated is None:
            continue
        if stated.status:
            lines.append(f"{codes}{SEPARATOR}{stated.status[0]}")
        if stated.cost is not None:
            lines.append(f"{codes}{SEPARATOR}c{SEPARATOR}{decimal_text(stated.cost)}")
        if stated.lower_protection is not None or stated.upper_protection is not None:
            low, high = stated.lower_protection or Decimal(0), stated.upper_protection or Decimal(0)
            lines.append(f"{codes}{SEPARATOR}pl{SEPARATOR}{decimal_text(low)}{SEPARATOR}{decimal_text(high)}")
        if stated.lower_bound is not None or stated.upper_bound is not None:
            low = stated.lower_bound if stated.lower_bound is not None else Decimal(0)
            high = stated.upper_bound if stated.upper_bound is not None else cell.value
            lines.append(f"{codes}{SEPARATOR}b{SEPARATOR}{decimal_text(low)}{SEPARATOR}{decimal_text(high)}")
    return "\n".join(lines) + ("\n" if lines else "")
