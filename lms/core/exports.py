"""Spreadsheet exports (CSV and XLSX) that are safe to open.

Control characters are removed first (``"\\x00=1+1"`` would otherwise hide a formula
and break the XLSX file's XML). Text that a spreadsheet would then run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a line break) is prefixed with an
apostrophe, so a name such as ``=HYPERLINK(...)`` stays text. Every CSV field is quoted,
so that an Excel whose list separator is ``;`` cannot split ``x;=1+1`` into a formula
cell. Numbers, dates and empty cells keep their type. Every export of the platform goes
through here, so the rule lives in one place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from lms.core.text import CONTROL_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value):
    """The value of a cell that cannot run as a formula and holds no control character."""
    if isinstance(value, str):
        value = CONTROL_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _xlsx_cell(value):
    """A value openpyxl always writes: safe text, or a number or a naive date."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(_zone()).replace(tzinfo=None)
    if isinstance(value, date | time):
        return value if getattr(value, "tzinfo", None) is None else value.replace(tzinfo=None)
    text = value if isinstance(value, str) else str(value)
    # Lone surrogates cannot be encoded in the file: replace them rather than fail.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return neutralise(text)[:32767]


def _zone():
    from lms.core.localtime import zone

    try:
        return zone()
    except RuntimeError:  # outside an app: UTC
        from datetime import UTC

        return UTC


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so that Excel reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v if isinstance(v, str) else str(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8", "replace")


CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_download(fmt: str, header: Sequence, rows: Sequence[Sequence], filename: str, *, title: str,
                   csv_rows: Sequence[Sequence] | None = None):
    """One table as a CSV or XLSX attachment (``fmt`` is "csv" or "xlsx"). ``csv_rows``, when
    given, replaces ``rows`` in the CSV (numbers already written the people's way)."""
    from flask import Response

    body, mime = table_file(fmt, header, rows, title=title, csv_rows=csv_rows)
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def table_file(fmt: str, header: Sequence, rows: Iterable[Sequence], *, title: str,
               csv_rows: Iterable[Sequence] | None = None) -> tuple[bytes, str]:
    """One table as CSV or XLSX bytes with their MIME type (see ``table_download``; a job
    keeps the bytes as its file)."""
    if fmt == "csv":
        return to_csv(header, rows if csv_rows is None else csv_rows), CSV_MIME
    return to_xlsx(header, rows, title=title), XLSX_MIME


def to_xlsx(header: Sequence, rows: Iterable[Sequence], title: str = "Sheet") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(str(h)) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
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
