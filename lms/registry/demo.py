"""Demo registry: the merged Quảng Trị (2025 code 44, with the legacy Quảng Bình and
Quảng Trị units), about 200 organisations with their leaders, 60 officials, OCOP
products, and past training records spread over the last years.

Generated from a fixed seed and loaded through the import service, so running it again
changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from lms.extensions import db
from lms.registry import imports, services
from lms.registry.models import AdminUnit, Person

PROVINCE = "44"
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc",
         "Quý", "Sơn", "Tâm", "Thảo", "Trung", "Vân", "Yến"]
ORG_KINDS = [("Doanh nghiệp", "Công ty TNHH"), ("Hợp tác xã", "HTX"), ("Tổ hợp tác", "THT"),
             ("Hộ kinh doanh", "Hộ kinh doanh")]
PRODUCTS = [("Khoai deo", "Thực phẩm"), ("Nước mắm", "Thực phẩm"), ("Tiêu", "Thực phẩm"),
            ("Mật ong", "Thực phẩm"), ("Trà thảo dược", "Đồ uống"), ("Rượu nếp", "Đồ uống"),
            ("Nón lá", "Thủ công mỹ nghệ"), ("Tinh dầu tràm", "Dược liệu"), ("Cà phê", "Đồ uống")]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def demo_rows(rng: random.Random, communes: list[str], legacy_communes: list[str], today: date):
    orgs, products, officials, completions = [], [], [], []
    for i in range(200):
        label, prefix = ORG_KINDS[min(int(rng.random() ** 1.5 * 4), 3)]
        code = f"32{i:08d}"
        phone = f"09{44_000_000 + i:08d}"
        withdrawn = i % 37 == 5
        orgs.append({"org_code": code, "org_name": f"{prefix} {rng.choice(PRODUCTS)[0]} {i + 1}",
                     "org_type": label, "unit_code": rng.choice(communes), "leader_name": _name(rng),
                     "leader_phone": phone, "leader_gender": rng.choice(["Nam", "Nữ"]),
                     "joined_year": str(rng.randint(2019, today.year)),
                     "status": "Đã rút" if withdrawn else "Đang hoạt động",
                     "withdrawn_on": (today - timedelta(days=200)).isoformat() if withdrawn else ""})
        for product, group in rng.sample(PRODUCTS, rng.randint(0, 2)):
            products.append({"org_code": code, "product_name": product, "product_group": group,
                             "stars": str(rng.choice([3, 3, 3, 4, 4, 5])), "rated_year": str(rng.randint(2019, today.year))})
        completions.extend(_completions(rng, phone, ["quan-tri-san-xuat-kinh-doanh", "tieu-chi-ocop-ho-so"], today))
    for i in range(60):
        level = "tỉnh" if i < 10 else "xã"
        phone = f"08{44_000_000 + i:08d}"
        unit = PROVINCE if level == "tỉnh" else rng.choice(communes)
        officials.append({"full_name": _name(rng), "phone": phone, "gender": rng.choice(["Nam", "Nữ"]),
                          "agency": "Sở Nông nghiệp và Môi trường" if level == "tỉnh" else "UBND xã",
                          "position": "Chuyên viên OCOP", "level": level, "unit_code": unit})
        slugs = ["quan-ly-nha-nuoc-ocop"] + (["tieu-chi-ocop-ho-so"] if level == "xã" else [])
        completions.extend(_completions(rng, phone, slugs, today))
    return orgs, products, officials, completions


def _completions(rng: random.Random, phone: str, slugs: list[str], today: date) -> list[dict]:
    rows = []
    for slug in slugs:
        if rng.random() < 0.55:
            day = today - timedelta(days=rng.randint(1, 3 * 365))
            rows.append({"phone": phone, "course": slug, "completed_at": day.isoformat(),
                         "source": rng.choice(["lớp", "lịch sử"])})
    return rows


def _sheet(kind: str, rows: list[dict]) -> imports.Sheet:
    return imports.Sheet(kind=kind, name=kind, rows=[
        (n, {k: str(v) for k, v in row.items()}) for n, row in enumerate(rows, start=2)
    ])


def seed_demo(manager=None, course_slugs: frozenset[str] = frozenset()) -> dict:
    """Load the demo province and registry; assign the province to ``manager``. Past
    completions are loaded for the courses in ``course_slugs`` (those already imported)."""
    services.load_units(province=PROVINCE)
    communes = list(db.session.scalars(
        select(AdminUnit.code).where(AdminUnit.scheme == "2025", AdminUnit.level == "commune",
                                     AdminUnit.parent_id == select(AdminUnit.id).where(
                                         AdminUnit.scheme == "2025", AdminUnit.code == PROVINCE
                                     ).scalar_subquery()).order_by(AdminUnit.code)
    ))
    rng = random.Random(44)  # noqa: S311 - demo data, not security
    # A fixed "today" keeps the demo identical when seeded again on another day.
    orgs, products, officials, completions = demo_rows(rng, communes, [], date(2026, 6, 30))
    completions = [c for c in completions if c["course"] in course_slugs]
    sheets = [_sheet("organizations", orgs), _sheet("products", products), _sheet("officials", officials)]
    if completions:
        sheets.append(_sheet("completions", completions))
    plan = imports.plan_import(sheets, scheme="2025", source_ref="demo")
    if not plan.ok:  # pragma: no cover - the generator makes valid rows
        raise RuntimeError("; ".join(str(e) for e in plan.errors[:5]))
    if any(c.create or c.update for c in plan.counts.values()):
        imports.apply_plan(plan)
    if manager is not None:
        province = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == "2025",
                                                             AdminUnit.code == PROVINCE))
        services.assign_unit(manager, province)
    db.session.flush()
    return {k: v.create for k, v in plan.counts.items()}


def place_demo_learner(user) -> None:
    """Register the demo learner as a household head in the demo province, so that the
    catalogue shows her the leaders' courses and coverage counts her (left alone once set)."""
    if user is None:
        return
    person = db.session.get(Person, user.person_id)
    if person is None or person.target_group is not None:
        return
    commune = db.session.scalar(
        select(AdminUnit).where(
            AdminUnit.scheme == "2025", AdminUnit.level == "commune",
            AdminUnit.parent_id == select(AdminUnit.id).where(
                AdminUnit.scheme == "2025", AdminUnit.code == PROVINCE).scalar_subquery(),
        ).order_by(AdminUnit.code)
    )
    person.target_group = "household_head"
    person.unit_id = commune.id if commune is not None else None
    person.position = "Chủ hộ kinh doanh kẹo mè xửng"
    db.session.flush()
