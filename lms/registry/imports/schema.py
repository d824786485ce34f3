"""The registry import's vocabulary: kinds, columns, Vietnamese headers and sheet names,
accepted values, and the plan types (sheets, row errors, counts, the plan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.groups import (
    COOPERATIVE_GROUP_LEADER,
    COOPERATIVE_LEADER,
    ENTERPRISE_LEADER,
    HOUSEHOLD_HEAD,
    OFFICIAL_COMMUNE,
    OFFICIAL_DISTRICT,
    OFFICIAL_PROVINCE,
)
from lms.core.text import fold

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
