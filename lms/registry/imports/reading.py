"""Reading a CSV or XLSX file into sheets of rows (refusing oversized files, zip bombs and
non-UTF-8 CSV before parsing).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from datetime import date, datetime, time

from flask import current_app
from flask_babel import gettext as _

from lms.registry.imports.schema import (
    _HEADER_KEYS,
    COLUMNS,
    HEADERS_VI,
    KINDS,
    REQUIRED,
    SHEETS_VI,
    SIGNIN_ONLY,
    ImportFileError,
    Sheet,
    _fold,
)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _map_header(kind: str | None, header: list[str], sheet: str) -> tuple[dict[int, str], list[str]]:
    mapping, unknown = {}, []
    for index, raw in enumerate(header):
        if not raw:
            continue
        key = _HEADER_KEYS.get(_fold(raw))
        if key is None or (kind and key not in COLUMNS[kind]) or (not kind and key in SIGNIN_ONLY):
            unknown.append(raw)
            continue
        if key not in mapping.values():
            mapping[index] = key
    return mapping, unknown


def _guess_kind(keys: set[str]) -> str | None:
    for kind in ("organizations", "products", "completions", "officials"):
        if set(REQUIRED[kind]) <= keys:
            return kind
    return None


def _build_sheet(name: str, kind: str | None, rows_iter) -> Sheet:
    header = None
    rows: list[tuple[int, dict[str, str]]] = []
    mapping: dict[int, str] = {}
    for number, raw in enumerate(rows_iter, start=1):
        cells = [_cell_text(v) for v in raw]
        if header is None:
            if not any(cells):
                continue
            header = cells
            mapping, unknown = _map_header(kind, header, name)
            keys = set(mapping.values())
            kind = kind or _guess_kind(keys)
            if kind is None:
                raise ImportFileError(
                    _("%(sheet)s: the header row does not match any kind of registry file.", sheet=name)
                )
            missing = [k for k in REQUIRED[kind] if k not in keys]
            if missing:
                raise ImportFileError(
                    _("%(sheet)s: missing columns: %(columns)s", sheet=name,
                      columns=", ".join(HEADERS_VI.get(k, k) for k in missing))
                )
            if unknown:
                raise ImportFileError(
                    _("%(sheet)s: unknown columns: %(columns)s", sheet=name, columns=", ".join(unknown))
                )
            continue
        if not any(cells):
            continue
        row = {key: (cells[i] if i < len(cells) else "") for i, key in mapping.items()}
        rows.append((number, row))
    if header is None:
        raise ImportFileError(_("%(sheet)s: the file is empty.", sheet=name))
    return Sheet(kind=kind, name=name, rows=rows)


def _check_zip(data: bytes) -> None:
    limit = current_app.config.get("IMPORT_MAX_UNCOMPRESSED_MB", 400) * 1024 * 1024
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(_("This is not a valid XLSX file.")) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > 10_000:
            raise ImportFileError(_("This XLSX file has too many parts."))
        total = 0
        for info in infos:
            total += info.file_size
            if info.file_size > 10 * 1024 * 1024 and info.file_size > 200 * max(info.compress_size, 1):
                raise ImportFileError(_("This XLSX file is suspiciously compressed; it was refused."))
        if total > limit:
            raise ImportFileError(_("This XLSX file is too large once unpacked; it was refused."))


def read_file(filename: str, data: bytes, kind: str | None = None) -> list[Sheet]:
    """Parse a CSV or XLSX file into sheets of rows keyed by the canonical column keys."""
    limit = current_app.config.get("IMPORT_MAX_MB", 20) * 1024 * 1024
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if kind is not None and kind not in COLUMNS:
        raise ImportFileError(_("Unknown kind of file: %(kind)s", kind=kind))
    lower = filename.lower()
    if lower.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, kind)
    if lower.endswith((".csv", ".txt")) or not lower.rpartition(".")[1]:
        return [_read_csv(filename, data, kind)]
    raise ImportFileError(_("Only CSV and XLSX files can be imported."))


def _read_csv(filename: str, data: bytes, kind: str | None) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8” and try again.",
              pos=exc.start + 1)
        ) from None
    if "\x00" in text:
        raise ImportFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s", error=str(exc))) from None
    return _build_sheet(filename.rsplit("/", 1)[-1], kind, rows)


def _read_xlsx(data: bytes, kind: str | None) -> list[Sheet]:
    import openpyxl

    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise ImportFileError(_("This is not a valid XLSX file.")) from None
    try:
        sheets = []
        names = {_fold(ws.title): ws for ws in book.worksheets}
        named = [(k, names.get(_fold(k)) or names[_fold(SHEETS_VI[k])]) for k in KINDS
                 if _fold(k) in names or _fold(SHEETS_VI[k]) in names]
        if named and kind is None:
            for k, ws in named:
                sheets.append(_build_sheet(ws.title, k, ws.iter_rows(values_only=True)))
        else:
            ws = (names.get(_fold(kind)) or names.get(_fold(SHEETS_VI.get(kind, kind)))) if kind else None
            ws = ws or next((w for w in book.worksheets if _fold(w.title) != "huong dan"), None)
            if ws is None:
                raise ImportFileError(_("The workbook has no sheet to import."))
            sheets.append(_build_sheet(ws.title, kind, ws.iter_rows(values_only=True)))
        return sheets
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - sheets are parsed lazily: a DOCTYPE, broken XML …
        raise ImportFileError(_("This is not a valid XLSX file.")) from None
    finally:
        book.close()
