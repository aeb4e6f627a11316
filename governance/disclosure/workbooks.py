"""One bounded reader for uploaded Excel workbooks, shared by every upload route.

A workbook is a zip of XML: a 1.5 KB file can declare a used range of
``A1:XFD5000`` (eighty million cells, which a naive reader allocates), and a 2 MB
file can unpack to hundreds of thousands of rows. Before any row is parsed this
checks, from the archive alone:

1. the unpacked size the archive declares for its members;
2. each worksheet's declared dimensions (its ``<dimension ref=...>``);
3. each worksheet's row and cell counts (``<row`` and ``<c`` elements, counted while
   streaming the XML): a sheet that declares one row may hold millions of cells;
4. the shared strings table's size (``<si`` elements): openpyxl loads the whole table
   before reading any row, so 255 KB declaring 2.7 million strings took 36 s and 660 MB;

and only then reads the first worksheet with openpyxl in read-only mode, never
past ``max_columns`` columns or ``max_rows`` rows. Plain Python (no Django), so the
release tables and the register imports use the same code.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import openpyxl

MAX_DECLARED_COLUMNS = 1024
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_SHARED_STRINGS = re.compile(r"^xl/[^/]*sharedStrings[^/]*\.xml$", re.IGNORECASE)
_CHUNK = 1024 * 1024


class WorkbookRefused(ValueError):
    """The workbook is damaged or exceeds a bound; the message says which, for the person uploading."""


class WorkbookDamaged(WorkbookRefused):
    """Not a readable workbook at all."""

    def __init__(self, message: str = "The file is not a valid Excel (.xlsx) workbook; check it opens in Excel."):
        super().__init__(message)


def _column_number(letters: bytes | None) -> int:
    number = 0
    for letter in letters or b"A":
        number = number * 26 + (letter - 64)
    return number


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    with archive.open(name) as member:
        while chunk := member.read(_CHUNK):
            yield chunk


def _count(archive: zipfile.ZipFile, name: str, patterns: dict[str, re.Pattern[bytes]], limits: dict[str, int]):
    """Count each pattern's matches in a member while streaming it; refuse as soon as one passes its limit.

    Matches wholly inside a chunk are counted; a short tail is carried over so a tag
    split across two chunks is counted once. Yields each chunk (with the carry) first,
    for a caller that looks for something else in it.
    """
    counts, carry = dict.fromkeys(patterns, 0), b""
    for chunk in _chunks(archive, name):
        text = carry + chunk
        yield text
        tail = max(0, len(text) - 16)
        for what, pattern in patterns.items():
            counts[what] += len(pattern.findall(text, 0, tail))
            if counts[what] > limits[what]:
                raise _too_many(what, limits[what])
        carry = text[tail:]
    for what, pattern in patterns.items():
        if counts[what] + len(pattern.findall(carry)) > limits[what]:
            raise _too_many(what, limits[what])


def _too_many(what: str, limit: int) -> WorkbookRefused:
    if what == "rows":
        return WorkbookRefused(f"The workbook has more than {limit:,} rows; split it into smaller files.")
    if what == "cells":
        return WorkbookRefused(
            f"The workbook has more than {limit:,} cells in a worksheet; remove unused columns or split it."
        )
    return WorkbookRefused(
        f"The workbook holds more than {limit:,} different pieces of text; save it as CSV or split it."
    )


def _check_sheet(
    archive: zipfile.ZipFile, name: str, *, max_rows: int, max_declared_columns: int, max_cells: int
) -> None:
    dimension_seen = False
    limits = {"rows": max_rows, "cells": max_cells}
    for text in _count(archive, name, {"rows": _ROW, "cells": _CELL}, limits):
        if not dimension_seen and (found := _DIMENSION.search(text)):
            dimension_seen = True
            last_col, last_row = found.group(3) or found.group(1), found.group(4) or found.group(2)
            if last_row and int(last_row) > max_rows:
                raise WorkbookRefused(
                    f"The workbook declares {int(last_row):,} rows; the most that can be read is {max_rows:,}."
                )
            if _column_number(last_col) > max_declared_columns:
                raise WorkbookRefused(
                    f"The workbook declares {_column_number(last_col):,} columns; "
                    f"the most that can be read is {max_declared_columns:,}."
                )


def _check_shared_strings(archive: zipfile.ZipFile, name: str, *, max_shared_strings: int) -> None:
    for _ in _count(archive, name, {"strings": _SHARED_STRING}, {"strings": max_shared_strings}):
        pass


def check_workbook(
    data: bytes,
    *,
    max_unpacked_bytes: int,
    max_rows: int,
    max_declared_columns: int = MAX_DECLARED_COLUMNS,
    max_cells: int | None = None,
) -> None:
    """Refuse a workbook whose archive, declared dimensions, rows, cells or shared strings exceed the bounds.

    ``max_cells`` (per worksheet) also bounds the shared strings: a workbook cannot use
    more different texts than it has cells. It defaults to ``max_rows`` rows of
    ``MAX_DECLARED_COLUMNS // 16`` cells.
    """
    if max_cells is None:
        max_cells = max_rows * (MAX_DECLARED_COLUMNS // 16)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise WorkbookDamaged() from exc
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > max_unpacked_bytes:
            raise WorkbookRefused(
                f"The workbook unpacks to more than {max_unpacked_bytes // (1024 * 1024)} MB; save it as CSV."
            )
        sheets = [member.filename for member in members if _WORKSHEET.match(member.filename)]
        if not sheets:
            raise WorkbookDamaged()
        try:
            for member in members:
                if _SHARED_STRINGS.match(member.filename):
                    _check_shared_strings(archive, member.filename, max_shared_strings=max_cells)
            for name in sheets:
                _check_sheet(
                    archive, name, max_rows=max_rows, max_declared_columns=max_declared_columns, max_cells=max_cells
                )
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, WorkbookRefused):
                raise
            raise WorkbookDamaged() from exc


def read_workbook(
    data: bytes,
    *,
    max_unpacked_bytes: int,
    max_rows: int,
    max_columns: int,
    max_declared_columns: int = MAX_DECLARED_COLUMNS,
    max_cells: int | None = None,
) -> list[tuple]:
    """The first worksheet's rows as tuples of cell values, once the workbook passed ``check_workbook``.

    ``max_cells`` defaults to ``max_rows`` full rows of ``max_columns`` cells: the most
    the reader keeps, and so the most cells (and different texts) worth parsing.
    """
    check_workbook(
        data,
        max_unpacked_bytes=max_unpacked_bytes,
        max_rows=max_rows,
        max_declared_columns=max_declared_columns,
        max_cells=max_rows * max_columns if max_cells is None else max_cells,
    )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # read the cells present, never the claimed range
            rows = []
            for values in sheet.iter_rows(max_col=max_columns, values_only=True):
                rows.append(values)
                if len(rows) > max_rows:
                    raise WorkbookRefused(f"The workbook has more than {max_rows:,} rows; split it into smaller files.")
            return rows
        finally:
            workbook.close()
    except WorkbookRefused:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged workbook
        raise WorkbookDamaged() from exc
