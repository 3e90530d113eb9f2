"""Queries on standard-setting ratings (the angoff_ratings table)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from app.store.tables import angoff_ratings, users


def replace(
    conn: Connection, quiz_id: str, rater_id: int, ratings: Mapping[str, float], at: datetime
) -> None:
    """Set a rater's ratings of these questions of a quiz, replacing any earlier ones of them."""
    if not ratings:
        return
    conn.execute(
        delete(angoff_ratings).where(
            angoff_ratings.c.quiz_id == quiz_id,
            angoff_ratings.c.rater_id == rater_id,
            angoff_ratings.c.qid.in_(list(ratings)),
        )
    )
    conn.execute(
        insert(angoff_ratings),
        [
            {"quiz_id": quiz_id, "qid": q, "rater_id": rater_id, "rating": r, "rated_at": at}
            for q, r in ratings.items()
        ],
    )


def of_quiz(conn: Connection, quiz_id: str) -> list[dict[str, Any]]:
    """Every rating of a quiz's questions with its rater's username and name, by rater then qid."""
    query = (
        select(
            angoff_ratings,
            users.c.username.label("rater"),
            users.c.display_name.label("rater_name"),
        )
        .join(users, users.c.id == angoff_ratings.c.rater_id)
        .where(angoff_ratings.c.quiz_id == quiz_id)
        .order_by(users.c.username, angoff_ratings.c.qid)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
