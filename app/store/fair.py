"""Queries on exam windows and trainees' accommodations (app.examwindows, app.accommodations)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from app.store.db import upsert
from app.store.tables import accommodations, exam_windows

Row = dict[str, Any]
EVERYONE = ""  # the cohort column of a window for everyone


def windows(conn: Connection, quiz_id: str | None = None) -> list[Row]:
    """Every window (one quiz's), by quiz then cohort; a window for everyone has cohort None."""
    query = select(exam_windows).order_by(exam_windows.c.quiz_id, exam_windows.c.cohort)
    if quiz_id is not None:
        query = query.where(exam_windows.c.quiz_id == quiz_id)
    return [_window(r) for r in conn.execute(query).mappings()]


def window(conn: Connection, quiz_id: str, cohort: str | None) -> Row | None:
    query = select(exam_windows).where(
        exam_windows.c.quiz_id == quiz_id, exam_windows.c.cohort == (cohort or EVERYONE)
    )
    row = conn.execute(query).mappings().first()
    return _window(row) if row else None


def put_window(conn: Connection, quiz_id: str, cohort: str | None, **values: Any) -> None:
    """Insert or replace the window of ``quiz_id`` for ``cohort`` (None: everyone)."""
    key = {"quiz_id": quiz_id, "cohort": cohort or EVERYONE}
    # One statement: two managers saving the same window at once replace it in turn (an update
    # then an insert would let both insert, and one fail on the key).
    stmt = upsert(conn, exam_windows).values(**key, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=values))


def drop_window(conn: Connection, quiz_id: str, cohort: str | None) -> bool:
    query = delete(exam_windows).where(
        exam_windows.c.quiz_id == quiz_id, exam_windows.c.cohort == (cohort or EVERYONE)
    )
    return conn.execute(query).rowcount > 0


def _window(row: Any) -> Row:
    return {**row, "cohort": row["cohort"] or None}


def accommodation(conn: Connection, user_id: int) -> Row | None:
    query = select(accommodations).where(accommodations.c.user_id == user_id)
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def put_accommodation(conn: Connection, user_id: int, **values: Any) -> None:
    stmt = upsert(conn, accommodations).values(user_id=user_id, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))


def drop_accommodation(conn: Connection, user_id: int) -> bool:
    return (
        conn.execute(delete(accommodations).where(accommodations.c.user_id == user_id)).rowcount > 0
    )
