"""The SQL of copying one database into another (app.dbcopy): which tables, read in order, written
in batches, counted, and PostgreSQL's id sequences set past the copied ids.

The tables come from the schema's metadata in foreign-key order, less an explicit list of those
left behind, so a table added later is copied without anyone remembering to add it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Connection, Engine, String, Table, false, func, insert, select
from sqlalchemy.exc import DBAPIError

from app.store.tables import metadata

# Tables left behind, and why (the copy's output and docs/administration.md say so).
NOT_COPIED = {
    "web_sessions": "browser sessions: everyone signs in again",
    "sign_in_throttle": "recent failed sign-ins: short-lived, they start afresh",
    "prepared_files": "files prepared for a download: short-lived, prepared again",
    "prepared_chunks": "the bytes of those files",
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
    """Insert ``rows`` into ``table`` as they are, primary keys included: PostgreSQL's COPY,
    elsewhere one executemany."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy_in(conn, table, rows)
    else:
        conn.execute(insert(table), list(rows))


def _copy_in(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    # psycopg runs an executemany as one INSERT per row (pipelined): a few thousand rows a
    # second. COPY takes the same rows several times faster, inside the same transaction. The
    # values go as the schema's types bind them: aware datetimes as they are, JSON as the JSON
    # text SQLAlchemy writes (json.dumps; None as JSON null, as SQLAlchemy stores it too).
    quote = conn.dialect.identifier_preparer
    columns = [(c.name, isinstance(c.type, JSON)) for c in table.columns]
    names = ", ".join(quote.quote(n) for n, _ in columns)
    statement = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None  # an open connection's
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[n]) if j else row[n] for n, j in columns])
    except conn.dialect.loaded_dbapi.Error as exc:  # past SQLAlchemy: say it as it would
        raise DBAPIError(statement, None, exc) from exc


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
