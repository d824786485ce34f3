"""Demo data for a first look at the platform (``flask lms seed-demo``).

Idempotent: running it again changes nothing that is already there. Later parts of
the platform add their own demo data through ``seed_demo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.auth import services as auth_services
from lms.catalog.models import Course
from lms.extensions import db

DEMO_PASSWORD = "ocop-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    name: str
    login: str
    roles: tuple[str, ...]

    @property
    def is_phone(self) -> bool:
        return "@" not in self.login


DEMO_ACCOUNTS = (
    DemoAccount("Quản trị viên Hệ thống", "admin@demo.ocop.vn", ("admin",)),
    DemoAccount("Cán bộ Quản lý Tỉnh", "manager@demo.ocop.vn", ("manager",)),
    DemoAccount("Giảng viên Trần Văn Bình", "trainer@demo.ocop.vn", ("trainer",)),
    DemoAccount("Nguyễn Thị Hường", "0912345678", ("learner",)),
)


def seed_demo() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that do not exist yet, then each domain's demo data."""
    from lms.assessments import demo as assessments_demo
    from lms.catalog import demo as catalog_demo
    from lms.certification import demo as certification_demo
    from lms.classes import demo as classes_demo
    from lms.coverage import demo as coverage_demo
    from lms.registry import demo as registry_demo

    result = seed_accounts()
    registry_demo.seed_demo(manager=auth_services.find_user_by_login("manager@demo.ocop.vn"),
                            course_slugs=frozenset(db.session.scalars(select(Course.slug))))
    registry_demo.place_demo_learner(auth_services.find_user_by_login("0912345678"))
    catalog_demo.seed_demo()
    assessments_demo.seed_demo()
    coverage_demo.seed_demo()
    # Classes after the registry (their rosters are registry people) and before certificates.
    classes_demo.seed_demo()
    # Certificates last: for the completions the other domains' demo data recorded.
    certification_demo.seed_demo()
    db.session.flush()
    return result


def seed_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that do not exist yet; return (account, created)."""
    result = []
    for account in DEMO_ACCOUNTS:
        existing = auth_services.find_user_by_login(account.login)
        if existing is not None:
            result.append((account, False))
            continue
        auth_services.create_user(
            name=account.name,
            email=None if account.is_phone else account.login,
            phone=account.login if account.is_phone else None,
            roles=account.roles,
            password=DEMO_PASSWORD,
        )
        result.append((account, True))
    db.session.flush()
    return result
