"""Researchers' result tables as the output checks read them (plain Python, no database).

A table arrives in long form, as the header and rows of a CSV file already split into text:

- one or more category columns (such as Region and Sex), at most ``MAX_CATEGORY_COLUMNS``;
- either a ``count`` column (a frequency table: one row per cell), or a ``value`` column (a
  magnitude table: one row per contributor per cell; the cell's total is the sum of its rows);
- optionally, in a magnitude table, a ``contributor`` column naming whose value each row is:
  rows of the same contributor in the same cell are added together, so that the dominance and
  p% rules weigh contributors (a business, a household) rather than rows. Without it, every row
  is a contributor of its own. The names are used only to add up; they are not kept;
- optionally a ``statistic`` column saying what is published for the cell (``total``, ``mean``,
  ``median``, ``min``, ``max`` and so on). It is part of the cell: a cell may appear once per statistic.

Column names are matched without regard to case. A table is refused as a whole, with every bad
row listed (rows are numbered as in a spreadsheet: the header is row 1), rather than partly read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from governance.disclosure.tables import FREQUENCY, MAGNITUDE, decimal_text, is_total_label

MAX_ROWS = 100_000
MAX_CATEGORY_COLUMNS = 10
MAX_LABEL_LENGTH = 200
MAX_DIGITS_BEFORE_POINT = 15  # larger numbers are refused rather than rounded
COUNT_COLUMN = "count"
VALUE_COLUMN = "value"
CONTRIBUTOR_COLUMN = "contributor"
STATISTIC_COLUMN = "statistic"
# A plain number, optionally in scientific notation (as R writes 1e+05); no thousands separators.
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class OutputFormatError(ValueError):
    """A table or model that cannot be read, with every problem found (``problems``), not just the first."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems[:5]) + ("; ..." if len(self.problems) > 5 else ""))


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 person', '3 people', '1,204 cells' (the disclosure engine cannot import the portal's filters)."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def read_number(text: str) -> Decimal | None:
    """A finite number below 10^15 written plainly, or None."""
    if not NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number and number.adjusted() >= MAX_DIGITS_BEFORE_POINT:
        return None
    return number


@dataclass(frozen=True)
class OutputCell:
    """One cell: its category labels, the statistic published for it, and who is in it.

    ``count`` is the number of people in a frequency cell, or the number of contributors in a
    magnitude cell; ``contributions`` holds each contributor's value (magnitude cells only).
    """

    labels: tuple[str, ...]
    count: int
    statistic: str = ""
    contributions: tuple[Decimal, ...] = ()

    @property
    def label(self) -> str:
        """How messages name the cell: 'North East, Female', or 'North East, Female (mean)'."""
        text = ", ".join(self.labels)
        return f"{text} ({self.statistic})" if self.statistic else text

    @property
    def total(self) -> Decimal:
        return sum(self.contributions, Decimal(0))

    def to_dict(self) -> dict:
        data: dict = {"labels": list(self.labels), "count": self.count}
        if self.statistic:
            data["statistic"] = self.statistic
        if self.contributions:
            data["contributions"] = [decimal_text(value) for value in self.contributions]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> OutputCell:
        return cls(
            labels=tuple(str(label) for label in data["labels"]),
            count=int(data["count"]),
            statistic=str(data.get("statistic", "")),
            contributions=tuple(Decimal(str(value)) for value in data.get("contributions", ())),
        )


@dataclass(frozen=True)
class OutputTable:
    """A parsed table: its category columns, whether it counts people or adds up values, and its cells."""

    category_columns: tuple[str, ...]
    kind: str  # FREQUENCY ("frequency") or MAGNITUDE ("magnitude")
    cells: tuple[OutputCell, ...]
    name: str = ""  # how messages name the table, e.g. in differencing against an earlier one

    @property
    def noun(self) -> tuple[str, str]:
        """What the table's cells hold, for messages: people in a frequency table, contributors otherwise."""
        return ("person", "people") if self.kind == FREQUENCY else ("contributor", "contributors")

    def to_dict(self) -> dict:
        """A JSON-serialisable form (numbers as text, so nothing is lost to floating point)."""
        return {
            "name": self.name,
            "category_columns": list(self.category_columns),
            "kind": self.kind,
            "cells": [cell.to_dict() for cell in self.cells],
        }

    @classmethod
    def from_dict(cls, data: dict) -> OutputTable:
        """A table from ``to_dict`` output. Raises ValueError if it is malformed."""
        try:
            table = cls(
                category_columns=tuple(str(column) for column in data["category_columns"]),
                kind=str(data["kind"]),
                cells=tuple(OutputCell.from_dict(cell) for cell in data["cells"]),
                name=str(data.get("name", "")),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"Malformed output table: {exc!r}") from exc
        if table.kind not in (FREQUENCY, MAGNITUDE):
            raise ValueError(f"Malformed output table: unknown kind {table.kind!r}")
        if any(len(cell.labels) != len(table.category_columns) for cell in table.cells):
            raise ValueError("Malformed output table: a cell's labels do not match the category columns")
        return table


@dataclass
class _Header:
    names: list[str]
    number: int  # position of the count or value column
    kind: str
    categories: list[int]
    contributor: int | None
    statistic: int | None


def _read_header(header: Sequence[str]) -> _Header:
    names = [str(name).strip() for name in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise OutputFormatError(["The first row must name the columns, for example: Region, Sex, count."])
    problems = []
    lowered = [name.casefold() for name in names]
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(f"The column in position {position} has no name in the header row.")
        elif lowered.index(name.casefold()) != position - 1:
            problems.append(f'The header row names the column "{name}" more than once.')
        elif len(name) > MAX_LABEL_LENGTH:
            problems.append(f"The column in position {position} has a name longer than {MAX_LABEL_LENGTH} characters.")
    has = {
        name: lowered.index(name)
        for name in (COUNT_COLUMN, VALUE_COLUMN, CONTRIBUTOR_COLUMN, STATISTIC_COLUMN)
        if name in lowered
    }
    if COUNT_COLUMN in has and VALUE_COLUMN in has:
        problems.append(
            'The header row has both a "count" column (a frequency table) and a "value" column '
            "(a magnitude table); keep only one."
        )
    elif COUNT_COLUMN not in has and VALUE_COLUMN not in has:
        problems.append(
            'The header row needs a "count" column (frequency table) or a "value" column (magnitude table).'
        )
    if CONTRIBUTOR_COLUMN in has and COUNT_COLUMN in has:
        problems.append('A "contributor" column is only for magnitude tables (with a "value" column), not counts.')
    if "contributors" in lowered:
        problems.append(
            'There is a "contributors" column: give one row per contributor instead, naming each '
            'in a "contributor" column, with its own value.'
        )
    special = set(has.values())
    categories = [i for i, name in enumerate(names) if name and i not in special and name.casefold() != "contributors"]
    if not categories:
        problems.append("The table needs at least one category column (such as Region) besides the numbers.")
    elif len(categories) > MAX_CATEGORY_COLUMNS:
        problems.append(
            f"The table has {len(categories)} category columns; the most a table can have is {MAX_CATEGORY_COLUMNS}."
        )
    if problems:
        raise OutputFormatError(problems)
    kind = FREQUENCY if COUNT_COLUMN in has else MAGNITUDE
    return _Header(
        names=names,
        number=has[COUNT_COLUMN if kind == FREQUENCY else VALUE_COLUMN],
        kind=kind,
        categories=categories,
        contributor=has.get(CONTRIBUTOR_COLUMN),
        statistic=has.get(STATISTIC_COLUMN),
    )


def _read_count(text: str, where: str, problems: list[str]) -> int | None:
    number = read_number(text)
    if not text:
        problems.append(f"{where}: the count is empty; write 0 if there is no one in the cell.")
    elif number is None or number != number.to_integral_value():
        problems.append(f'{where}: count "{text}" is not a whole number.')
    elif number < 0:
        problems.append(f'{where}: count "{text}" is negative; counts must be 0 or more.')
    else:
        return int(number)
    return None


def _read_value(text: str, where: str, problems: list[str]) -> Decimal | None:
    number = read_number(text)
    if not text:
        problems.append(f"{where}: the value is empty.")
    elif number is None:
        problems.append(f'{where}: value "{text}" is not a number (write it without commas, below 10^15).')
    return number


def parse_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, name: str = "") -> OutputTable:
    """Read a long-form table (see the module's description), or raise OutputFormatError listing every problem."""
    if len(rows) > MAX_ROWS:
        raise OutputFormatError([f"The table has {len(rows):,} rows; the most a table can have is {MAX_ROWS:,}."])
    columns = _read_header(header)
    width = len(columns.names)
    problems: list[str] = []
    counts: dict[tuple, tuple[int, int]] = {}  # frequency: cell -> (count, row)
    contributions: dict[tuple, dict[object, Decimal]] = {}  # magnitude: cell -> contributor -> value
    for number, raw in enumerate(rows, start=2):
        values = ["" if text is None else str(text).strip() for text in raw]
        if not any(values):
            continue
        where = f"Row {number}"
        if len(values) > width and not any(values[width:]):
            values = values[:width]
        if len(values) != width:
            problems.append(f"{where} has {plural(len(values), 'value')}; the header names {plural(width, 'column')}.")
            continue
        bad = len(problems)
        labels = []
        for position in columns.categories:
            label, column = values[position], columns.names[position]
            if not label:
                problems.append(f"{where}: the {column} is empty; every cell needs a label in each category column.")
            elif len(label) > MAX_LABEL_LENGTH:
                problems.append(f"{where}: the {column} is longer than {MAX_LABEL_LENGTH} characters.")
            labels.append(label)
        statistic = values[columns.statistic] if columns.statistic is not None else ""
        if len(statistic) > MAX_LABEL_LENGTH:
            problems.append(f"{where}: the statistic is longer than {MAX_LABEL_LENGTH} characters.")
        key = (tuple(labels), statistic)
        text = values[columns.number]
        if columns.kind == FREQUENCY:
            count = _read_count(text, where, problems)
            first = counts.get(key)
            if first is not None:
                cell = OutputCell(key[0], 0, statistic).label
                problems.append(f'{where}: the cell "{cell}" is already on row {first[1]}; each cell may appear once.')
            elif count is not None and len(problems) == bad:
                counts[key] = (count, number)
            continue
        value = _read_value(text, where, problems)
        contributor: object = number  # without names, every row is a contributor of its own
        if columns.contributor is not None:
            contributor = values[columns.contributor]
            if not contributor:
                problems.append(f"{where}: the contributor is empty; name whose value the row is.")
        if value is not None and len(problems) == bad:
            cell_values = contributions.setdefault(key, {})
            cell_values[contributor] = cell_values.get(contributor, Decimal(0)) + value
    if not counts and not contributions and not problems:
        problems.append("The table has no data rows under the header.")
    if problems:
        raise OutputFormatError(problems)
    if columns.kind == FREQUENCY:
        cells = tuple(OutputCell(labels, count, statistic) for (labels, statistic), (count, _) in counts.items())
    else:
        cells = tuple(
            OutputCell(labels, len(values), statistic, tuple(values.values()))
            for (labels, statistic), values in contributions.items()
        )
    categories = tuple(columns.names[i] for i in columns.categories)
    return OutputTable(category_columns=categories, kind=columns.kind, cells=cells, name=name)


__all__ = [
    "MAX_CATEGORY_COLUMNS",
    "MAX_ROWS",
    "OutputCell",
    "OutputFormatError",
    "OutputTable",
    "is_total_label",
    "parse_table",
]
