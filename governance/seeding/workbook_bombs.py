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


def _rewrite_sheet(data: bytes, change, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
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


def shared_strings_bomb(header: list[str], strings: int = 2_700_000) -> bytes:
    """About 255 KB whose shared strings table holds ``strings`` entries (the outside test's third file).

    openpyxl loads the whole table before the first row: 2.7 million took 36 s and 660 MB.
    The header's cells use the table's first entries, as Excel writes them.
    """
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    table = (
        f'<sst xmlns="{main}" count="{strings + len(header)}" uniqueCount="{strings + len(header)}">'.encode()
        + b"".join(f"<si><t>{name}</t></si>".encode() for name in header)
        + b"<si><t/></si>" * strings
        + b"</sst>"
    )
    cells = "".join(f'<c r="{chr(65 + n)}1" t="s"><v>{n}</v></c>' for n in range(len(header)))
    source = zipfile.ZipFile(io.BytesIO(_small_workbook(header)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb"<row r=\"1\">.*?</row>", f'<row r="1">{cells}</row>'.encode(), content)
            elif item.filename == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
                )
            target.writestr(item.filename, content)
        target.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


def many_cells_bomb(header: list[str], rows: int = 100, cells_per_row: int = 20_000) -> bytes:
    """A sheet that keeps its small declared range but holds ``rows`` rows of ``cells_per_row`` empty cells."""

    def widen(xml: bytes) -> bytes:
        row = b"<row>" + b"<c/>" * cells_per_row + b"</row>"
        return xml.replace(b"</sheetData>", row * rows + b"</sheetData>", 1)

    return _rewrite_sheet(_small_workbook(header), widen)
