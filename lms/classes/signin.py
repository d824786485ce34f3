"""Sign-in sheet import: a CSV/XLSX list of people to put on a class roster.

The file is read by the registry's reader (size, zip-bomb and encoding checks, header
mapping with the Vietnamese headers). Each row names a person by national ID, by phone,
or by full name together with the organisation (its name or tax code); people are
looked up only within the importer's area. Errors name the sheet, row and column; a file
with any error, or one that would overflow the class capacity, adds nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from lms.classes import services
from lms.classes.models import TrainingClass
from lms.core.errors import ServiceError
from lms.core.phone import normalize_phone
from lms.core.text import fold
from lms.extensions import db
from lms.registry import imports
from lms.registry.models import Organisation, Person
from lms.registry.queries import person_scope


@dataclass
class SigninResult:
    errors: list[imports.RowError] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    added: int = 0
    file_error: str | None = None  # e.g. the capacity would be exceeded

    @property
    def ok(self) -> bool:
        return not self.errors and self.file_error is None


def _find(user, row: dict[str, str], error) -> int | None:
    nid = row.get("national_id", "").strip()
    raw_phone = row.get("phone", "").strip()
    name = " ".join(row.get("full_name", "").split())
    org = " ".join((row.get("organisation") or "").split())
    org_code = row.get("org_code", "").strip()
    if nid:
        pid = db.session.scalar(select(Person.id).where(Person.national_id == nid, person_scope(user)))
        if pid is None:
            error("national_id", _("No person in your area has this national ID."))
        return pid
    if raw_phone:
        phone = normalize_phone(raw_phone)
        if phone is None:
            error("phone", _("Not a Vietnamese phone number."))
            return None
        pid = db.session.scalar(select(Person.id).where(Person.phone == phone, person_scope(user)))
        if pid is None:
            error("phone", _("No person in your area has this phone number."))
        return pid
    if name and (org or org_code):
        stmt = (select(Person.id, Person.full_name)
                .join(Organisation, Organisation.id == Person.organisation_id, isouter=True)
                .where(person_scope(user)))
        if org_code:
            stmt = stmt.where(Organisation.code == org_code)
        else:
            stmt = stmt.where(or_(func.lower(Organisation.name) == org.lower(),
                                  func.lower(Person.agency) == org.lower()))
        wanted = fold(name)
        found = [pid for pid, full in db.session.execute(stmt) if fold(full) == wanted]
        if not found:
            error("full_name", _("No person with this name in this organisation in your area."))
            return None
        if len(found) > 1:
            error("full_name", _("Several people have this name in this organisation; give a phone or national ID."))
            return None
        return found[0]
    error("full_name", _("Give a national ID, a phone, or a full name with the organisation."))
    return None


def plan_signin(training_class: TrainingClass, filename: str, data: bytes, *, actor) -> SigninResult:
    """Validate a sign-in sheet; ``imports.ImportFileError`` for an unreadable file."""
    sheets = imports.read_file(filename, data, kind="signin")
    result = SigninResult()
    seen: dict[int, int] = {}
    for sheet in sheets:
        for number, row in sheet.rows:
            def error(column, message, _sheet=sheet.name, _row=number):
                result.errors.append(imports.RowError(_sheet, _row, column, message))

            pid = _find(actor, row, error)
            if pid is None:
                continue
            if pid in seen:
                error("full_name", _("The same person as on row %(row)d.", row=seen[pid]))
                continue
            seen[pid] = number
            result.person_ids.append(pid)
    return result


def import_signin(training_class: TrainingClass, filename: str, data: bytes, *, actor) -> SigninResult:
    """Plan, then add everyone or nobody (capacity is checked by ``services.add_people``)."""
    result = plan_signin(training_class, filename, data, actor=actor)
    if result.ok:
        try:
            result.added = services.add_people(training_class, result.person_ids, actor=actor)
        except ServiceError as exc:
            result.file_error = str(exc)
    return result


def template_xlsx(training_class: TrainingClass) -> bytes:
    """A sign-in sheet to fill in by hand or on a computer and import back: the columns the
    import reads, with the template's Vietnamese headers, one row per place in the class."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách điểm danh"
    keys = ("full_name", "national_id", "phone", "organisation", "org_code")
    sheet.append([imports.HEADERS_VI[k] for k in keys])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_row=1, max_row=training_class.capacity + 1, max_col=len(keys)):
        sheet.column_dimensions[column[0].column_letter].width = 28
        for cell in column:
            cell.number_format = "@"  # text: keeps the leading zeros of IDs and phones
    guide = book.create_sheet("Hướng dẫn")
    for line in (
        f"Lớp: {training_class.title}",
        "Mỗi dòng một người. Chỉ cần một trong ba cách nhận diện: Số CCCD, hoặc Điện thoại, "
        "hoặc Họ và tên kèm Tổ chức / cơ quan (hoặc Mã số thuế / ĐKKD của tổ chức).",
        "Tệp có lỗi sẽ không thêm ai; mỗi lỗi ghi rõ dòng và cột.",
    ):
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    import io

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
