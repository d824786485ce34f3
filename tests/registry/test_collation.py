"""Vietnamese alphabetical order (Đ after D, before E) in Python and in the database
(SQLite: a registered collation; PostgreSQL: ICU's vi collation)."""

from __future__ import annotations

from sqlalchemy import select

from lms.core.db import vi_collate
from lms.core.text import vi_sort_key
from lms.extensions import db
from tests.support.client import login

ORDER = ["An", "Ăn", "Âu", "Be", "Bè", "Bé", "Dương", "Đinh", "Đông", "Eo", "Êm", "Ô", "Ơn", "U", "Ư", "Zung"]


def test_python_key():
    assert sorted(reversed(ORDER), key=vi_sort_key) == ORDER


def test_database_order_and_the_registry_page(app, client, users):
    from lms.registry.models import AdminUnit, Person

    with app.app_context():
        unit = AdminUnit(scheme="2025", code="99", name="Tỉnh", level="province", type="province")
        db.session.add(unit)
        db.session.flush()
        for i, name in enumerate(reversed(ORDER)):
            db.session.add(Person(full_name=name, phone=f"09150000{i:02d}", unit_id=unit.id))
        db.session.commit()
        names = list(db.session.scalars(select(Person.full_name).where(Person.unit_id == unit.id)
                                        .order_by(vi_collate(Person.full_name))))
        assert names == ORDER
    login(client, "admin@example.vn")
    page = client.get("/registry/people").get_data(as_text=True)
    positions = [page.index(f">{n}<") for n in ORDER]
    assert positions == sorted(positions)
