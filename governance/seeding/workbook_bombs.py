"""Hostile workbooks for the upload bounds' tests and benchmark: small files that claim or unpack to a lot."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl


def _small_workbook(header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item.filename, content)
    return out.getvalue()


def claimed_range_bomb(header: list[str], ref: str = "A1:XFD5000") -> bytes:
    """About 1.5 KB that declares ``ref`` as its used range (the outside test's first file)."""

    def claim(xml: bytes) -> bytes:
        if b"<dimension" in xml:
            return re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml)
        return xml.replace(b"<sheetViews>", f'<dimension ref="{ref}"/><sheetViews>'.encode(), 1)

    return _rewrite_sheet(_small_workbook(header), claim)


def many_rows_bomb(header: list[str], rows: int = 400_000) -> bytes:
    """A couple of MB that unpacks to ``rows`` rows (the outside test's second file)."""

    def grow(xml: bytes) -> bytes:
        body = "".join(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, rows + 2)
        )
        return xml.replace(b"</sheetData>", body.encode() + b"</sheetData>", 1)

    return _rewrite_sheet(_small_workbook(header), grow)
