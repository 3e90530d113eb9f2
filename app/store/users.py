"""Queries on users and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.store.tables import audit_log, users

USER_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.display_name,
    users.c.role,
    users.c.cohort,
    users.c.active,
)


def by_key(conn: Connection, username_key: str) -> dict[str, Any] | None:
    """The full row of the user with this folded username, or None."""
    row = conn.execute(select(users).where(users.c.username_key == username_key)).mappings().first()
    return dict(row) if row else None


def by_id(conn: Connection, user_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(users)).scalar_one()


def add(conn: Connection, **values: Any) -> int:
    """Insert a user and return its id."""
    return conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()


def change(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def listing(
    conn: Connection, role: str | None = None, cohort: str | None = None
) -> list[dict[str, Any]]:
    """Users ordered by username, optionally only one role and/or cohort."""
    query = select(*USER_COLUMNS).order_by(users.c.username_key)
    if role:
        query = query.where(users.c.role == role)
    if cohort:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def audit(
    conn: Connection,
    at: datetime,
    actor_id: int | None,
    action: str,
    target: str | None = None,
    **detail: Any,
) -> None:
    """Append one line to the audit log (never a password)."""
    conn.execute(
        insert(audit_log).values(
            at=at, actor_id=actor_id, action=action, target=target, detail=detail or None
        )
    )


def audit_lines(conn: Connection, action: str | None = None) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id)
    if action:
        query = query.where(audit_log.c.action == action)
    return [dict(r) for r in conn.execute(query).mappings()]
