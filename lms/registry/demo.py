"""Demo registry: the merged Quảng Trị (2025 code 44, with the legacy Quảng Bình and
Quảng Trị units), about 200 organisations with their leaders (a national-like mix), 60
officials, 8 members of the evaluation council and its Tổ tư vấn, OCOP products (star shares
close to the real ones, certificates dated so that some have expired), and past training
records spread over the last years.

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
# Shares close to the national mix of OCOP entities (VNS, 04/2024: households and small
# establishments 40 %, cooperatives 32 %, enterprises 22 %, cooperative groups a few per cent;
# see /work/shared/USERS.md): cooperatives and households about a third each. A few unions of
# cooperatives (liên hiệp hợp tác xã) are included so that the type shows up.
ORG_KINDS = [("Doanh nghiệp", "Công ty TNHH"), ("Hợp tác xã", "HTX"), ("Liên hiệp hợp tác xã", "Liên hiệp HTX"),
             ("Tổ hợp tác", "THT"), ("Hộ kinh doanh", "Hộ kinh doanh")]
ORG_COUNTS = [46, 66, 4, 10, 74]  # of 200: 23 %, 33 %, 2 %, 5 %, 37 %
# Star ratings: mostly 3★, few 4★, 5★ rare. Nationally about two thirds 3★ and a third 4★
# in late 2022, 5★ about 0.2 %; Quảng Bình (now Quảng Trị) had 158 products at 3★ and 28 at
# 4★ in 05/2025 (85 % / 15 %). The demo takes 80 / 19 / 1 (so that one or two 5★ show).
STARS = [3, 4, 5]
STAR_WEIGHTS = [80, 19, 1]
PRODUCTS = [("Khoai deo", "Thực phẩm"), ("Nước mắm", "Thực phẩm"), ("Tiêu", "Thực phẩm"),
            ("Mật ong", "Thực phẩm"), ("Trà thảo dược", "Đồ uống"), ("Rượu nếp", "Đồ uống"),
            ("Nón lá", "Thủ công mỹ nghệ"), ("Tinh dầu tràm", "Dược liệu"), ("Cà phê", "Đồ uống")]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def demo_rows(rng: random.Random, communes: list[str], legacy_communes: list[str], today: date):
    orgs, products, officials, completions = [], [], [], []
    kinds = [kind for kind, count in zip(ORG_KINDS, ORG_COUNTS, strict=True) for _ in range(count)]
    rng.shuffle(kinds)
    for i in range(200):
        label, prefix = kinds[i]
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
            # Rated within the last four years: certificates are valid 36 months, so about a
            # quarter have expired by the demo's "today" (re-evaluation due).
            rated_on = today - timedelta(days=rng.randint(0, 4 * 365))
            products.append({"org_code": code, "product_name": product, "product_group": group,
                             "stars": str(rng.choices(STARS, STAR_WEIGHTS)[0]),
                             "rated_year": str(rated_on.year), "rated_on": rated_on.isoformat()})
        completions.extend(_completions(rng, phone, ["quan-tri-san-xuat-kinh-doanh", "tieu-chi-ocop-ho-so"], today))
        if label != "Doanh nghiệp":  # the fourth course (law, tax, digital business) is new in 2026
            completions.extend(_completions(rng, phone, ["phap-ly-kinh-doanh-so-ocop"], today,
                                            days=(today - date(2026, 1, 1)).days))
    for i in range(60):
        level = "tỉnh" if i < 10 else "xã"
        phone = f"08{44_000_000 + i:08d}"
        unit = PROVINCE if level == "tỉnh" else rng.choice(communes)
        officials.append({"full_name": _name(rng), "phone": phone, "gender": rng.choice(["Nam", "Nữ"]),
                          "agency": "Sở Nông nghiệp và Môi trường" if level == "tỉnh" else "UBND xã",
                          "position": "Chuyên viên OCOP", "level": level, "unit_code": unit})
        slugs = ["quan-ly-nha-nuoc-ocop"] + (["tieu-chi-ocop-ho-so"] if level == "xã" else [])
        completions.extend(_completions(rng, phone, slugs, today))
    # Members of the provincial evaluation council and its Tổ tư vấn.
    for i in range(8):
        phone = f"08{44_100_000 + i:08d}"
        officials.append({"full_name": _name(rng), "phone": phone, "gender": rng.choice(["Nam", "Nữ"]),
                          "agency": "Hội đồng đánh giá, phân hạng sản phẩm OCOP tỉnh" if i < 5 else "Tổ tư vấn",
                          "position": "Thành viên", "level": "tỉnh", "unit_code": PROVINCE, "council": "Có"})
        completions.extend(_completions(rng, phone, ["tieu-chi-ocop-ho-so", "quan-ly-nha-nuoc-ocop"], today))
    return orgs, products, officials, completions


def _completions(rng: random.Random, phone: str, slugs: list[str], today: date,
                 days: int = 3 * 365) -> list[dict]:
    rows = []
    for slug in slugs:
        if rng.random() < 0.55:
            day = today - timedelta(days=rng.randint(1, days))
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
