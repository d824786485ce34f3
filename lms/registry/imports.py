"""Import of the registry from CSV and XLSX: organisations with their leaders, officials,
OCOP products and past training records.

Three steps: ``read_file`` turns bytes into rows (refusing oversized files, zip bombs and
non-UTF-8 CSV before parsing), ``plan_import`` validates every row and works out what
would be created, updated or left unchanged, and ``apply_plan`` writes it with bulk
statements. A file with any error changes nothing; importing the same file again
changes nothing. The caller commits.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from lms.core import audit
from lms.core.crypto import encrypt_identifier, identifier_hash
from lms.core.groups import (
    COOPERATIVE_GROUP_LEADER,
    COOPERATIVE_LEADER,
    COUNCIL_MEMBER,
    ENTERPRISE_LEADER,
    HOUSEHOLD_HEAD,
    OFFICIAL_COMMUNE,
    OFFICIAL_DISTRICT,
    OFFICIAL_PROVINCE,
)
from lms.core.localtime import local_midnight_utc, local_today  # noqa: F401 - re-exported
from lms.core.phone import normalize_phone
from lms.core.signals import people_imported
from lms.core.text import clean_name, fold
from lms.extensions import db
from lms.registry.hooks import import_handlers, protected_people
from lms.registry.models import AdminUnit, Organisation, Person, Product

log = logging.getLogger("lms.registry.import")

KINDS = ("organizations", "officials", "products", "completions")

COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("org_code", "org_name", "org_type", "unit_code", "leader_name", "leader_phone",
                      "leader_email", "leader_national_id", "leader_gender", "joined_year", "status",
                      "withdrawn_on"),
    "officials": ("full_name", "phone", "email", "national_id", "gender", "agency", "position", "level",
                  "unit_code", "council"),
    "products": ("org_code", "product_name", "product_group", "stars", "rated_year", "rated_on"),
    "completions": ("national_id", "phone", "full_name", "course", "completed_at", "source"),
    # A class sign-in sheet (lms.classes): people identified by national ID, phone, or
    # name + organisation. Read with the same reader; never guessed for registry files.
    "signin": ("national_id", "phone", "full_name", "org_code", "organisation"),
}
# Column keys only a sign-in sheet has (refused in registry files).
SIGNIN_ONLY = frozenset({"organisation"})
REQUIRED = {
    "organizations": ("org_code", "org_name", "org_type", "unit_code", "leader_name"),
    "officials": ("full_name", "level", "unit_code"),
    "products": ("org_code", "product_name"),
    "completions": ("course", "completed_at"),
    "signin": (),
}
# Vietnamese headers of the templates (also accepted on import).
HEADERS_VI = {
    "org_code": "Mã số thuế / ĐKKD",
    "org_name": "Tên tổ chức",
    "org_type": "Loại hình",
    "unit_code": "Mã đơn vị hành chính",
    "leader_name": "Họ tên người đứng đầu",
    "leader_phone": "Điện thoại người đứng đầu",
    "leader_email": "Email người đứng đầu",
    "leader_national_id": "Số CCCD người đứng đầu",
    "leader_gender": "Giới tính người đứng đầu",
    "joined_year": "Năm tham gia OCOP",
    "status": "Trạng thái",
    "withdrawn_on": "Ngày rút khỏi chương trình",
    "full_name": "Họ và tên",
    "phone": "Điện thoại",
    "email": "Email",
    "national_id": "Số CCCD",
    "gender": "Giới tính",
    "agency": "Cơ quan",
    "position": "Chức vụ",
    "level": "Cấp",
    "council": "Thành viên Hội đồng / Tổ tư vấn",
    "product_name": "Tên sản phẩm",
    "product_group": "Nhóm sản phẩm",
    "stars": "Số sao",
    "rated_year": "Năm đánh giá",
    "rated_on": "Ngày công nhận",
    "course": "Mã khóa học",
    "completed_at": "Ngày hoàn thành",
    "source": "Hình thức",
    "organisation": "Tổ chức / cơ quan",
}
# Sheet names of the template (the English kind names are accepted as well).
SHEETS_VI = {
    "organizations": "Tổ chức",
    "officials": "Cán bộ",
    "products": "Sản phẩm",
    "completions": "Kết quả đào tạo",
}
KIND_LABELS = {
    "organizations": _l("Organisations and their leaders"),
    "officials": _l("Officials"),
    "products": _l("OCOP products"),
    "completions": _l("Past training records"),
}


def _fold(text: str) -> str:
    """Lower-case, without diacritics, single spaces: for matching headers and values."""
    return fold(text.replace("_", " "))


ORG_TYPE_VALUES = {
    "enterprise": "enterprise", "doanh nghiep": "enterprise",
    "cooperative": "cooperative", "hop tac xa": "cooperative", "htx": "cooperative",
    "cooperative union": "cooperative_union", "union of cooperatives": "cooperative_union",
    "lien hiep hop tac xa": "cooperative_union", "lien hiep htx": "cooperative_union", "lhhtx": "cooperative_union",
    "cooperative group": "cooperative_group", "to hop tac": "cooperative_group", "tht": "cooperative_group",
    "household": "household", "household business": "household", "ho kinh doanh": "household",
    "ho san xuat": "household",
}
ORG_TYPE_GROUP = {
    "enterprise": ENTERPRISE_LEADER,
    "cooperative": COOPERATIVE_LEADER,
    # A union of cooperatives is led like a cooperative (Luật Hợp tác xã 2023): same training.
    "cooperative_union": COOPERATIVE_LEADER,
    "cooperative_group": COOPERATIVE_GROUP_LEADER,
    "household": HOUSEHOLD_HEAD,
}
LEVEL_VALUES = {
    "province": "province", "tinh": "province", "cap tinh": "province",
    "district": "district", "huyen": "district", "cap huyen": "district",
    "commune": "commune", "xa": "commune", "cap xa": "commune",
}
LEVEL_GROUP = {"province": OFFICIAL_PROVINCE, "district": OFFICIAL_DISTRICT, "commune": OFFICIAL_COMMUNE}
# "Thành viên Hội đồng / Tổ tư vấn": a member of the evaluation council or its advisory team
# is counted in that group (whatever their level), not as an official of the level.
COUNCIL_VALUES = {"co": True, "x": True, "yes": True, "1": True, "hoi dong": True, "to tu van": True,
                  "thanh vien": True, "hoi dong danh gia": True, "khong": False, "no": False, "0": False}
GENDER_VALUES = {"male": "male", "nam": "male", "m": "male", "female": "female", "nu": "female",
                 "f": "female", "other": "other", "khac": "other"}
STATUS_VALUES = {"active": "active", "dang hoat dong": "active", "hoat dong": "active",
                 "withdrawn": "withdrawn", "da rut": "withdrawn", "rut": "withdrawn",
                 "rut khoi chuong trinh": "withdrawn"}
SOURCE_VALUES = {"class": "class", "lop": "class", "lop hoc": "class", "tap trung": "class",
                 "historical": "historical", "lich su": "historical", "truoc day": "historical"}

_HEADER_KEYS = {}
for _key in {k for cols in COLUMNS.values() for k in cols}:
    _HEADER_KEYS[_fold(_key)] = _key
    _HEADER_KEYS[_fold(HEADERS_VI[_key])] = _key
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NATIONAL_ID = re.compile(r"\d{9}|\d{12}")
_ORG_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-./]{0,19}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9\-]{0,99}")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (size, format, encoding)."""


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    @property
    def column_label(self) -> str:
        """The column as the template names it ("Mã đơn vị hành chính", not "unit_code")."""
        return HEADERS_VI.get(self.column, self.column)

    def __str__(self) -> str:
        return _("%(sheet)s, row %(row)d, column %(column)s: %(message)s",
                 sheet=self.sheet, row=self.row, column=self.column_label, message=self.message)


@dataclass
class Sheet:
    kind: str
    name: str
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, canonical key → text)


PREVIEW_ROWS = 10  # rows shown by name on the import preview, per kind


@dataclass
class KindCounts:
    create: int = 0
    update: int = 0
    unchanged: int = 0
    # The first rows by name, for the preview: (row number, name, "create" | "update" | "unchanged").
    first_rows: list[tuple[int, str, str]] = field(default_factory=list)

    def note(self, number: int, name: str, action: str) -> None:
        if len(self.first_rows) < PREVIEW_ROWS:
            self.first_rows.append((number, name, action))


@dataclass
class ImportPlan:
    scheme: str
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(default_factory=dict)
    orgs_new: list[dict] = field(default_factory=list)
    orgs_changed: list[dict] = field(default_factory=list)
    people_new: list[dict] = field(default_factory=list)
    people_changed: list[dict] = field(default_factory=list)
    products_new: list[dict] = field(default_factory=list)
    products_changed: list[dict] = field(default_factory=list)
    extra_rows: dict[str, list[dict]] = field(default_factory=dict)  # rows of ImportHandler kinds
    source_ref: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, kind: str) -> KindCounts:
        return self.counts.setdefault(kind, KindCounts())


# --- reading ---------------------------------------------------------------------------


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


# --- validation --------------------------------------------------------------------------


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _clean(text: str, limit: int) -> str:
    return clean_name(text)[:limit]


class RowChecker:
    def __init__(self, plan: ImportPlan, sheet: Sheet, number: int, row: dict[str, str]):
        self.plan, self.sheet, self.number, self.row = plan, sheet, number, row
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.plan.errors.append(RowError(self.sheet.name, self.number, column, message))

    def text(self, key: str, limit: int, required: bool = False) -> str | None:
        value = _clean(self.row.get(key, ""), 10_000)
        if not value:
            if required:
                self.error(key, _("a value is required"))
            return None
        if len(value) > limit:
            self.error(key, _("longer than %(n)d characters", n=limit))
            return None
        return value

    def choice(self, key: str, values: dict[str, str], required: bool = False) -> str | None:
        raw = self.text(key, 100, required)
        if raw is None:
            return None
        value = values.get(_fold(raw))
        if value is None:
            self.error(key, _("unknown value “%(value)s”", value=raw))
        return value

    def phone(self, key: str) -> str | None:
        raw = self.text(key, 30)
        if raw is None:
            return None
        value = normalize_phone(raw)
        if value is None:
            self.error(key, _("“%(value)s” is not a Vietnamese mobile number", value=raw))
        return value

    def email(self, key: str) -> str | None:
        raw = self.text(key, 254)
        if raw is None:
            return None
        value = raw.lower()
        if not _EMAIL.fullmatch(value):
            self.error(key, _("“%(value)s” is not an e-mail address", value=raw))
            return None
        return value

    def national_id(self, key: str) -> str | None:
        raw = self.text(key, 20)
        if raw is None:
            return None
        value = raw.replace(" ", "")
        if value.isdigit() and len(value) in (8, 11):
            value = "0" + value  # a leading zero lost by a spreadsheet number format
        if not _NATIONAL_ID.fullmatch(value):
            self.error(key, _("“%(value)s” is not a national ID number (9 or 12 digits)", value=raw))
            return None
        return value

    def year(self, key: str, earliest: int = 1900) -> int | None:
        raw = self.text(key, 10)
        if raw is None:
            return None
        if not raw.isdigit() or not earliest <= int(raw) <= local_today().year:
            self.error(key, _("“%(value)s” is not a year between %(a)d and %(b)d",
                              value=raw, a=earliest, b=local_today().year))
            return None
        return int(raw)

    def past_date(self, key: str, required: bool = False) -> date | None:
        raw = self.text(key, 30, required)
        if raw is None:
            return None
        value = _parse_date(raw)
        if value is None:
            self.error(key, _("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)", value=raw))
            return None
        if value > local_today():
            self.error(key, _("the date %(value)s is in the future", value=value.isoformat()))
            return None
        return value


class _Index:
    """What the database already holds, plus what this file adds, for matching rows."""

    def __init__(self, scheme: str, scope_units: set[int] | None):
        self.scheme = scheme
        self.units = {
            code: (uid, level) for code, uid, level in db.session.execute(
                select(AdminUnit.code, AdminUnit.id, AdminUnit.level).where(AdminUnit.scheme == scheme)
            )
        }
        self.scope_units = scope_units
        p = Person.__table__
        # National IDs are held as keyed hashes (lms.core.crypto): matching never decrypts.
        self.person_cols = ("id", "full_name", "phone", "email", "national_id_hash", "gender", "target_group",
                            "organisation_id", "agency", "position", "unit_id")
        self.people: dict[int, dict] = {}
        self.by_phone: dict[str, int] = {}
        self.by_nid: dict[str, int] = {}
        self.by_org_name: dict[tuple[int, str], int] = {}
        self.by_unit_name: dict[tuple[int, str, str], int] = {}
        for row in db.session.execute(select(*(p.c[c] for c in self.person_cols))):
            self._add_person(dict(row._mapping))
        o = Organisation.__table__
        self.org_cols = ("id", "code", "name", "org_type", "unit_id", "joined_year", "status", "withdrawn_on")
        self.orgs = {r.code: dict(r._mapping) for r in db.session.execute(select(*(o.c[c] for c in self.org_cols)))}
        self.org_codes_by_id = {v["id"]: code for code, v in self.orgs.items()}
        pr = Product.__table__
        self.products = {
            (r.organisation_id, _fold(r.name)): dict(r._mapping)
            for r in db.session.execute(select(pr.c.id, pr.c.organisation_id, pr.c.name, pr.c.product_group,
                                               pr.c.stars, pr.c.rated_year, pr.c.rated_on))
        }
        self.protected: set[int] = set()
        if scope_units is not None:
            for provider in protected_people.functions():
                self.protected.update(provider())
        self.new_orgs: dict[str, dict] = {}
        self.next_key = -1  # negative keys stand for people created by this file

    def _add_person(self, person: dict) -> None:
        pid = person["id"]
        self.people[pid] = person
        if person.get("phone"):
            self.by_phone[person["phone"]] = pid
        nid_hash = _nid_hash(person)
        if nid_hash:
            self.by_nid[nid_hash] = pid
        if person.get("organisation_id") is not None:
            self.by_org_name[(person["organisation_id"], _fold(person["full_name"]))] = pid
        if person.get("unit_id") is not None:
            self.by_unit_name[(person["unit_id"], _fold(person["full_name"]), person.get("target_group"))] = pid

    def new_person_key(self) -> int:
        key = self.next_key
        self.next_key -= 1
        return key


def _unit(check: RowChecker, index: _Index, key: str = "unit_code") -> tuple[int, str] | None:
    code = check.text(key, 10, required=True)
    if code is None:
        return None
    found = index.units.get(code)
    if found is None:
        check.error(key, _("unknown unit code %(code)s in the %(scheme)s scheme", code=code, scheme=index.scheme))
        return None
    if index.scope_units is not None and found[0] not in index.scope_units:
        check.error(key, _("the unit %(code)s is outside your area", code=code))
        return None
    return found


def _outside(index: _Index, unit_id: int | None) -> bool:
    """A record outside the importer's area. A record without a unit is in no manager's area:
    only administrators and the CLI (``scope_units is None``) may change it."""
    return index.scope_units is not None and (unit_id is None or unit_id not in index.scope_units)


def _refuse_outsider(index: _Index, person_id: int | None, check, column: str) -> bool:
    """An existing person of another area, without a unit, or with a staff account, matched by
    this row: an error, not an update (unless an administrator imports)."""
    if person_id is None or person_id <= 0:
        return False
    if _outside(index, index.people[person_id].get("unit_id")) or (
        index.scope_units is not None and person_id in index.protected
    ):
        check.error(column, _("this person is outside your area"))
        return True
    return False


def _nid_hash(person: dict) -> str | None:
    """The keyed hash of a planned or stored person's national ID (clear in a file's row,
    a hash when loaded from the database)."""
    if person.get("national_id"):
        return identifier_hash(person["national_id"])
    return person.get("national_id_hash")


def match_person(index: _Index, nid: str | None, phone: str | None, fallback: tuple | None,
                  check: RowChecker, nid_key: str, phone_key: str) -> int | None:
    by_nid = index.by_nid.get(identifier_hash(nid)) if nid else None
    by_phone = index.by_phone.get(phone) if phone else None
    if by_nid is not None and by_phone is not None and by_nid != by_phone:
        check.error(phone_key, _("this phone number belongs to another person than the national ID"))
        return None
    found = by_nid if by_nid is not None else by_phone
    if found is None and fallback is not None:
        if len(fallback) == 2:
            found = index.by_org_name.get(fallback)
        else:
            found = index.by_unit_name.get(fallback)
        if found is not None:
            other = index.people[found]
            if (nid and _nid_hash(other) and _nid_hash(other) != identifier_hash(nid)) or (
                phone and other.get("phone") and other["phone"] != phone
            ):
                found = None
    return found


def _upsert_person(plan: ImportPlan, index: _Index, kind: str, person_id: int | None, values: dict,
                   seen: dict, check: RowChecker) -> int:
    """Plan a person's creation or update; return its (possibly negative) key."""
    for field_name in ("phone", "national_id"):
        value = values.get(field_name)
        if value and value in seen.setdefault(field_name, {}):
            check.error(check.sheet_key(field_name),
                        _("repeated in this file (row %(row)d)", row=seen[field_name][value]))
        elif value:
            seen[field_name][value] = check.number
    counts = plan.count(kind)
    if person_id is None:
        key = index.new_person_key()
        person = {"id": key, **values}
        index._add_person(person)
        plan.people_new.append(person)
        counts.create += 1
        counts.note(check.number, values["full_name"], "create")
        return key
    current = index.people[person_id]
    changes = {k: v for k, v in values.items() if v is not None and (
        _nid_hash(current) != identifier_hash(v) if k == "national_id" else current.get(k) != v)}
    if changes:
        current.update(changes)
        index._add_person(current)
        if person_id > 0:
            plan.people_changed.append({"id": person_id, **changes})
        counts.update += 1
        counts.note(check.number, values["full_name"], "update")
    else:
        counts.unchanged += 1
        counts.note(check.number, values["full_name"], "unchanged")
    return person_id


def _plan_organizations(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen_codes: dict[str, int] = {}
    seen_people: dict = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        code = check.text("org_code", 20, required=True)
        if code is not None:
            code = code.upper()
            if not _ORG_CODE.fullmatch(code):
                check.error("org_code", _("“%(value)s” is not a tax or registration number", value=code))
            elif code in seen_codes:
                check.error("org_code", _("repeated in this file (row %(row)d)", row=seen_codes[code]))
            else:
                seen_codes[code] = number
        name = check.text("org_name", 300, required=True)
        org_type = check.choice("org_type", ORG_TYPE_VALUES, required=True)
        unit = _unit(check, index)
        leader = check.text("leader_name", 200, required=True)
        phone = check.phone("leader_phone")
        email = check.email("leader_email")
        nid = check.national_id("leader_national_id")
        gender = check.choice("leader_gender", GENDER_VALUES)
        joined = check.year("joined_year", 2018)
        status = check.choice("status", STATUS_VALUES) or "active"
        withdrawn_on = check.past_date("withdrawn_on")
        if status == "withdrawn" and withdrawn_on is None and not check.failed:
            check.error("withdrawn_on", _("a withdrawn organisation needs the date it withdrew"))
        if status == "active" and withdrawn_on is not None:
            check.error("status", _("an active organisation has no withdrawal date"))
        if check.failed:
            continue
        org_values = {"code": code, "name": name, "org_type": org_type, "unit_id": unit[0],
                      "joined_year": joined, "status": status, "withdrawn_on": withdrawn_on}
        existing = index.orgs.get(code)
        if existing is not None and _outside(index, existing["unit_id"]):
            check.error("org_code", _("the organisation %(code)s is outside your area", code=code))
            continue
        counts = plan.count("organizations")
        if existing is None:
            org_ref: int | str = code
            plan.orgs_new.append(org_values)
            index.new_orgs[code] = org_values
            counts.create += 1
            counts.note(number, name, "create")
        else:
            org_ref = existing["id"]
            changes = {k: v for k, v in org_values.items() if existing.get(k) != v}
            if changes:
                plan.orgs_changed.append({"id": existing["id"], **changes})
                existing.update(changes)
                counts.update += 1
                counts.note(number, name, "update")
            else:
                counts.unchanged += 1
                counts.note(number, name, "unchanged")
        fallback = (org_ref, _fold(leader)) if isinstance(org_ref, int) else None
        person_id = match_person(index, nid, phone, fallback, check, "leader_national_id", "leader_phone")
        if check.failed or _refuse_outsider(
            index, person_id, check, "leader_national_id" if nid else "leader_phone" if phone else "leader_name"
        ):
            continue
        values = {"full_name": leader, "phone": phone, "email": email, "national_id": nid, "gender": gender,
                  "target_group": ORG_TYPE_GROUP[org_type], "unit_id": unit[0],
                  "organisation_id": org_ref if isinstance(org_ref, int) else None}
        key = _upsert_person(plan, index, "leaders", person_id, values,
                             seen_people, _ColumnAlias(check, "leader_"))
        if not isinstance(org_ref, int):
            index.people[key]["_org_code"] = code
            if key < 0:
                plan.people_new[-1]["_org_code"] = code
            else:
                plan.people_changed.append({"id": key, "_org_code": code})


class _ColumnAlias:
    """Reports person errors under the organisation sheet's ``leader_…`` columns."""

    def __init__(self, check: RowChecker, prefix: str):
        self._check, self._prefix = check, prefix
        self.number = check.number

    def sheet_key(self, name: str) -> str:
        return self._prefix + name

    def error(self, column: str, message: str) -> None:
        self._check.error(column, message)


def _plan_officials(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen_people: dict = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        name = check.text("full_name", 200, required=True)
        phone = check.phone("phone")
        email = check.email("email")
        nid = check.national_id("national_id")
        gender = check.choice("gender", GENDER_VALUES)
        agency = check.text("agency", 300)
        position = check.text("position", 200)
        level = check.choice("level", LEVEL_VALUES, required=True)
        council = check.choice("council", COUNCIL_VALUES)
        unit = _unit(check, index)
        if unit is not None and level is not None and unit[1] != level:
            check.error("unit_code", _("the unit is not at the %(level)s level", level=level))
        if check.failed:
            continue
        group = COUNCIL_MEMBER if council else LEVEL_GROUP[level]
        person_id = match_person(index, nid, phone, (unit[0], _fold(name), group), check,
                                  "national_id", "phone")
        if check.failed or _refuse_outsider(
            index, person_id, check, "national_id" if nid else "phone" if phone else "full_name"
        ):
            continue
        values = {"full_name": name, "phone": phone, "email": email, "national_id": nid, "gender": gender,
                  "agency": agency, "position": position, "target_group": group, "unit_id": unit[0]}
        _upsert_person(plan, index, "officials", person_id, values, seen_people, _ColumnAlias(check, ""))


def _plan_products(plan: ImportPlan, sheet: Sheet, index: _Index) -> None:
    seen: dict[tuple, int] = {}
    for number, row in sheet.rows:
        check = RowChecker(plan, sheet, number, row)
        code = check.text("org_code", 20, required=True)
        name = check.text("product_name", 300, required=True)
        group = check.text("product_group", 100)
        stars_raw = check.text("stars", 5)
        stars = None
        if stars_raw is not None:
            if stars_raw.isdigit() and 1 <= int(stars_raw) <= 5:
                stars = int(stars_raw)
            else:
                check.error("stars", _("“%(value)s” is not a star rating from 1 to 5", value=stars_raw))
        rated = check.year("rated_year", 2018)
        rated_on = check.past_date("rated_on")
        if rated_on is not None and rated is None:
            rated = rated_on.year
        org = None
        if code is not None:
            code = code.upper()
            org = index.orgs.get(code) or index.new_orgs.get(code)
            if org is None:
                check.error("org_code", _("unknown organisation %(code)s", code=code))
            elif index.scope_units is not None and org["unit_id"] not in index.scope_units:
                check.error("org_code", _("the organisation %(code)s is outside your area", code=code))
        if check.failed:
            continue
        key = (code, _fold(name))
        if key in seen:
            check.error("product_name", _("repeated in this file (row %(row)d)", row=seen[key]))
            continue
        seen[key] = number
        values = {"name": name, "product_group": group, "stars": stars, "rated_year": rated, "rated_on": rated_on}
        counts = plan.count("products")
        existing = index.products.get((org["id"], _fold(name))) if "id" in org else None
        if existing is None:
            plan.products_new.append({"_org_code": code, **values})
            counts.create += 1
            counts.note(number, name, "create")
        else:
            changes = {k: v for k, v in values.items() if v is not None and existing.get(k) != v}
            if changes:
                plan.products_changed.append({"id": existing["id"], **changes})
                counts.update += 1
                counts.note(number, name, "update")
            else:
                counts.unchanged += 1
                counts.note(number, name, "unchanged")


_PLANNERS = {
    "organizations": _plan_organizations,
    "officials": _plan_officials,
    "products": _plan_products,
}


def plan_import(sheets: list[Sheet], *, scheme: str = "2025", scope_units: set[int] | None = None,
                source_ref: str = "") -> ImportPlan:
    """Validate every row of every sheet and work out the changes; write nothing."""
    if scheme not in ("2025", "legacy"):
        raise ImportFileError(_("Unknown scheme: %(scheme)s", scheme=scheme))
    plan = ImportPlan(scheme=scheme, source_ref=source_ref[:200])
    index = _Index(scheme, scope_units)
    handlers = {handler.kind: handler for handler in import_handlers.functions()}
    for kind in KINDS:
        for sheet in sheets:
            if sheet.kind != kind:
                continue
            if kind in _PLANNERS:
                _PLANNERS[kind](plan, sheet, index)
            elif kind in handlers:
                handlers[kind].plan(plan, sheet, index)
            else:
                plan.errors.append(RowError(sheet.name, 1, "-", _("this kind of file cannot be imported here")))
    plan.errors.sort(key=lambda e: (KINDS.index(next(s.kind for s in sheets if s.name == e.sheet)), e.row))
    return plan


# --- applying ------------------------------------------------------------------------------


def apply_plan(plan: ImportPlan, *, actor=None, create_accounts: bool = False) -> dict[str, KindCounts]:
    """Write a valid plan with bulk statements (the caller commits)."""
    if not plan.ok:
        raise ValueError("refusing to apply a plan with errors")
    if plan.orgs_new:
        db.session.execute(insert(Organisation), plan.orgs_new)
    if plan.orgs_changed:
        db.session.execute(update(Organisation), plan.orgs_changed)
    org_ids = {}
    needed = {p["_org_code"] for p in plan.people_new + plan.people_changed if "_org_code" in p}
    needed |= {p["_org_code"] for p in plan.products_new}
    codes = list(needed)
    for start in range(0, len(codes), 1000):
        org_ids.update(db.session.execute(
            select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes[start:start + 1000]))
        ).all())

    def person_row(p: dict) -> dict:
        row = _encrypted({k: v for k, v in p.items() if not k.startswith("_") and k != "id"})
        if "_org_code" in p:
            row["organisation_id"] = org_ids[p["_org_code"]]
        return row

    keys = {}
    if plan.people_new:
        rows = [person_row(p) for p in plan.people_new]
        db.session.execute(insert(Person), rows)
        nids = [identifier_hash(p["national_id"]) for p in plan.people_new if p.get("national_id")]
        phones = [p["phone"] for p in plan.people_new if p.get("phone")]
        by_nid, by_phone = {}, {}
        for start in range(0, len(nids), 1000):
            by_nid.update(db.session.execute(select(Person.national_id_hash, Person.id)
                                             .where(Person.national_id_hash.in_(nids[start:start + 1000]))).all())
        for start in range(0, len(phones), 1000):
            by_phone.update(db.session.execute(select(Person.phone, Person.id)
                                               .where(Person.phone.in_(phones[start:start + 1000]))).all())
        for p in plan.people_new:
            pid = (by_nid.get(identifier_hash(p["national_id"])) if p.get("national_id") else None) \
                or by_phone.get(p.get("phone"))
            if pid is None:
                pid = db.session.scalar(
                    select(Person.id).where(Person.full_name == p["full_name"], Person.unit_id == p["unit_id"],
                                            Person.target_group == p["target_group"])
                    .order_by(Person.id.desc()).limit(1)
                )
            keys[p["id"]] = pid
    changed = []
    for p in plan.people_changed:
        row = _encrypted({k: v for k, v in p.items() if not k.startswith("_")})
        if "_org_code" in p:
            row["organisation_id"] = org_ids[p["_org_code"]]
        changed.append(row)
    if changed:
        db.session.execute(update(Person), changed)
    if plan.products_new:
        db.session.execute(insert(Product), [
            {**{k: v for k, v in p.items() if k != "_org_code"}, "organisation_id": org_ids[p["_org_code"]]}
            for p in plan.products_new
        ])
    if plan.products_changed:
        db.session.execute(update(Product), plan.products_changed)
    handlers = {handler.kind: handler for handler in import_handlers.functions()}
    person_ids = {key: pid for key, pid in keys.items() if pid is not None}
    for kind, rows in plan.extra_rows.items():
        if rows:
            handlers[kind].apply(plan, rows, person_ids, actor)
    db.session.flush()
    people_imported.send(
        current_app._get_current_object(),
        created=[keys[p["id"]] for p in plan.people_new if keys.get(p["id"]) is not None],
        changed=[p["id"] for p in plan.people_changed],
        actor=actor, create_accounts=create_accounts,
    )
    summary = {k: {"create": v.create, "update": v.update, "unchanged": v.unchanged}
               for k, v in plan.counts.items()}
    audit.record(actor, "registry.import", "registry", plan.source_ref or "-", scheme=plan.scheme, **summary)
    log.info("registry import %s: %s", plan.source_ref, summary)
    return plan.counts


def _encrypted(row: dict) -> dict:
    """A person row for a bulk statement: the national ID as its token and keyed hash."""
    row.pop("national_id_hash", None)
    if "national_id" in row:
        nid = row.pop("national_id")
        row["national_id_enc"] = encrypt_identifier(nid) if nid else None
        row["national_id_hash"] = identifier_hash(nid) if nid else None
    return row


def import_file(filename: str, data: bytes, *, kind: str | None = None, scheme: str = "2025",
                dry_run: bool = False, actor=None, scope_units: set[int] | None = None,
                create_accounts: bool = False) -> ImportPlan:
    """Read, validate and (unless ``dry_run`` or invalid) apply a file. The caller commits."""
    sheets = read_file(filename, data, kind)
    plan = plan_import(sheets, scheme=scheme, scope_units=scope_units, source_ref=filename)
    if plan.ok and not dry_run:
        apply_plan(plan, actor=actor, create_accounts=create_accounts)
    return plan


INSTRUCTIONS_VI = (
    "Hướng dẫn nhập danh sách",
    "Mỗi trang tính là một loại dữ liệu: Tổ chức (tổ chức và người đứng đầu), Cán bộ, "
    "Sản phẩm (sản phẩm OCOP), Kết quả đào tạo (kết quả đào tạo trước đây). Xóa các trang không dùng.",
    "Trang Mã khóa học liệt kê các mã khóa học được chấp nhận ở cột Mã khóa học.",
    "Dòng đầu tiên là tiêu đề cột; có thể dùng tiêu đề tiếng Việt hoặc mã cột tiếng Anh (org_code, …).",
    "Mã đơn vị hành chính: mã của Tổng cục Thống kê (tỉnh 2 chữ số, xã 5 chữ số), theo danh mục 2025 "
    "hoặc danh mục trước 1/7/2025 (chọn khi tải lên).",
    "Loại hình: Doanh nghiệp, Hợp tác xã, Liên hiệp hợp tác xã, Tổ hợp tác, Hộ kinh doanh. Cấp: tỉnh, huyện, xã "
    "(cán bộ cấp huyện không còn được tính từ 1/7/2025). Thành viên Hội đồng đánh giá hoặc Tổ tư vấn: ghi “Có”. "
    "Giới tính: Nam, Nữ, Khác. Trạng thái: Đang hoạt động hoặc Đã rút (kèm ngày rút).",
    "Ngày viết YYYY-MM-DD hoặc DD/MM/YYYY. Hình thức đào tạo: lớp (tập trung) hoặc lịch sử (trước đây). "
    "Ngày công nhận: ngày quyết định công nhận sản phẩm OCOP; giấy chứng nhận có hiệu lực 36 tháng.",
    "Tệp có lỗi sẽ không được nhập dòng nào; mỗi lỗi ghi rõ trang, dòng và cột. Nhập lại cùng một tệp "
    "không thay đổi gì.",
)
EXAMPLES = {
    "organizations": ["0101234567", "HTX Nông nghiệp Hoàn Lão", "Hợp tác xã", "18880", "Nguyễn Văn An",
                      "0900 000 001", "", "", "Nam", "2021", "Đang hoạt động", ""],
    "officials": ["Trần Thị Bình", "0900000002", "", "", "Nữ", "UBND xã", "Cán bộ OCOP", "xã", "18880", ""],
    "products": ["0101234567", "Khoai deo Hoàn Lão", "Thực phẩm", "4", "2023", "15/09/2023"],
    "completions": ["", "0900000001", "Nguyễn Văn An", "quan-tri-san-xuat-kinh-doanh", "2023-11-20", "lớp"],
}


def template_xlsx() -> bytes:
    """The import template: one sheet per kind with Vietnamese headers, and instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    guide = book.active
    guide.title = "Hướng dẫn"
    for line in INSTRUCTIONS_VI:
        guide.append([line])
    guide["A1"].font = Font(bold=True)
    guide.column_dimensions["A"].width = 120
    for kind in KINDS:
        sheet = book.create_sheet(SHEETS_VI[kind])
        sheet.append([HEADERS_VI[k] for k in COLUMNS[kind]])
        sheet.append(EXAMPLES[kind])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 22
            for cell in column:
                cell.number_format = "@"  # text: keeps leading zeros of codes and phones
    for handler in import_handlers.functions():
        reference = getattr(handler, "reference", None)
        if reference is None:
            continue
        title, header, rows = reference()
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            sheet.column_dimensions[column[0].column_letter].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
