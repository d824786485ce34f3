"""Registry models: administrative units, organisations, products and people.

``Person`` is the unit of coverage: coverage counts people, not users.

Administrative units belong to a scheme (``legacy``: province → district → commune,
before 1 July 2025; ``2025``: province → commune). Codes are unique within a scheme.
Each unit carries its ancestors as columns (``province_id``, ``district_id``, both
self-inclusive) and its place in the 2025 scheme (``new_province_id``,
``new_commune_id``: for a legacy unit, through the default mapping), so that a subtree
in either scheme is one equality test and reports roll legacy units up under 2025.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import Comparator, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.crypto import decrypt_identifier, encrypt_identifier, identifier_hash
from lms.core.db import UTCDateTime, utcnow
from lms.core.localtime import add_months
from lms.extensions import db

SCHEMES = ("2025", "legacy")
# An OCOP certificate is valid for 36 months (Decision 148/QĐ-TTg, 2023).
CERTIFICATE_MONTHS = 36
LEVELS = ("province", "district", "commune")
# A union of cooperatives (liên hiệp hợp tác xã, Luật Hợp tác xã 2023, Điều 4) is its own type.
ORG_TYPES = ("enterprise", "cooperative", "cooperative_union", "cooperative_group", "household")
ORG_STATUSES = ("active", "withdrawn")
GENDERS = ("male", "female", "other")
ORG_TYPE_LABELS = {
    "enterprise": _l("Enterprise"),
    "cooperative": _l("Cooperative"),
    "cooperative_union": _l("Union of cooperatives"),
    "cooperative_group": _l("Cooperative group"),
    "household": _l("Household business"),
}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female"), "other": _l("Other")}
SCHEME_LABELS = {"2025": _l("2025 units"), "legacy": _l("units before 1 July 2025")}


class AdminUnit(db.Model):
    __tablename__ = "admin_unit"
    __table_args__ = (
        UniqueConstraint("scheme", "code"),
        CheckConstraint("scheme IN ('legacy', '2025')", name="scheme_known"),
        CheckConstraint("level IN ('province', 'district', 'commune')", name="level_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    # Ancestors in the unit's own scheme (self-inclusive).
    province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    # Place in the 2025 scheme (self for 2025 units; the default mapping for legacy ones).
    new_province_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    new_commune_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)

    parent: Mapped[AdminUnit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    def __repr__(self) -> str:
        return f"<AdminUnit {self.scheme}:{self.code}>"

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "scheme": self.scheme}


class UnitMapping(db.Model):
    """Legacy unit → 2025 unit (many-to-many where a commune was split)."""

    __tablename__ = "admin_unit_mapping"

    legacy_unit_id: Mapped[int] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True
    )
    new_unit_id: Mapped[int] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_default: Mapped[bool] = mapped_column(default=False)


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "org_type IN ('enterprise', 'cooperative', 'cooperative_union', 'cooperative_group', 'household')",
            name="type_known",
        ),
        CheckConstraint("status IN ('active', 'withdrawn')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Tax or business-registration number.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    org_type: Mapped[str] = mapped_column(String(20), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    joined_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="active")
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[AdminUnit] = relationship()
    products: Mapped[list[Product]] = relationship(
        back_populates="organisation", order_by="Product.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"


class Product(db.Model):
    """An OCOP product of an organisation, with its star rating."""

    __tablename__ = "ocop_product"
    __table_args__ = (
        UniqueConstraint("organisation_id", "name"),
        CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="stars_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    product_group: Mapped[str | None] = mapped_column(String(100))
    stars: Mapped[int | None] = mapped_column(Integer)
    rated_year: Mapped[int | None] = mapped_column(Integer)
    # The date of the decision that recognised the rating (the certificate's date).
    rated_on: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship(back_populates="products")

    @property
    def valid_until(self) -> date | None:
        """The last day of the certificate: valid for CERTIFICATE_MONTHS from its date."""
        if self.rated_on is None:
            return None
        return add_months(self.rated_on, CERTIFICATE_MONTHS) - timedelta(days=1)

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until


class _IdentifierComparator(Comparator[str]):
    """SQL comparisons of a national ID go through its keyed hash."""

    def __eq__(self, other):  # type: ignore[override]
        return self.__clause_element__() == (identifier_hash(other) if other else None)

    def __ne__(self, other):  # type: ignore[override]
        return self.__clause_element__() != (identifier_hash(other) if other else None)

    def in_(self, other):
        return self.__clause_element__().in_([identifier_hash(v) for v in other if v])

    def is_(self, other):
        return self.__clause_element__().is_(other)

    def is_not(self, other):
        return self.__clause_element__().is_not(other)


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Normalised Vietnamese mobile number (0xxxxxxxxx) or None.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # The national ID number, encrypted (lms.core.crypto), and its keyed hash for matching;
    # read and write both through ``national_id`` below.
    national_id_enc: Mapped[str | None] = mapped_column(String(120))
    national_id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    gender: Mapped[str | None] = mapped_column(String(6))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    ethnicity: Mapped[str | None] = mapped_column(String(50))
    # One of lms.core.groups.TARGET_GROUPS, or None for people outside the plan.
    target_group: Mapped[str | None] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    agency: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    active_from: Mapped[date | None] = mapped_column(Date)
    active_until: Mapped[date | None] = mapped_column(Date)
    # Restricted at the person's request (Law 91/2025/QH15, Art. 4): kept and still
    # counted, never shown in lists, exports or the public certificate check.
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Everything identifying removed (lms.privacy); the row stays for past coverage counts.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[AdminUnit | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @hybrid_property
    def national_id(self) -> str | None:
        """The number in clear (decrypted on read, encrypted and hashed on write).

        In queries ``Person.national_id == nid`` and ``Person.national_id.in_(nids)``
        compare keyed hashes, so a number is found without decrypting anything.
        """
        return decrypt_identifier(self.national_id_enc) if self.national_id_enc else None

    @national_id.inplace.setter
    def _national_id_setter(self, value: str | None) -> None:
        self.national_id_enc = encrypt_identifier(value) if value else None
        self.national_id_hash = identifier_hash(value) if value else None

    @national_id.inplace.comparator
    @classmethod
    def _national_id_comparator(cls) -> _IdentifierComparator:
        return _IdentifierComparator(cls.national_id_hash)

    @property
    def hidden(self) -> bool:
        """Restricted or anonymised: not to be shown or exported."""
        return self.restricted_at is not None or self.anonymised_at is not None

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class UnitAssignment(db.Model):
    """A unit whose subtree a staff user (manager or trainer) may see."""

    __tablename__ = "unit_assignment"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[AdminUnit] = relationship()


class ImportBatch(db.Model):
    """An uploaded registry file kept between its preview and its confirmation."""

    __tablename__ = "registry_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(20))
    scheme: Mapped[str] = mapped_column(String(8), default="2025")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
