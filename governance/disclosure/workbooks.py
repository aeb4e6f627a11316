"""One bounded reader for uploaded Excel workbooks, shared by every upload route.

A workbook is a zip of XML: a 1.5 KB file can declare a used range of
``A1:XFD5000`` (eighty million cells, which a naive reader allocates), and a 2 MB
file can unpack to hundreds of thousands of rows. Before any row is parsed this
checks, from the archive alone:

1. the unpacked size the archive declares for its members;
2. each worksheet's declared dimensions (its ``<dimension ref=...>``);
3. each worksheet's row count (``<row`` elements, counted while streaming the XML);

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


def _check_sheet(archive: zipfile.ZipFile, name: str, *, max_rows: int, max_declared_columns: int) -> None:
    rows, carry, dimension_seen = 0, b"", False
    for chunk in _chunks(archive, name):
        text = carry + chunk
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
        # Count row starts wholly inside this text; keep a short tail so a tag split across chunks is seen once.
        tail = max(0, len(text) - 16)
        rows += len(_ROW.findall(text, 0, tail))
        carry = text[tail:]
        if rows > max_rows:
            raise WorkbookRefused(f"The workbook has more than {max_rows:,} rows; split it into smaller files.")
    rows += len(_ROW.findall(carry))
    if rows > max_rows:
        raise WorkbookRefused(f"The workbook has more than {max_rows:,} rows; split it into smaller files.")


def check_workbook(
    data: bytes, *, max_unpacked_bytes: int, max_rows: int, max_declared_columns: int = MAX_DECLARED_COLUMNS
) -> None:
    """Refuse a workbook whose archive, declared dimensions or row count exceed the bounds."""
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
            for name in sheets:
                _check_sheet(archive, name, max_rows=max_rows, max_declared_columns=max_declared_columns)
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
) -> list[tuple]:
    """The first worksheet's rows as tuples of cell values, once the workbook passed ``check_workbook``."""
    check_workbook(
        data, max_unpacked_bytes=max_unpacked_bytes, max_rows=max_rows, max_declared_columns=max_declared_columns
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
