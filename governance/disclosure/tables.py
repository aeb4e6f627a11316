"""Reading an uploaded statistical table into cells the disclosure check can reason about.

A table is refused as a whole, with every problem listed, rather than partly accepted:
a check on a table that silently lost rows would publish numbers nobody checked.

Upload format
-------------
- A CSV file (UTF-8; a byte-order mark is allowed) or an Excel workbook (.xlsx, first
  sheet only). The file name's extension decides which; the file must be smaller than 5 MB.
- Row 1 names the columns. Column names are matched without regard to case:

  - ``count``: the number of people (or records) in each cell: a frequency table.
    Counts are whole numbers, 0 or more.
  - ``value``: an amount, such as income in pounds: a magnitude table. Values are 0 or more.
    Give exactly one of ``count`` or ``value``.
  - ``weight`` (optional, sample extracts): the grossing weight for the row, a number above 0.
    Leave it empty to use the standard weight.
  - ``contributors`` (optional, magnitude tables only): each contributor's value, separated
    by ``;``, for example ``500;20;10``. They must add up to the row's value (within 0.5%).
    A cell of value 0 needs none: it adds no contributor to the totals above it.
  - ``cost`` (optional): the weight of hiding the cell, a number above 0, used when disclosure
    control has secondary suppression minimise the total weight hidden (tau-ARGUS's cost
    variable). Leave it empty for the standard weight, 1.
  - ``status`` (optional): ``structural zero`` marks a cell that is 0 by definition (no one
    can be in it, such as men in a maternity ward); its number must be 0. Such a cell is never
    unsafe, never hidden to protect another, and a reader is taken to know it is 0.
  - ``<column> parent`` (optional, e.g. ``Region parent``): declares the hierarchy of that
    category column: on each row, the label its ``<column>`` label is part of (empty for a
    top-level label). A label given a parent must add up with its siblings to that parent.
    A hierarchy may also be given as a tau-ARGUS ``.hrc`` file (see ``parse_hrc``).
  - Every other column is a category column, such as ``Region`` or ``Sex``; at least one is
    needed, and at most eight.

- Each further row is one cell: its category labels and its number. Each combination of
  labels may appear once. A label ``Total`` or ``All`` marks a total (margin) row, for
  example ``Region=Total, Sex=Female`` is the total of all regions for females.
- At most 50,000 data rows. Empty rows are ignored. Row numbers in messages are
  spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import PurePath

from governance.disclosure.workbooks import WorkbookRefused, read_workbook

TOTAL_LABEL = "Total"
TOTAL_MARKERS = frozenset({"total", "all"})
MAX_TABLE_BYTES = 5 * 1024 * 1024
MAX_CELLS = 50_000
MAX_ERRORS = 50
MAX_CATEGORY_COLUMNS = 8
COUNT_COLUMN = "count"
VALUE_COLUMN = "value"
WEIGHT_COLUMN = "weight"
CONTRIBUTORS_COLUMN = "contributors"
PARENT_SUFFIX = " parent"
MAX_HIERARCHY_DEPTH = 20
STATUS_COLUMN = "status"
COST_COLUMN = "cost"
STRUCTURAL_ZERO = "structural zero"
STRUCTURAL_MARKERS = frozenset({STRUCTURAL_ZERO, "structural", "z"})
CONTRIBUTOR_SEPARATOR = ";"
FREQUENCY = "frequency"
MAGNITUDE = "magnitude"
# Contributors are typed in by hand and rounded: accept a small relative or absolute difference.
CONTRIBUTOR_TOLERANCE = Decimal("0.005")
CONTRIBUTOR_ABSOLUTE_TOLERANCE = Decimal("0.01")


class TableError(Exception):
    """Raised with every problem found; nothing is partially accepted."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def is_total_label(label: str) -> bool:
    """Whether a category label marks a margin (the total over that column's categories)."""
    return label.strip().casefold() in TOTAL_MARKERS


_TOTAL_WORDS = re.compile(r"\b(total|totals|subtotal|all)\b", re.IGNORECASE)


def _looks_like_a_total(label: str) -> bool:
    """A margin under another name ("All regions", "Grand total") would not be protected as one."""
    return not is_total_label(label) and bool(_TOTAL_WORDS.search(label))


def decimal_text(value: Decimal) -> str:
    """A number as plain text without exponent or trailing zeros, so equal numbers read (and hash) the same."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def canonical(value: Decimal) -> Decimal:
    """The same number without trailing zeros (``30.0`` becomes ``30``), so it displays as people expect."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return Decimal(decimal_text(value))


@dataclass(frozen=True)
class Apriori:
    """What disclosure control states about one cell ahead of the rules (tau-ARGUS's a-priori file).

    ``status``: "unsafe" (primary whatever the rules say), "safe" (never primary: the rules' finding is
    overruled, on the record) or "protected" (never hidden); "" leaves the rules to decide. Protection
    levels, when given, replace the rules' for a primary cell. Bounds are what every reader is known to
    know of the cell (a range published elsewhere, a legal minimum): the audit's intruder knows them too.
    """

    status: str = ""
    cost: Decimal | None = None  # the cost of hiding it, in place of what the suppression cost gives
    lower_protection: Decimal | None = None
    upper_protection: Decimal | None = None
    lower_bound: Decimal | None = None
    upper_bound: Decimal | None = None

    STATUSES = ("unsafe", "safe", "protected")
    _NUMBERS = ("cost", "lower_protection", "upper_protection", "lower_bound", "upper_bound")

    def to_json(self) -> dict:
        data: dict = {"status": self.status} if self.status else {}
        for name in self._NUMBERS:
            value = getattr(self, name)
            if value is not None:
                data[name] = decimal_text(value)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Apriori:
        numbers = {name: Decimal(data[name]) for name in cls._NUMBERS if data.get(name) is not None}
        return cls(status=str(data.get("status", "")), **numbers)


@dataclass(frozen=True)
class Cell:
    """One row of the table: a combination of category labels and its number."""

    key: tuple[str, ...]
    value: Decimal
    contributors: tuple[Decimal, ...] = ()
    weight: Decimal | None = None
    structural: bool = False  # a structural zero: 0 by definition, known to every reader
    cost: Decimal | None = None  # the weight of hiding the cell (secondary cost "weight"); None: 1
    apriori: Apriori | None = None  # disclosure control's a-priori statement about the cell, if any

    @property
    def is_total(self) -> bool:
        return any(is_total_label(label) for label in self.key)


@dataclass(frozen=True)
class Table:
    """A parsed table: category columns, the kind of number, and its cells in upload order.

    ``hierarchies`` declares, for some category columns (by position), which label each label
    is part of: ``(column, ((child, parent), ...))``. A label without a parent is top level
    (part of the column's Total). Columns without a hierarchy are flat.
    """

    category_columns: tuple[str, ...]
    value_column: str
    kind: str
    cells: tuple[Cell, ...]
    hierarchies: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()

    def parents(self, column: int) -> dict[str, str]:
        """The declared parent of each label of a column (empty if the column is flat)."""
        for position, pairs in self.hierarchies:
            if position == column:
                return dict(pairs)
        return {}

    def to_json(self) -> dict:
        """A JSON-serialisable form (numbers as text, so nothing is lost to floating point)."""
        cells = []
        for cell in self.cells:
            item: dict = {"key": list(cell.key), "value": decimal_text(cell.value)}
            if cell.contributors:
                item["contributors"] = [decimal_text(c) for c in cell.contributors]
            if cell.weight is not None:
                item["weight"] = decimal_text(cell.weight)
            if cell.structural:
                item["structural"] = True
            if cell.cost is not None:
                item["cost"] = decimal_text(cell.cost)
            if cell.apriori is not None:
                item["apriori"] = cell.apriori.to_json()
            cells.append(item)
        data = {
            "category_columns": list(self.category_columns),
            "value_column": self.value_column,
            "kind": self.kind,
            "cells": cells,
        }
        if self.hierarchies:
            data["hierarchies"] = [[column, [list(pair) for pair in pairs]] for column, pairs in self.hierarchies]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Table:
        cells = tuple(
            Cell(
                key=tuple(item["key"]),
                value=Decimal(item["value"]),
                contributors=tuple(Decimal(c) for c in item.get("contributors", ())),
                weight=Decimal(item["weight"]) if item.get("weight") is not None else None,
                structural=bool(item.get("structural", False)),
                cost=Decimal(item["cost"]) if item.get("cost") is not None else None,
                apriori=Apriori.from_json(item["apriori"]) if item.get("apriori") is not None else None,
            )
            for item in data["cells"]
        )
        return cls(
            category_columns=tuple(data["category_columns"]),
            value_column=data["value_column"],
            kind=data["kind"],
            cells=cells,
            hierarchies=tuple(
                (int(column), tuple((str(child), str(parent)) for child, parent in pairs))
                for column, pairs in data.get("hierarchies", ())
            ),
        )

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON: a check result names exactly the table it was run on."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Problems:
    """Collects messages and stops the parse once there are enough to act on."""

    def __init__(self):
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)
        if len(self.messages) >= MAX_ERRORS:
            raise TableError(self.messages)

    def raise_if_any(self) -> None:
        if self.messages:
            raise TableError(self.messages)


def parse_table(data: bytes, filename: str) -> Table:
    """Parse an uploaded CSV or XLSX table, or raise TableError listing every problem found."""
    problems = _Problems()
    if len(data) > MAX_TABLE_BYTES:
        problems.add(f"The file is larger than the {MAX_TABLE_BYTES // (1024 * 1024)} MB limit; split the table.")
    extension = PurePath(filename or "").suffix.lower()
    if extension not in (".csv", ".xlsx"):
        problems.add("The file must be a CSV (.csv) or Excel (.xlsx) spreadsheet.")
    problems.raise_if_any()
    rows = _read_csv(data) if extension == ".csv" else _read_xlsx(data)
    return _build_table(rows, problems)


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(["The CSV file could not be read as UTF-8 text; save it as 'CSV UTF-8'."]) from exc
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise TableError([f"The CSV file could not be read ({exc}); check it opens in a spreadsheet."]) from exc


# A workbook is a zip: a small file can unpack to gigabytes, or claim a cell in the last of
# 16,384 columns on every row. What is unpacked, and how far each row and the sheet are read, is bounded.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XLSX_COLUMNS = 16  # eight categories, the value, a weight and contributors fit with room to spare
MAX_XLSX_ROWS = MAX_CELLS + 1000  # empty rows included


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        rows = read_workbook(
            data, max_unpacked_bytes=MAX_UNPACKED_BYTES, max_rows=MAX_XLSX_ROWS, max_columns=MAX_XLSX_COLUMNS
        )
    except WorkbookRefused as exc:
        raise TableError([str(exc)]) from exc
    return [[_xlsx_text(v) for v in values] for values in rows]


def _xlsx_text(value) -> str:
    """A spreadsheet cell as the text a person sees (whole-number floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


@dataclass
class _Columns:
    """Where each recognised column sits in the header row."""

    names: list[str]
    value: int
    kind: str
    weight: int | None
    contributors: int | None
    categories: list[int]
    status: int | None = None
    parents: dict[int, int] = field(default_factory=dict)
    cost: int | None = None


def _read_header(row: list[str], problems: _Problems) -> _Columns | None:
    names = [name.strip() for name in row]
    while names and not names[-1]:
        names.pop()
    if not names:
        problems.add("The first row must name the columns, for example: Region, Sex, count.")
        return None
    seen: dict[str, str] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            problems.add(f"The column in position {position} has no name in the header row.")
        elif name.casefold() in seen:
            problems.add(f"The header row names the column '{name}' more than once; each column may appear once.")
        else:
            seen[name.casefold()] = name
    lowered = [name.casefold() for name in names]
    positions = {
        name: lowered.index(name)
        for name in (COUNT_COLUMN, VALUE_COLUMN, WEIGHT_COLUMN, CONTRIBUTORS_COLUMN, STATUS_COLUMN, COST_COLUMN)
        if name in lowered
    }
    if COUNT_COLUMN in positions and VALUE_COLUMN in positions:
        problems.add(
            "The header row has both a 'count' column (a frequency table) and a 'value' column "
            "(a magnitude table); keep only one."
        )
    elif COUNT_COLUMN not in positions and VALUE_COLUMN not in positions:
        problems.add("The header row needs a 'count' column (frequency table) or a 'value' column (magnitude table).")
    if CONTRIBUTORS_COLUMN in positions and COUNT_COLUMN in positions:
        problems.add("A 'contributors' column is only for magnitude tables (with a 'value' column), not counts.")
    special = set(positions.values())
    parent_of: dict[int, int] = {}  # category column -> its "<column> parent" column
    for i, name in enumerate(lowered):
        if name.endswith(PARENT_SUFFIX) and i not in special:
            owner = name[: -len(PARENT_SUFFIX)].strip()
            if owner in lowered and lowered.index(owner) not in special:
                parent_of[lowered.index(owner)] = i
    special |= set(parent_of.values())
    categories = [i for i, name in enumerate(names) if name and i not in special]
    if not categories:
        problems.add("The table needs at least one category column (such as Region) besides the numbers.")
    elif len(categories) > MAX_CATEGORY_COLUMNS:
        problems.add(
            f"The table has {len(categories)} category columns; the most a table can have is {MAX_CATEGORY_COLUMNS}."
        )
    if problems.messages:
        return None
    kind = FREQUENCY if COUNT_COLUMN in positions else MAGNITUDE
    return _Columns(
        names=names,
        value=positions[COUNT_COLUMN if kind == FREQUENCY else VALUE_COLUMN],
        kind=kind,
        weight=positions.get(WEIGHT_COLUMN),
        contributors=positions.get(CONTRIBUTORS_COLUMN),
        categories=categories,
        status=positions.get(STATUS_COLUMN),
        parents=parent_of,
        cost=positions.get(COST_COLUMN),
    )


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return canonical(number) if number.is_finite() else None


def _read_value(text: str, where: str, kind: str, problems: _Problems) -> Decimal | None:
    if not text:
        problems.add(f"{where}: the cell is empty; write 0 if there is none.")
        return None
    number = _number(text)
    if number is None:
        problems.add(f"{where}: '{text}' is not a number.")
        return None
    if number < 0:
        problems.add(f"{where}: {text} is negative; numbers must be 0 or more.")
        return None
    if kind == FREQUENCY and number != number.to_integral_value():
        problems.add(f"{where}: {text} is not a whole number; counts must be whole numbers.")
        return None
    return number


def _read_weight(text: str, where: str, problems: _Problems) -> Decimal | None:
    if not text:
        return None
    number = _number(text)
    if number is None:
        problems.add(f"{where}: '{text}' is not a number.")
    elif number < 1:  # a sample stands for at least as many as it holds
        problems.add(f"{where}: the weight must be 1 or more, not {text}.")
    else:
        return number
    return None


def _read_cost(text: str, where: str, problems: _Problems) -> Decimal | None:
    number = _number(text)
    if number is None:
        problems.add(f"{where}: '{text}' is not a number.")
    elif number <= 0:
        problems.add(f"{where}: the cost of hiding a cell must be above 0, not {text}.")
    else:
        return number
    return None


def _read_contributors(text: str, value: Decimal | None, where: str, problems: _Problems) -> tuple[Decimal, ...]:
    parts = [part.strip() for part in text.split(CONTRIBUTOR_SEPARATOR)]
    contributors = []
    for part in parts:
        if not part:
            continue
        number = _number(part)
        if number is None:
            problems.add(f"{where}: '{part}' is not a number (separate contributors with ';').")
            return ()
        if number < 0:
            problems.add(f"{where}: the contributor {part} is negative; contributions must be 0 or more.")
            return ()
        contributors.append(number)
    if value is not None and contributors:
        total = sum(contributors, Decimal(0))
        allowed = max(value * CONTRIBUTOR_TOLERANCE, CONTRIBUTOR_ABSOLUTE_TOLERANCE)
        if abs(total - value) > allowed:
            problems.add(
                f"{where}: the contributors add up to {decimal_text(total)}, but the value is {decimal_text(value)}."
            )
            return ()
    return tuple(contributors)


def _build_table(rows: list[list[str]], problems: _Problems) -> Table:
    if not rows:
        raise TableError(["The file is empty: the first row must name the columns, for example: Region, Sex, count."])
    columns = _read_header(rows[0], problems)
    if columns is None:
        raise TableError(problems.messages)
    cells: list[Cell] = []
    first_row: dict[tuple, int] = {}
    declared: dict[int, dict[str, tuple[str, int]]] = {column: {} for column in columns.parents}
    data_rows = 0
    for number, row in enumerate(rows[1:], start=2):
        values = [text.strip() for text in row]
        if not any(values):
            continue
        for column, parent_column in columns.parents.items():
            label = values[column] if column < len(values) else ""
            parent = values[parent_column] if parent_column < len(values) else ""
            if not label or is_total_label(label) or not parent or is_total_label(parent):
                continue
            earlier = declared[column].setdefault(label, (parent, number))
            if earlier[0] != parent:
                problems.add(
                    f"Row {number}, column '{columns.names[parent_column]}': '{label}' is part of '{parent}' here "
                    f"but of '{earlier[0]}' in row {earlier[1]}; each label has one parent."
                )
        data_rows += 1
        if data_rows > MAX_CELLS:
            problems.add(
                f"The table has more than {MAX_CELLS:,} data rows; the most one table can have is {MAX_CELLS:,}."
            )
            break
        cell = _read_row(number, values, columns, first_row, problems)
        if cell is not None:
            cells.append(cell)
    if not data_rows:
        problems.add("The table has no data rows under the header.")
    problems.raise_if_any()
    value_name = COUNT_COLUMN if columns.kind == FREQUENCY else columns.names[columns.value]
    table = Table(
        category_columns=tuple(columns.names[i] for i in columns.categories),
        value_column=value_name,
        kind=columns.kind,
        cells=tuple(cells),
    )
    for position, column in enumerate(columns.categories):
        if column in declared:  # a label with no parent on any row is top level
            parents: dict[str, str | None] = {cell.key[position]: None for cell in cells}
            parents.update({label: parent for label, (parent, _) in declared[column].items()})
            table = with_hierarchy(table, columns.names[column], parents)
    return table


def parse_hrc(text: str) -> dict[str, str | None]:
    """A tau-ARGUS hierarchy file: one code a line, preceded by one '@' per level below the top.

    Returns each code's parent (None at the top level); raises TableError listing what is wrong.
    """
    parents: dict[str, str | None] = {}
    path: list[str] = []
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        depth = len(line) - len(line.lstrip("@"))
        code = line[depth:].strip()
        if not code:
            problems.append(f"Line {number} of the hierarchy file has no code after its '@' marks.")
            continue
        if depth > len(path):
            problems.append(
                f"Line {number} of the hierarchy file ('{code}') is {depth} levels deep under a line "
                f"{len(path) - 1 if path else 0} deep; each level may go one deeper than the line above."
            )
            continue
        if code in parents:
            problems.append(f"Line {number} of the hierarchy file repeats the code '{code}'.")
            continue
        del path[depth:]
        parents[code] = path[-1] if path else None
        path.append(code)
    if problems:
        raise TableError(problems[:MAX_ERRORS])
    if not parents:
        raise TableError(["The hierarchy file lists no codes."])
    return parents


def with_hierarchy(table: Table, column_name: str, parents: dict[str, str | None]) -> Table:
    """The table with the hierarchy of one category column declared; raises TableError if it does not fit.

    Every label of the column (but Total) must be in the hierarchy; a parent must not be its own ancestor.
    """
    lowered = [name.strip().casefold() for name in table.category_columns]
    if column_name.strip().casefold() not in lowered:
        raise TableError([f"The table has no column '{column_name}' to give a hierarchy to."])
    column = lowered.index(column_name.strip().casefold())
    pairs = {child: parent for child, parent in parents.items() if parent is not None and not is_total_label(parent)}
    problems = []
    for child in pairs:
        seen, current = {child}, pairs.get(child)
        for _ in range(MAX_HIERARCHY_DEPTH):
            if current is None:
                break
            if current in seen:
                problems.append(f"In the hierarchy of '{column_name}', '{child}' is part of itself.")
                break
            seen.add(current)
            current = pairs.get(current)
        else:
            problems.append(f"The hierarchy of '{column_name}' is more than {MAX_HIERARCHY_DEPTH} levels deep.")
    labels = {cell.key[column] for cell in table.cells if not is_total_label(cell.key[column])}
    known = set(parents) | set(pairs.values())
    missing = sorted(labels - known)
    if missing and parents:
        problems.append(
            f"The hierarchy of '{column_name}' does not place {', '.join(repr(m) for m in missing[:10])}; "
            "every label of the column must be in it."
        )
    if problems:
        raise TableError(problems)
    others = tuple((position, given) for position, given in table.hierarchies if position != column)
    declared = tuple(sorted(pairs.items()))
    hierarchies = tuple(sorted((*others, (column, declared)) if declared else others))
    return replace(table, hierarchies=hierarchies)


def _read_row(
    number: int, values: list[str], columns: _Columns, first_row: dict[tuple, int], problems: _Problems
) -> Cell | None:
    """One data row as a Cell, or None after reporting what is wrong with it."""
    before = len(problems.messages)
    width = len(columns.names)
    if any(values[width:]):
        problems.add(f"Row {number} has a value beyond the last named column; name that column or remove it.")
    values = values[:width] + [""] * (width - len(values))
    labels = []
    for i in columns.categories:
        if not values[i]:
            problems.add(f"Row {number}, column '{columns.names[i]}': the category label is empty.")
        elif _looks_like_a_total(values[i]):
            problems.add(
                f"Row {number}, column '{columns.names[i]}': '{values[i]}' looks like a total. Label every total "
                "exactly 'Total', so that the cells beneath it are protected from subtraction."
            )
        labels.append(values[i])
    where = f"Row {number}, column '{columns.names[columns.value]}'"
    value = _read_value(values[columns.value], where, columns.kind, problems)
    weight = None
    if columns.weight is not None:
        weight = _read_weight(
            values[columns.weight], f"Row {number}, column '{columns.names[columns.weight]}'", problems
        )
    cost = None
    if columns.cost is not None and values[columns.cost]:
        cost = _read_cost(values[columns.cost], f"Row {number}, column '{columns.names[columns.cost]}'", problems)
    contributors: tuple[Decimal, ...] = ()
    if columns.contributors is not None and values[columns.contributors]:
        where = f"Row {number}, column '{columns.names[columns.contributors]}'"
        contributors = _read_contributors(values[columns.contributors], value, where, problems)
    if all(labels):
        identity = tuple(TOTAL_LABEL if is_total_label(label) else label for label in labels)
        if identity in first_row:
            described = ", ".join(
                f"{columns.names[i]}={label}" for i, label in zip(columns.categories, labels, strict=True)
            )
            problems.add(f"Row {number} repeats the cell {described} from row {first_row[identity]}.")
        else:
            first_row[identity] = number
    structural = False
    if columns.status is not None and values[columns.status]:
        status = values[columns.status]
        where = f"Row {number}, column '{columns.names[columns.status]}'"
        if status.casefold() not in STRUCTURAL_MARKERS:
            problems.add(f"{where}: '{status}' is not a status; leave it empty or write '{STRUCTURAL_ZERO}'.")
        elif value is not None and value != 0:
            problems.add(f"{where}: a structural zero must have the number 0, not {decimal_text(value)}.")
        else:
            structural = True
    if len(problems.messages) > before or value is None:
        return None
    return Cell(
        key=tuple(labels), value=value, contributors=contributors, weight=weight, structural=structural, cost=cost
    )
