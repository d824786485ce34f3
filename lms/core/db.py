"""Database base class, naming convention, time helpers and SQLite connection set-up."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no time zones: values are stored naive in UTC and given back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def want_write() -> None:
    """Declare, before the first query, that this request will write.

    On SQLite the transaction then starts with BEGIN IMMEDIATE even in a GET.
    """
    g.db_write = True


def _transaction_is_write() -> bool:
    if has_request_context():
        return request.method in WRITE_METHODS or bool(g.get("db_write"))
    # CLI commands, scripts and background jobs: assume they write.
    return True


def configure_sqlite(engine: Engine, busy_timeout_ms: int, synchronous: str) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE for write transactions.

    pysqlite's own transaction handling is switched off so that SQLAlchemy emits
    BEGIN itself (see SQLAlchemy's "Serializable isolation / Savepoints /
    Transactional DDL" notes for pysqlite). A write transaction that starts with
    BEGIN IMMEDIATE takes the write lock up front and waits for it (busy timeout)
    instead of failing with SQLITE_BUSY half-way when it first writes.
    """
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        synchronous = "FULL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()
        dbapi_connection.create_collation(SQLITE_VI_COLLATION, _vi_compare)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _transaction_is_write() else "BEGIN")


def insert_ignore(session, model, values: dict, conflict_columns: list[str]) -> bool:
    """INSERT … ON CONFLICT (columns) DO NOTHING; True when a row was inserted.

    The database's unique constraint decides, so concurrent callers in other
    transactions cannot create a duplicate (SQLite and PostgreSQL both support it).
    """
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    table = model.__table__
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    key = next(iter(table.primary_key.columns))
    stmt = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in conflict_columns])
        .returning(key)  # rowcount is not reliable here (psycopg reports -1)
    )
    return session.execute(stmt).first() is not None


def dispose_engines(app, close: bool) -> None:
    """Empty the connection pools of ``app``'s engines (gunicorn.conf.py, around the fork of
    a preloaded app). ``close=False`` forgets the pooled connections without closing them:
    what a forked child must do with the connections it inherited from its parent (closing
    a PostgreSQL connection from the child would end the parent's session too)."""
    from lms.extensions import db

    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose(close=close)


def has_tables(*names: str) -> bool:
    """Whether the database has these tables (False before ``flask db upgrade``): lets a
    command that only checks files run on a database that was never set up."""
    from sqlalchemy import inspect

    from lms.extensions import db

    inspector = inspect(db.session.connection())  # the session's own connection: no second lock
    return all(inspector.has_table(name) for name in names)


def is_schema_missing(exc: BaseException) -> bool:
    """A database error caused by a missing table or column: the database is not set up
    or not up to date (SQLite "no such table/column", PostgreSQL 42P01 / 42703)."""
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    if getattr(orig, "sqlstate", None) in {"42P01", "42703"}:
        return True
    text = str(orig).lower()
    return "no such table" in text or "no such column" in text or "has no column named" in text


# --- Vietnamese collation ---------------------------------------------------------------

SQLITE_VI_COLLATION = "vi"
PG_VI_COLLATION = "vi-x-icu"


def _vi_compare(a: str | None, b: str | None) -> int:
    from lms.core.text import vi_sort_key

    ka, kb = vi_sort_key(a), vi_sort_key(b)
    return (ka > kb) - (ka < kb)


def vi_collate(column):
    """``column`` ordered the Vietnamese way (Đ after D, before E) in ORDER BY.

    SQLite: a collation registered on every connection (``vi_sort_key``). PostgreSQL: the
    ICU collation ``vi-x-icu`` when the server has ICU; otherwise the column unchanged.
    """
    from lms.extensions import db

    bind = db.session.get_bind()
    name = bind.dialect.name
    if name == "sqlite":
        return column.collate(SQLITE_VI_COLLATION)
    if name == "postgresql":
        engine = getattr(bind, "engine", bind)
        has = _PG_HAS_ICU.get(engine.url)
        if has is None:
            from sqlalchemy import text

            with engine.connect() as conn:
                has = conn.execute(text("SELECT 1 FROM pg_collation WHERE collname = :n"),
                                   {"n": PG_VI_COLLATION}).first() is not None
            _PG_HAS_ICU[engine.url] = has
        if has:
            return column.collate(PG_VI_COLLATION)
    return column


_PG_HAS_ICU: dict = {}
