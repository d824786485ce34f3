"""Slips to hand out (A4 PDF, 8 per page) and the same codes as CSV for a mail merge or an
SMS gateway. Both take ``Issued`` codes (lms.onboarding.services.issue_codes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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


def slip_text(item) -> dict:
    """What a slip prints, but its QR code: read from the database now (a job commits its
    progress while printing, which would make each later read a query)."""
    person = item.person
    return {
        "name": person.full_name,
        "organisation": person.organisation.name if person.organisation else (person.agency or ""),
        "commune": person.unit.name if person.unit else "",
        "code": item.code,
        "url": item.url,
        "expires_on": format_date(item.expires_on, "dd/MM/yyyy"),
        "purpose": item.purpose,
    }


def slip_context(item) -> dict:
    return {**slip_text(item), "qr": qr_svg(item.url)}


def pdf_bytes(issued: Iterable) -> bytes:
    return render_pdf([slip_text(item) for item in issued])


SLIPS_PER_PAGE = 8
# Slips laid out at a time: a job reports its progress after each batch of pages.
BATCH = 5 * SLIPS_PER_PAGE


def render_pdf(texts: Sequence[dict], on_each: Callable[[int], None] | None = None) -> bytes:
    """A4 pages of 8 slips (2 × 4) to cut out, in the bundled Vietnamese font.

    ``texts`` come from ``slip_text``; ``on_each(n)`` is called after the first n slips are
    laid out (a job's progress).
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from lms.certification.rendering import FONT_CSS, FONTS_DIR

    if not texts:
        raise ValueError("no slip to print")
    fonts = FontConfiguration()  # one font set-up for every batch
    stylesheets = [CSS(string=FONT_CSS % {"dir": FONTS_DIR.as_uri()}, font_config=fonts)]
    documents = []
    for start in range(0, len(texts), BATCH):
        batch = [{**text, "qr": qr_svg(text["url"])} for text in texts[start:start + BATCH]]
        html = render_template("onboarding/slips_pdf.html", slips=batch)
        # Only data: URIs (the QR codes) and the bundled fonts are read; nothing from a network.
        documents.append(HTML(string=html, base_url=FONTS_DIR.as_uri() + "/")
                         .render(stylesheets=stylesheets, font_config=fonts))
        if on_each is not None:
            on_each(start + len(batch))
    return documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
