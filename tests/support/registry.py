"""Factories for registry and coverage tests: units, courses, people and completions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from lms.catalog.models import Course
from lms.extensions import db
from lms.registry.models import AdminUnit, Organisation, Person

# Two 2025 provinces: Quảng Trị (44, which absorbed the legacy Quảng Bình 44 and
# Quảng Trị 45) and Điện Biên (11), the "other area" for scoping tests.
HOME = "44"
OTHER = "11"
HOME_COMMUNE = "18880"  # 2025 Phường Đồng Hới
LEGACY_COMMUNE = "19369"  # legacy commune of the legacy Quảng Trị (45) → 2025 commune 19372
LEGACY_TARGET = "19372"
OTHER_COMMUNE = "03127"  # 2025 Phường Điện Biên Phủ


def load_test_units() -> None:
    from lms.registry import services

    services.load_units(province=HOME)
    services.load_units(province=OTHER)
    db.session.commit()


def unit(code: str, scheme: str = "2025") -> AdminUnit:
    found = db.session.scalar(select(AdminUnit).where(AdminUnit.scheme == scheme, AdminUnit.code == code))
    assert found is not None, (scheme, code)
    return found


def course(slug: str) -> Course:
    found = db.session.scalar(select(Course).where(Course.slug == slug))
    if found is None:
        found = Course(slug=slug, title=slug.title(), audience=[], completion={})
        db.session.add(found)
        db.session.flush()
    return found


def org(code: str, unit_code: str = HOME_COMMUNE, *, org_type: str = "enterprise", joined: int | None = 2020,
        withdrawn_on: date | None = None, scheme: str = "2025", name: str | None = None) -> Organisation:
    o = Organisation(code=code, name=name or f"Công ty {code}", org_type=org_type,
                     unit_id=unit(unit_code, scheme).id, joined_year=joined,
                     status="withdrawn" if withdrawn_on else "active", withdrawn_on=withdrawn_on)
    db.session.add(o)
    db.session.flush()
    return o


_counter = {"n": 0}


def person(name: str, group: str, unit_code: str = HOME_COMMUNE, *, scheme: str = "2025",
           organisation: Organisation | None = None, phone: str | None = None, **kwargs) -> Person:
    _counter["n"] += 1
    p = Person(full_name=name, target_group=group, unit_id=unit(unit_code, scheme).id,
               organisation_id=organisation.id if organisation else None,
               phone=phone or f"09{_counter['n'] + 10000000:08d}"[-10:], **kwargs)
    db.session.add(p)
    db.session.flush()
    return p


def complete(p: Person, slug: str, day: date, via: str = "online") -> None:
    from lms.catalog.services import record_completion

    record_completion(p.id, course(slug), via=via, completed_at=datetime(day.year, day.month, day.day, 3,
                                                                        tzinfo=UTC))


def staff(app, make_user, role, unit_code, email, scheme="2025"):
    """A manager or trainer assigned to ``unit_code``."""
    from lms.registry import services

    user = make_user((role,), email=email)
    with app.app_context():
        services.assign_unit(db.session.get(type(user), user.id), unit(unit_code, scheme))
        db.session.commit()
    return user
