"""The SQL of copying one database into another (app.dbcopy): which tables, read in order, written
in batches, counted, and PostgreSQL's id sequences set past the copied ids.

The tables come from the schema's metadata in foreign-key order, less an explicit list of those
left behind, so a table added later is copied without anyone remembering to add it here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, String, Table, false, func, insert, select

from app.store.tables import metadata

# Tables left behind, and why (the copy's output and docs/administration.md say so).
NOT_COPIED = {
    "web_sessions": "browser sessions: everyone signs in again",
    "sign_in_throttle": "recent failed sign-ins: short-lived, they start afresh",
}


def copied_tables() -> list[Table]:
    """Every table a copy carries, parents before the tables that refer to them."""
    return [t for t in metadata.sorted_tables if t.name not in NOT_COPIED]


def all_tables() -> list[Table]:
    """Every table of the schema, copied or not."""
    return list(metadata.sorted_tables)


def count(conn: Connection, table: Table) -> int:
    """The rows in ``table``."""
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _key_order(conn: Connection, table: Table) -> list[Any]:
    # Strings in byte order on both databases (SQLite's BINARY; PostgreSQL's "C", not the
    # database's locale, which sorts "care-sun" and "caresun" by letters alone), so both sides
    # read the rows in one order and their checksums compare.
    key = list(table.primary_key.columns)
    if conn.dialect.name != "postgresql":
        return key
    return [c.collate("C") if isinstance(c.type, String) else c for c in key]


def batches(conn: Connection, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``table`` in primary-key order, ``size`` at a time, as the schema's types read
    them (aware datetimes, decoded JSON). Never more than a batch in memory: a server-side
    cursor on PostgreSQL; SQLite's cursor fetches as it goes."""
    query = select(table).order_by(*_key_order(conn, table))
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(yield_per=size)
    result = conn.execute(query)
    for part in result.mappings().partitions(size):
        yield [dict(row) for row in part]


def write(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` as they are, primary keys included (one executemany)."""
    if rows:
        conn.execute(insert(table), list(rows))


def reset_sequences(conn: Connection) -> None:
    """Set each id sequence past the largest id copied, so the next row created gets a new id.

    PostgreSQL only: a SQLite INTEGER PRIMARY KEY already takes the largest id plus one.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in copied_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        # is_called false: the next value is exactly max + 1 (and 1 for an empty table).
        conn.execute(select(func.setval(sequence, func.coalesce(func.max(column), 0) + 1, false())))


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees the database as it was when it began, however long it
    lasts and whatever a running server writes meanwhile.

    SQLite in WAL mode keeps a reader's snapshot from its first read to its end; PostgreSQL
    does so at REPEATABLE READ (read only, so it takes no lock a writer would wait for).
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            yield conn
