"""Workbook bombs are refused on every upload route before any row is parsed.

The time bound is measured by ``manage.py benchmark_uploads``, not here: these tests prove
the refusal happens from the archive alone (openpyxl is never asked to read a row).
"""

from __future__ import annotations

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.disclosure import workbooks
from governance.disclosure.tables import TableError, parse_table
from governance.register.models import DataItem, InformationAsset
from governance.seeding.workbook_bombs import (
    claimed_range_bomb,
    many_cells_bomb,
    many_rows_bomb,
    shared_strings_bomb,
)
from tests.register.test_asset_transfer import HEADER, upload

COLUMNS = HEADER.split(",")


@pytest.fixture
def no_row_is_parsed(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was opened for parsing before its bounds were checked")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(workbooks.openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        (lambda: claimed_range_bomb(COLUMNS), "declares 16,384 columns"),
        (lambda: claimed_range_bomb(COLUMNS, "A1:C900000"), "declares 900,000 rows"),
        (lambda: many_rows_bomb(COLUMNS, 30_000), "more than 20,001 rows"),
        (lambda: shared_strings_bomb(COLUMNS), "more than 1,280,064 different pieces of text"),
        (lambda: many_cells_bomb(COLUMNS), "more than 1,280,064 cells in a worksheet"),
    ],
    ids=["claimed-width", "claimed-rows", "unpacked-rows", "shared-strings", "many-cells"],
)
@pytest.mark.parametrize("kind", ["assets", "items"])
def test_the_register_imports_refuse_a_workbook_bomb_unread(
    verified_client, administrator, no_row_is_parsed, bomb, message, kind
):
    response = upload(verified_client(administrator), SimpleUploadedFile("bomb.xlsx", bomb()), kind=kind)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "govuk-error-summary" in body
    assert not InformationAsset.objects.exists() and not DataItem.objects.exists()


def test_the_release_upload_refuses_the_same_bombs_unread(no_row_is_parsed):
    for data, message in (
        (claimed_range_bomb(["area", "count"]), "declares 16,384 columns"),
        (many_rows_bomb(["area", "count"], 60_000), "more than 51,000 rows"),
        (shared_strings_bomb(["area", "count"]), "more than 816,000 different pieces of text"),
        (many_cells_bomb(["area", "count"]), "more than 816,000 cells in a worksheet"),
    ):
        with pytest.raises(TableError) as refused:
            parse_table(data, "bomb.xlsx")
        assert message in refused.value.errors[0]


def test_a_workbook_that_unpacks_too_far_is_refused_by_its_declared_size(no_row_is_parsed):
    with pytest.raises(workbooks.WorkbookRefused, match="unpacks to more than"):
        workbooks.check_workbook(many_rows_bomb(["a"], 2_000), max_unpacked_bytes=10_000, max_rows=10**6)


def test_an_ordinary_workbook_still_reads():
    book = openpyxl.Workbook()
    book.active.append(["name", "count"])
    book.active.append(["North", 12])
    import io

    out = io.BytesIO()
    book.save(out)
    rows = workbooks.read_workbook(out.getvalue(), max_unpacked_bytes=10**7, max_rows=10, max_columns=4)
    assert [tuple(v for v in r if v is not None) for r in rows] == [("name", "count"), ("North", 12)]


def test_a_workbook_using_shared_strings_within_the_bounds_still_reads():
    data = shared_strings_bomb(["name", "count"], strings=50)
    rows = workbooks.read_workbook(data, max_unpacked_bytes=10**7, max_rows=10, max_columns=8)
    assert [tuple(v for v in r if v is not None) for r in rows] == [("name", "count")]
    with pytest.raises(workbooks.WorkbookRefused, match="more than 80 different pieces of text"):
        workbooks.read_workbook(
            shared_strings_bomb(["name", "count"], strings=100), max_unpacked_bytes=10**7, max_rows=10, max_columns=8
        )
