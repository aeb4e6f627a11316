"""Reading uploaded spreadsheets, importing their rows through services, exporting lists.

An import validates every row with a Django form (the same rules as the web
forms), reports each error by row number and column, and writes nothing unless
every row is valid. Rows are then applied one by one through the services, in
one transaction with a savepoint per row, so a database-level refusal in any
row is reported against that row and rolls the whole import back. A dry run
does all of this and rolls back at the end.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import tablib
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse

from governance.disclosure.workbooks import WorkbookDamaged, WorkbookRefused, read_workbook

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 64  # the widest import has about twenty columns
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class UploadError(Exception):
    """The file as a whole cannot be read (wrong type, too big, missing columns)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    dry_run: bool = True
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_upload(upload, required_columns: Iterable[str]) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX upload as dicts keyed by lower-cased, trimmed column names.

    Workbooks go through the same bounded reader as the release tables: a workbook
    claiming a vast range or unpacking to more rows than an import takes is refused
    before any row is parsed.
    """
    name = (upload.name or "").lower()
    if upload.size > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    content = upload.read()
    try:
        if name.endswith(".csv"):
            text = content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(text, format="csv")
            header_row, data = dataset.headers or [], list(dataset)
        elif name.endswith(".xlsx"):
            table = read_workbook(
                content, max_unpacked_bytes=MAX_UNPACKED_BYTES, max_rows=MAX_ROWS + 1, max_columns=MAX_COLUMNS
            )
            header_row, data = (list(table[0]), table[1:]) if table else ([], [])
        else:
            raise UploadError("The file must be a CSV or XLSX spreadsheet")
    except UnicodeDecodeError as exc:
        raise UploadError("The CSV file must be saved as UTF-8") from exc
    except WorkbookDamaged as exc:
        raise UploadError("The file could not be read as a spreadsheet. Check it opens, then upload it again") from exc
    except WorkbookRefused as exc:
        raise UploadError(str(exc).rstrip(".")) from exc
    except UploadError:
        raise
    except Exception as exc:  # tablib and openpyxl raise many kinds for a damaged file
        raise UploadError("The file could not be read as a spreadsheet. Check it opens, then upload it again") from exc
    headers = [str(h or "").strip().lower() for h in header_row]
    missing = [c for c in required_columns if c not in headers]
    if missing:
        raise UploadError(f"The first row must name the columns. Missing: {', '.join(missing)}")
    if len(data) > MAX_ROWS:
        raise UploadError(f"The file has {len(data)} rows; the most one import can take is {MAX_ROWS}")
    rows = []
    for values in data:
        row = {headers[i]: ("" if v is None else str(v).strip()) for i, v in enumerate(values) if i < len(headers)}
        if any(row.values()):
            rows.append(row)
    return rows


class Importer:
    """Base for one kind of import. Subclasses name their columns, form and how a row is applied."""

    columns: Sequence[str] = ()
    required_columns: Sequence[str] = ()
    form_class: Callable[..., forms.Form]  # a form class taking the row as ``data`` and the importer's ``user``

    def __init__(self, user):
        self.user = user

    def key(self, cleaned: dict) -> tuple | None:
        """A row's natural key: two rows with the same key in one file are refused."""
        return None

    def apply(self, cleaned: dict) -> bool:
        """Write one valid row through the services. Returns True if it created a record."""
        raise NotImplementedError

    def finish(self, rows: list[dict]) -> None:
        """Called once every row is applied, inside the same transaction (for links between rows)."""

    def make_form(self, row: dict[str, str]) -> forms.Form:
        return self.form_class(data=row, user=self.user)

    def run(self, rows: list[dict[str, str]], *, dry_run: bool) -> ImportResult:
        result = ImportResult(total=len(rows), dry_run=dry_run)
        valid: list[tuple[int, dict]] = []
        seen: dict[tuple, int] = {}
        for number, row in enumerate(rows, start=2):  # row 1 holds the column names
            form = self.make_form(row)
            if not form.is_valid():
                for column, messages in form.errors.items():
                    for message in messages:
                        # An ErrorList yields each message (lazy when translated), never a ValidationError.
                        result.errors.append(RowError(number, column if column != "__all__" else "", str(message)))
                continue
            key = self.key(form.cleaned_data)
            if key is not None:
                if key in seen:
                    result.errors.append(RowError(number, "", f"Repeats row {seen[key]}: each record may appear once"))
                    continue
                seen[key] = number
            valid.append((number, form.cleaned_data))
        if result.errors:
            return result

        class _Rollback(Exception):
            pass

        try:
            with transaction.atomic():
                for number, cleaned in valid:
                    try:
                        with transaction.atomic():
                            created = self.apply(cleaned)
                    except ValidationError as exc:
                        for column, texts in _validation_messages(exc):
                            result.errors.extend(RowError(number, column, text) for text in texts)
                    except PermissionDenied as exc:
                        result.errors.append(RowError(number, "", str(exc) or "You may not change this record"))
                    except IntegrityError:
                        result.errors.append(RowError(number, "", "This row clashes with an existing record"))
                    else:
                        result.created += created
                        result.updated += not created
                if not result.errors:
                    try:
                        with transaction.atomic():
                            self.finish([cleaned for _, cleaned in valid])
                    except (ValidationError, PermissionDenied, IntegrityError) as exc:
                        result.errors.append(RowError(0, "", "; ".join(getattr(exc, "messages", [str(exc)]))))
                if dry_run or result.errors:
                    raise _Rollback
        except _Rollback:
            pass
        if result.errors:
            result.created = result.updated = 0
        return result


def _validation_messages(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return [
            (name if name != "__all__" else "", [m for e in errs for m in e.messages])
            for name, errs in exc.error_dict.items()
        ]
    return [("", exc.messages)]


class LenientChoiceField(forms.ChoiceField):
    """A choice typed in a spreadsheet: the stored value or its label, in any case.

    'public_task', 'public task', 'Public task' and 'Public task (6(1)(e))' all
    name the same choice.
    """

    def to_python(self, value):
        value = super().to_python(value)
        lookup: dict[str, object] = {}
        # Choices are normalised to (value, label) pairs when set; django-stubs types the getter as the setter.
        for key, label in self.choices:  # type: ignore[misc, union-attr]
            label = str(label)
            for spelling in (str(key), str(key).replace("_", " "), label, label.split(" (")[0]):
                lookup.setdefault(spelling.strip().lower(), key)
        return lookup.get(" ".join(value.split()).lower(), value)


class YesNoImportField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes", **kwargs)

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        return {"y": "yes", "true": "yes", "1": "yes", "n": "no", "false": "no", "0": "no"}.get(value, value)


class ImportDateField(forms.DateField):
    input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]
    default_error_messages = {"invalid": "Enter a date as YYYY-MM-DD or DD/MM/YYYY"}


# --- export -------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def export_response(columns: Sequence[str], rows: Iterable[Sequence], *, filename: str, fmt: str) -> HttpResponseBase:
    """A CSV (streamed) or XLSX download of ``rows`` under ``columns``."""
    if fmt == "xlsx":
        dataset = tablib.Dataset(headers=[safe_cell(name) for name in columns])  # headers may come from uploads
        for row in rows:
            dataset.append(["" if v is None else safe_cell(v) for v in row])
        response: HttpResponseBase = HttpResponse(dataset.export("xlsx"), content_type=FORMATS["xlsx"])
    else:
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow([safe_cell(name) for name in columns])  # the BOM lets Excel read UTF-8
            for row in rows:
                yield writer.writerow(["" if v is None else safe_cell(v) for v in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        fmt = "csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """Neutralise spreadsheet formulas in text cells (CSV and XLSX formula injection).

    A text cell a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM``,
    ``+cmd|...``) gets a leading apostrophe, so it opens as text. Every download that
    holds uploaded or typed values goes through here. Plain signed numbers (``-12.5``)
    are no formula and are left as they are, so negative figures survive.
    """
    if isinstance(value, str) and value[:1] in FORMULA_PREFIXES and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
