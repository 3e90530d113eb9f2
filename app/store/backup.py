"""Copies of the database and what they hold: the SQL behind ``app.backup`` (PostgreSQL's part
is in ``app.store.pgdump``).

SQLite is copied with its online backup API, which reads one consistent snapshot while the server
goes on writing (WAL lets a reader and a writer work at once), and is put back the same way, as
one write transaction into the live file, so its -wal and -shm files stay SQLite's business.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.request import pathname2url

from sqlalchemy.engine import make_url

from app.errors import ResurfaceError
from app.store.db import SQLITE_BUSY_MS
from app.store.tables import metadata

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
# Every table of the newest schema: a backup or database at the code's revision holds them all.
TABLES: tuple[str, ...] = (*sorted(metadata.tables), VERSION_TABLE)
# What a person cares about finding in a copy, in the order it is shown.
MAIN_TABLES = ("users", "attempts", "responses", "comments", "audit_log")


class BackupError(ResurfaceError):
    """A backup cannot be made, read or put back; the message says why."""


@dataclass
class Facts:
    """What a database or a backup file holds, as found: no judgement (``app.backup`` judges).

    ``problems`` are what could not be read or failed an integrity check; ``schema`` is the
    PostgreSQL schema (None on SQLite).
    """

    kind: str  # "sqlite" or "postgresql"
    revision: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    schema: str | None = None

    @property
    def tables(self) -> set[str]:
        return set(self.counts)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return Path(parsed.database)


def kind_of_file(path: Path) -> str | None:
    """``sqlite`` or ``postgresql`` by the file's first bytes, or None for anything else."""
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


# --- SQLite -------------------------------------------------------------------------------------


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    # A backup is one file, opened as immutable: no locks, and no -wal or -shm made beside it
    # (a plain read-only open of a file in WAL mode, a copy taken with the sqlite3 shell, say,
    # leaves both), so a check never changes its folder. The live file is opened as the server
    # opens it, WAL and all.
    where = f"file:{pathname2url(str(path.resolve()))}"
    target = f"{where}?mode=ro&immutable=1" if read_only else where
    conn = sqlite3.connect(target, uri=True, timeout=SQLITE_BUSY_MS / 1000)
    conn.isolation_level = None
    return conn


def sqlite_copy(source: Path, dest: Path) -> None:
    """Copy the database at ``source`` into the new, empty file ``dest`` as one snapshot.

    The copy keeps no journal of its own (journal_mode DELETE): a backup is one file. Raises
    BackupError when SQLite cannot read the source.
    """
    try:
        with (
            closing(_connect(source, read_only=False)) as src,
            closing(_connect(dest, False)) as dst,
        ):
            src.backup(dst)  # all pages in one step: one read transaction, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from None


def sqlite_put_back(backup: Path, live: Path) -> None:
    """Replace the contents of the database ``live`` with those of ``backup``.

    Written through SQLite as one transaction (the backup API into the live file), so a crash
    half-way leaves the old database, and the live file's WAL and shared memory stay consistent
    for any connection that still has it open. Raises BackupError.
    """
    try:
        with (
            closing(_connect(backup, read_only=True)) as src,
            closing(_connect(live, False)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore into {live}: {exc}") from None


def set_aside(live: Path, now: datetime) -> Path:
    """Rename the database file ``live`` (with its -wal and -shm files, which belong to it) out of
    the way, to ``<name>.damaged-YYYYMMDD-HHMMSS``; returns the new name."""
    aside = live.with_name(f"{live.name}.damaged-{now:%Y%m%d-%H%M%S}")
    for suffix in ("-wal", "-shm", ""):  # the main file last: never a main file without its WAL
        part = live.with_name(live.name + suffix)
        if part.exists():
            part.rename(aside.with_name(aside.name + suffix))
    return aside


def sqlite_facts(path: Path, live: bool = False) -> Facts:
    """What the SQLite file holds, after SQLite's integrity and foreign key checks."""
    facts = Facts("sqlite")
    if not path.is_file():
        facts.problems.append("no such file")
        return facts
    if kind_of_file(path) != "sqlite":
        facts.problems.append("not a SQLite database (it does not start as one)")
        return facts
    short = _truncated(path)
    if short:
        facts.problems.append(short)
    try:
        with closing(_connect(path, read_only=not live)) as conn:
            _sqlite_checks(conn, facts)
    except sqlite3.Error as exc:
        facts.problems.append(f"SQLite cannot read it: {exc}")
    return facts


def _truncated(path: Path) -> str | None:
    """Whether the file is shorter than its header says (a copy cut short)."""
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100:
        return f"truncated: {len(header)} bytes, less than a SQLite header"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count is trustworthy when written by the same change as the change counter.
    if header[24:28] == header[92:96] and pages:
        expected, size = pages * page_size, path.stat().st_size
        if size < expected:
            return f"truncated: {size} bytes where its header says {expected}"
    return None


def _sqlite_checks(conn: sqlite3.Connection, facts: Facts) -> None:
    found = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    if found != ["ok"]:
        facts.problems.extend(f"integrity check: {line}" for line in found)
    for table, rowid, parent, _ in conn.execute("PRAGMA foreign_key_check").fetchmany(20):
        facts.problems.append(
            f"foreign key check: {table} row {rowid} refers to a row of {parent} that is not there"
        )
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for name in names:
        if not name.startswith("sqlite_"):
            facts.counts[name] = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
    if VERSION_TABLE in facts.counts:
        row = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        facts.revision = row[0] if row else None
