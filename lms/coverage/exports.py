"""Gap-list exports (XLSX and CSV), safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) are prefixed with an apostrophe, so that a name such as
``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _

from lms.core.groups import TARGET_GROUP_LABELS
from lms.coverage import queries
from lms.extensions import db

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


def gap_table(user, area: queries.Area, as_of: date, group: str | None = None,
              limit: int = 200_000) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a gap list (two queries, whatever the number of rows)."""
    rows = db.session.execute(queries.gap_query(user, area, as_of, group).limit(limit)).all()
    people = [row.Person for row in rows]
    missing = queries.missing_for(people, as_of)
    header = [_("Full name"), _("Target group"), _("Organisation or agency"), _("Commune / unit"), _("Phone"),
              _("E-mail"), _("Missing courses")]
    body = [
        [
            p.full_name, str(TARGET_GROUP_LABELS.get(p.target_group, p.target_group or "")),
            row.org_name or p.agency or "", row.unit_name or "", p.phone or "", p.email or "",
            ", ".join(missing[p.id]),
        ]
        for row, p in zip(rows, people, strict=True)
    ]
    return header, body


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets Excel read UTF-8


def to_xlsx(header: list[str], rows: list[list[str]], title: str = "Gap list") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([neutralise(h) for h in header])
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
