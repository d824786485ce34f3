"""Slips to hand out (A4 PDF, 8 per page) and the same codes as CSV for a mail merge or an
SMS gateway. Both take ``Issued`` codes (lms.onboarding.services.issue_codes).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template
from flask_babel import format_date

from lms.core.exports import to_csv

CSV_COLUMNS = ("person_id", "full_name", "phone", "unit_code", "group", "code", "url", "expires_on")


def qr_svg(url: str) -> str:
    """An SVG QR code (data URI) of ``url``: no file, no network."""
    import segno  # on first use: a web worker that prints no slip never loads it

    return segno.make(url, error="m", micro=False).svg_data_uri(scale=3, border=0, dark="#000")


def to_rows(issued: Iterable) -> list[tuple]:
    rows = []
    for item in issued:
        person = item.person
        rows.append((person.id, person.full_name, person.phone or "", person.unit.code if person.unit else "",
                     person.target_group or "", item.code, item.url, item.expires_on.isoformat()))
    return rows


def csv_bytes(issued: Iterable) -> bytes:
    return to_csv(CSV_COLUMNS, to_rows(issued))


def slip_context(item) -> dict:
    person = item.person
    return {
        "name": person.full_name,
        "organisation": person.organisation.name if person.organisation else (person.agency or ""),
        "commune": person.unit.name if person.unit else "",
        "code": item.code,
        "url": item.url,
        "qr": qr_svg(item.url),
        "expires_on": format_date(item.expires_on, "dd/MM/yyyy"),
        "purpose": item.purpose,
    }


def slips_html(issued: Iterable) -> str:
    return render_template("onboarding/slips_pdf.html", slips=[slip_context(i) for i in issued])


def pdf_bytes(issued: Iterable) -> bytes:
    """A4 pages of 8 slips (2 × 4) to cut out, in the bundled Vietnamese font."""
    from weasyprint import CSS, HTML

    from lms.certification.rendering import FONT_CSS, FONTS_DIR

    html = slips_html(issued)
    fonts_css = CSS(string=FONT_CSS % {"dir": FONTS_DIR.as_uri()})
    # Only data: URIs (the QR codes) and the bundled fonts are read; nothing from a network.
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/").write_pdf(stylesheets=[fonts_css])
