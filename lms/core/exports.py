"""Spreadsheet exports (CSV and XLSX) that are safe to open.

Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is prefixed with an apostrophe, so a name such as
``=HYPERLINK(...)`` stays text. Numbers, dates and empty cells keep their type. Every
export of the platform goes through here, so the rule lives in one place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value of a cell that cannot run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so that Excel reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v if isinstance(v, str) else str(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence, rows: Iterable[Sequence], title: str = "Sheet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(str(h)) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_xlsx_sheets(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]],
                   notice: Sequence[str] = ()) -> bytes:
    """An XLSX file with one sheet per ``(title, header, rows)``; ``notice`` lines, when
    given, make a first sheet (e.g. "this file contains personal data")."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    if notice:
        first = workbook.create_sheet(title="README")
        for line in notice:
            first.append([neutralise(str(line))])
    used: set[str] = set()
    for title, header, rows in sheets:
        name = str(title)[:31] or "Sheet"
        for ch in "[]:*?/\\":
            name = name.replace(ch, " ")
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(title=name)
        sheet.append([neutralise(str(h)) for h in header])
        for row in rows:
            sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
