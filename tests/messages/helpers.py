"""Small helpers shared by the message tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.extensions import db

ACTIVATION = {"full_name": "Nguyễn Thị Hoa", "code": "7KQ4-M2XP", "url": "https://daotao.example.vn/kich-hoat",
              "expires_on": date(2026, 3, 31)}


def person(full_name="Nguyễn Thị Hoa", phone=None, email=None) -> int:
    from lms.registry.models import Person

    p = Person(full_name=full_name, phone=phone, email=email)
    db.session.add(p)
    db.session.flush()
    return p.id


def rows():
    from lms.messages.models import Message

    return list(db.session.scalars(select(Message).order_by(Message.id)))


def queue_emails(n: int, prefix: str = "bulk") -> None:
    """``n`` activation e-mails, committed."""
    from lms.messages import services as messages

    for i in range(n):
        messages.enqueue("activation", "activation", email=f"hv{i}@example.vn",
                         context={**ACTIVATION, "code": f"C{i:05d}"}, idempotency_key=f"{prefix}:{i}")
    db.session.commit()
