"""Queries on trainers' comments on attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from app.store.tables import comments, users


def add(
    conn: Connection, attempt_id: int, position: int | None, author_id: int, body: str, at: datetime
) -> int:
    """Insert a comment and return its id."""
    query = insert(comments).values(
        attempt_id=attempt_id, position=position, author_id=author_id, body=body, created_at=at
    )
    return conn.execute(query.returning(comments.c.id)).scalar_one()


def of_attempt(conn: Connection, attempt_id: int) -> list[dict[str, Any]]:
    """An attempt's comments, oldest first, each with its author's name."""
    query = (
        select(comments, users.c.display_name.label("author"))
        .join(users, users.c.id == comments.c.author_id)
        .where(comments.c.attempt_id == attempt_id)
        .order_by(comments.c.created_at, comments.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def get(conn: Connection, comment_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(comments).where(comments.c.id == comment_id)).mappings().first()
    return dict(row) if row else None


def remove(conn: Connection, comment_id: int) -> None:
    conn.execute(delete(comments).where(comments.c.id == comment_id))


def counts(conn: Connection, attempt_ids: list[int]) -> dict[int, int]:
    """How many comments each of these attempts has (attempts without any are left out)."""
    if not attempt_ids:
        return {}
    query = (
        select(comments.c.attempt_id, func.count())
        .where(comments.c.attempt_id.in_(attempt_ids))
        .group_by(comments.c.attempt_id)
    )
    return {attempt_id: n for attempt_id, n in conn.execute(query)}
