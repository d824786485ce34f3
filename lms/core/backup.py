"""Online backup and restore of a SQLite database (``flask lms backup`` / ``restore``).

SQLite: the copy is made with SQLite's online backup API (``sqlite3.Connection.backup``)
in a single step, so it is one consistent snapshot even while the app keeps writing
(WAL readers see a fixed snapshot), then checked with ``PRAGMA integrity_check``.
The copy is written beside the target under a temporary name and renamed into place,
so a half-written backup never carries the final name.

PostgreSQL: use ``pg_dump`` / ``pg_restore`` (docs/deploy.md); these functions refuse.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Tables every OCOP LMS database has (any revision): how a restore recognises one.
LMS_TABLES = frozenset({"alembic_version", "user", "audit_log"})


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    revision: str | None
    tables: int


def sqlite_path(engine) -> Path:
    """The database file behind ``engine``; BackupError when it is not a SQLite file."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"the database is {url.get_backend_name()}, not SQLite: use pg_dump / pg_restore "
            "(see docs/deploy.md, 'Backups')"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(url.database).resolve()


def check_file(path: Path) -> BackupInfo:
    """Open ``path`` read-only, run the integrity check, and make sure it is an LMS database."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path}: not a SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened ({exc})") from None
    # A damaged file can yield bytes that are not UTF-8, in rows and in error messages.
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if result != ["ok"]:
                raise BackupError(f"{path}: integrity check failed ({'; '.join(map(str, result[:3]))})")
            missing = LMS_TABLES - tables
            if missing:
                raise BackupError(
                    f"{path}: not an OCOP LMS database (missing tables: {', '.join(sorted(missing))})"
                )
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            raise BackupError(f"{path}: corrupt database ({_message(exc)})") from None
    finally:
        conn.close()
    return BackupInfo(path, path.stat().st_size, revision[0] if revision else None, len(tables))


def _message(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return exc.object.decode("utf-8", "replace") if isinstance(exc.object, bytes) else str(exc)
    return str(exc)


def _copy(source: Path, target: Path) -> None:
    """Copy ``source`` into a new file ``target`` (not existing) with the backup API."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)  # pages=-1: every page in one step, one snapshot
            # A single self-contained file (no -wal beside it).
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    finally:
        src.close()


def backup(engine, target: Path, overwrite: bool = False) -> BackupInfo:
    """Copy the configured SQLite database to ``target``, consistently, and check the copy."""
    source = sqlite_path(engine)
    target = target.resolve()
    if target == source:
        raise BackupError("the backup cannot be the database itself")
    if target.exists() and not overwrite:
        raise BackupError(f"{target}: already exists (use --overwrite)")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder")
    fd, tmp_name = tempfile.mkstemp(prefix=".lms-backup-", suffix=".db", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()  # sqlite3 creates it afresh
        _copy(source, tmp)
        check_file(tmp)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return check_file(target)


def restore(engine, source: Path) -> BackupInfo:
    """Replace the configured SQLite database by the backup ``source``, atomically.

    The backup is checked first (integrity, LMS tables). The copy goes through the backup
    API into the live database: SQLite holds the write lock for the whole copy, so other
    connections see either the old database or the restored one, never a mix.
    """
    target = sqlite_path(engine)
    source = source.resolve()
    if source == target:
        raise BackupError("the backup is the database itself")
    info = check_file(source)
    engine.dispose()  # no pooled connection keeps an old snapshot
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target, timeout=30)
        try:
            dest.execute("PRAGMA journal_mode = WAL")
            src.backup(dest)
            result = [row[0] for row in dest.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise BackupError(f"{target}: integrity check after restore failed ({'; '.join(result[:3])})")
        finally:
            dest.close()
    except sqlite3.Error as exc:
        raise BackupError(f"restore failed: {exc}") from None
    finally:
        src.close()
    return info
