"""Gap-list exports (XLSX and CSV), safe to open in a spreadsheet.

Written with lms.core.exports, which neutralises cells a spreadsheet would run.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from lms.core.exports import neutralise, to_csv, to_xlsx  # noqa: F401 - the export helpers of this domain
from lms.core.groups import TARGET_GROUP_LABELS
from lms.core.masking import mask_email, mask_phone
from lms.coverage import queries
from lms.extensions import db


def gap_table(user, area: queries.Area, as_of: date, group: str | None = None,
              limit: int = 200_000, *, full: bool = False,
              requirement=None) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a gap list (two queries, whatever the number of rows).

    Phone numbers and e-mail addresses are masked unless ``full`` (lms.privacy's audited
    export with full identifiers)."""
    phone, email = (str, str) if full else (mask_phone, mask_email)
    rows = db.session.execute(queries.gap_query(user, area, as_of, group, requirement=requirement)
                              .limit(limit)).all()
    people = [row.Person for row in rows]
    missing = queries.missing_titles(queries.missing_for(people, as_of, requirement=requirement))
    header = [_("Full name"), _("Target group"), _("Organisation or agency"), _("Commune / unit"), _("Phone"),
              _("E-mail"), _("Missing courses")]
    body = [
        [
            p.full_name, str(TARGET_GROUP_LABELS.get(p.target_group, p.target_group or "")),
            row.org_name or p.agency or "", row.unit_name or "", phone(p.phone or ""), email(p.email or ""),
            ", ".join(missing[p.id]),
        ]
        for row, p in zip(rows, people, strict=True)
    ]
    return header, body
