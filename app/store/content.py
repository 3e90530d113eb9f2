"""Who may edit content besides managers: the trainers a manager has let."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from app.store.tables import content_editors


def granted(conn: Connection, user_id: int) -> bool:
    query = select(content_editors.c.user_id).where(content_editors.c.user_id == user_id)
    return conn.execute(query).first() is not None


def editors(conn: Connection) -> set[int]:
    """The ids of every user granted content editing."""
    return set(conn.execute(select(content_editors.c.user_id)).scalars())


def grant(conn: Connection, user_id: int, by: int | None, at: datetime) -> None:
    conn.execute(insert(content_editors).values(user_id=user_id, granted_by=by, granted_at=at))


def revoke(conn: Connection, user_id: int) -> None:
    conn.execute(delete(content_editors).where(content_editors.c.user_id == user_id))
