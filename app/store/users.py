"""Queries on users and the audit log."""

from __future__ import annotations

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
    users.c.must_change_password,
)


def by_key(conn: Connection, username_key: str, lock: bool = False) -> dict[str, Any] | None:
    """The full row of the user with this folded username, or None.

    ``lock`` holds the row until the transaction ends (PostgreSQL; SQLite locks the database).
    """
    query = select(users).where(users.c.username_key == username_key)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
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


def with_activity(conn: Connection) -> list[dict[str, Any]]:
    """Every user with when they were created, any lockout, and their last sign-in."""
    last_login = (
        select(audit_log.c.actor_id, func.max(audit_log.c.at).label("last_login"))
        .where(audit_log.c.action == "login")
        .group_by(audit_log.c.actor_id)
        .subquery()
    )
    query = (
        select(*USER_COLUMNS, users.c.created_at, users.c.locked_until, last_login.c.last_login)
        .outerjoin(last_login, last_login.c.actor_id == users.c.id)
        .order_by(users.c.username_key)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def cohorts(conn: Connection) -> list[str]:
    """Every cohort someone belongs to, sorted."""
    query = select(users.c.cohort).where(users.c.cohort.is_not(None)).distinct()
    return sorted(conn.execute(query).scalars())


def active_managers(conn: Connection) -> int:
    query = select(func.count()).where(users.c.role == "manager", users.c.active.is_(True))
    return conn.execute(query).scalar_one()


def usernames(conn: Connection) -> list[str]:
    """Every username, as typed (deactivated accounts too)."""
    return list(conn.execute(select(users.c.username).order_by(users.c.username_key)).scalars())


def taken(conn: Connection, username_keys: list[str]) -> dict[str, bool]:
    """Which of these folded usernames exist already, each with whether its account is active."""
    if not username_keys:
        return {}
    query = select(users.c.username_key, users.c.active).where(
        users.c.username_key.in_(username_keys)
    )
    return {key: active for key, active in conn.execute(query)}
