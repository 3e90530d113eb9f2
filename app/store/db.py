"""Database connections: one engine per URL, SQLite tuned for many readers and one writer."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from app.errors import ResurfaceError

SQLITE_BUSY_MS = 10_000


class DatabaseError(ResurfaceError):
    """The database cannot be reached or used."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    Raises DatabaseError for a URL SQLAlchemy cannot use.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _create_private(path: Path) -> None:
    """Make a new SQLite file readable and writable by its owner only (the server's user): it
    holds password hashes and every result. SQLite gives its -wal and -shm files the same mode.
    An existing file keeps the mode it has."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def upsert(conn: Connection, table: Table):
    """An INSERT that can say ON CONFLICT (do nothing, or update), in the connection's dialect:
    both SQLite and PostgreSQL have it, but SQLAlchemy builds it per dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: on SQLite it takes the write lock up front.

    A deferred SQLite transaction that reads and then writes fails at once with "database is
    locked" when another writer got in between; BEGIN IMMEDIATE waits its turn instead.
    """
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling is off (see _sqlite_pragmas), so SQLAlchemy's BEGIN
    # is the only one, and it can say IMMEDIATE when the caller will write.
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # autocommit at the driver; SQLAlchemy issues BEGIN itself
    cur = dbapi_conn.cursor()
    _wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cur.execute("PRAGMA synchronous=FULL")  # an answer whose save returned survives a power cut
    cur.close()


def _wal(cur: sqlite3.Cursor) -> None:
    """Switch the file to WAL (a setting the file keeps), waiting out a writer if need be.

    Changing the journal mode needs an exclusive lock, and SQLite refuses it at once, without its
    busy handler, while another connection is writing (two servers starting on a new file: one
    is already migrating). So read the mode first, which needs no such lock, and retry the switch.
    """
    deadline = time.monotonic() + SQLITE_BUSY_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
