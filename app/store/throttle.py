"""Queries on the sign-in throttle (app.throttle holds the rules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from app.store.db import upsert
from app.store.tables import sign_in_throttle as t


def rows(conn: Connection, keys: list[str], lock: bool = False) -> dict[str, dict[str, Any]]:
    """The rows of these keys, by key (PostgreSQL: held until the transaction ends if ``lock``;
    SQLite's BEGIN IMMEDIATE already lets one writer in at a time)."""
    query = select(t).where(t.c.key.in_(keys)).order_by(t.c.key)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return {r["key"]: dict(r) for r in conn.execute(query).mappings()}


def ensure(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert these rows unless their keys exist: afterwards each key has a row to lock, even
    when two clients arrive at once (PostgreSQL cannot lock a row not yet there)."""
    for row in rows:
        conn.execute(upsert(conn, t).values(**row).on_conflict_do_nothing(index_elements=["key"]))


def put(conn: Connection, row: dict[str, Any]) -> None:
    """Overwrite the row of ``row["key"]`` (made by ``ensure``)."""
    conn.execute(update(t).where(t.c.key == row["key"]).values(**row))


def remove(conn: Connection, key: str) -> None:
    conn.execute(delete(t).where(t.c.key == key))


def forget_before(conn: Connection, moment: datetime) -> int:
    return conn.execute(delete(t).where(t.c.last_failure < moment)).rowcount


def delayed(conn: Connection, now: datetime) -> dict[str, datetime]:
    """Until when each username is held back from some address, for usernames that are now."""
    query = (
        select(t.c.username_key, func.max(t.c.blocked_until))
        .where(t.c.username_key.is_not(None), t.c.blocked_until > now)
        .group_by(t.c.username_key)
    )
    return {key: until for key, until in conn.execute(query)}


def clear_user(conn: Connection, username_key: str) -> int:
    return conn.execute(delete(t).where(t.c.username_key == username_key)).rowcount
