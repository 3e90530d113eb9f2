"""Queries on attempts, their questions and snapshots, and responses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, Text, and_, cast, func, insert, select, update

from app.store.db import upsert
from app.store.tables import (
    attempt_questions,
    attempts,
    certificates,
    responses,
    snapshots,
    users,
)

Row = dict[str, Any]


def add_snapshots(conn: Connection, items: list[tuple[str, str, dict]], at: datetime) -> None:
    """Store (hash, qid, content) snapshots; one already stored is left as it is.

    Inserted in the order of their hashes: two attempts starting at once that share snapshots
    then take the unique index's locks in the same order, where any other order can deadlock on
    PostgreSQL (each waiting for a row the other has inserted but not committed).
    """
    if items:
        unique = {h: (qid, c) for h, qid, c in items}
        rows = [
            {"hash": h, "qid": qid, "content": c, "created_at": at}
            for h, (qid, c) in sorted(unique.items())
        ]
        conn.execute(upsert(conn, snapshots).on_conflict_do_nothing(index_elements=["hash"]), rows)


def add_attempt(conn: Connection, questions: list[Row], **values: Any) -> int:
    """Insert an attempt with its questions; the one-open-attempt index may raise IntegrityError."""
    attempt_id = conn.execute(
        insert(attempts).values(**values).returning(attempts.c.id)
    ).scalar_one()
    conn.execute(insert(attempt_questions), [{"attempt_id": attempt_id, **q} for q in questions])
    return attempt_id


def get(conn: Connection, attempt_id: int, lock: bool = False) -> Row | None:
    """One attempt; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
    query = select(attempts).where(attempts.c.id == attempt_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def open_for(conn: Connection, user_id: int, quiz_id: str) -> Row | None:
    query = select(attempts).where(
        attempts.c.user_id == user_id, attempts.c.quiz_id == quiz_id, attempts.c.status == "open"
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def count_for(conn: Connection, user_id: int, quiz_id: str) -> int:
    query = select(func.count()).where(attempts.c.user_id == user_id, attempts.c.quiz_id == quiz_id)
    return conn.execute(query).scalar_one()


def of_user(conn: Connection, user_id: int) -> list[Row]:
    """A user's attempts, newest first, each with its certificate's ``revoked_at`` (if any)."""
    query = (
        select(attempts, certificates.c.revoked_at)
        .outerjoin(certificates, certificates.c.attempt_id == attempts.c.id)
        .where(attempts.c.user_id == user_id)
        .order_by(attempts.c.id.desc())
    )
    return [dict(r) for r in conn.execute(query).mappings()]


# An attempt question's response, if it has one (outer-joined: unanswered questions stay).
_ITS_RESPONSE = and_(
    responses.c.attempt_id == attempt_questions.c.attempt_id,
    responses.c.position == attempt_questions.c.position,
)


def questions(conn: Connection, attempt_id: int) -> list[Row]:
    """The attempt's questions in order, each with its snapshot content and response, if any."""
    query = (
        select(
            attempt_questions,
            snapshots.c.content,
            responses.c.answer,
            responses.c.answered_at,
            responses.c.points,
        )
        .join(snapshots, snapshots.c.hash == attempt_questions.c.snapshot_hash)
        .outerjoin(responses, _ITS_RESPONSE)
        .where(attempt_questions.c.attempt_id == attempt_id)
        .order_by(attempt_questions.c.position)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def question_states(conn: Connection, attempt_id: int) -> list[Row]:
    """As ``questions``, without the snapshots' content: each question's ``snapshot_hash`` names
    it (the content of a hash never changes, so a caller may have decoded it already)."""
    query = (
        select(
            attempt_questions,
            responses.c.answer,
            responses.c.answered_at,
            responses.c.points,
        )
        .outerjoin(responses, _ITS_RESPONSE)
        .where(attempt_questions.c.attempt_id == attempt_id)
        .order_by(attempt_questions.c.position)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def snapshot_hash_at(conn: Connection, attempt_id: int, position: int) -> str | None:
    """The snapshot hash of the question at ``position`` of an attempt, or None."""
    query = select(attempt_questions.c.snapshot_hash).where(
        attempt_questions.c.attempt_id == attempt_id, attempt_questions.c.position == position
    )
    return conn.execute(query).scalar_one_or_none()


def snapshot_at(conn: Connection, attempt_id: int, position: int) -> dict[str, Any] | None:
    """The snapshot content of the question at ``position`` of an attempt, or None."""
    query = (
        select(snapshots.c.content)
        .join(attempt_questions, snapshots.c.hash == attempt_questions.c.snapshot_hash)
        .where(attempt_questions.c.attempt_id == attempt_id)
        .where(attempt_questions.c.position == position)
    )
    return conn.execute(query).scalar_one_or_none()


def save_response(
    conn: Connection, attempt_id: int, position: int, answer: Any, at: datetime
) -> None:
    """Insert or replace the answer to one question of an attempt."""
    stmt = upsert(conn, responses).values(
        attempt_id=attempt_id, position=position, answer=answer, answered_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["attempt_id", "position"],
        set_={"answer": stmt.excluded.answer, "answered_at": at},
    )
    conn.execute(stmt)


def set_flag(conn: Connection, attempt_id: int, position: int, flagged: bool) -> int:
    query = (
        update(attempt_questions)
        .where(
            attempt_questions.c.attempt_id == attempt_id, attempt_questions.c.position == position
        )
        .values(flagged=flagged)
    )
    return conn.execute(query).rowcount


def close(
    conn: Connection, attempt_id: int, points_by_position: dict[int, float], **values: Any
) -> bool:
    """Close an open attempt with its score; False if it was already closed (nothing changes)."""
    done = conn.execute(
        update(attempts)
        .where(attempts.c.id == attempt_id, attempts.c.status == "open")
        .values(**values)
    ).rowcount
    if done:
        for position, points in points_by_position.items():
            conn.execute(
                update(responses)
                .where(responses.c.attempt_id == attempt_id, responses.c.position == position)
                .values(points=points)
            )
    return bool(done)


def scored_questions(conn: Connection, user_id: int) -> list[Row]:
    """Every question of a user's submitted attempts with its points, newest attempt first."""
    query = (
        select(
            attempts.c.id.label("attempt_id"),
            attempts.c.submitted_at,
            attempt_questions.c.qid,
            responses.c.points,
        )
        .join(attempt_questions, attempt_questions.c.attempt_id == attempts.c.id)
        .outerjoin(responses, _ITS_RESPONSE)
        .where(attempts.c.user_id == user_id, attempts.c.status == "submitted")
        .order_by(
            attempts.c.submitted_at.desc(), attempts.c.id.desc(), attempt_questions.c.position
        )
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def has_response(conn: Connection, attempt_id: int, position: int) -> bool:
    query = select(responses.c.position).where(
        responses.c.attempt_id == attempt_id, responses.c.position == position
    )
    return conn.execute(query).first() is not None


def quiz_responses(conn: Connection, quiz_id: str, cohort: str | None) -> pd.DataFrame:
    """Every question of every submitted attempt at a quiz by a trainee, as one frame.

    Columns: attempt_id, user_id, submitted_at, position, qid, answer (the JSON text, None when
    unanswered), points (NaN when unanswered), ordered by attempt_id and position. ``cohort``
    limits it to trainees of that cohort (None: every trainee).
    """
    scope = [
        attempts.c.quiz_id == quiz_id,
        attempts.c.status == "submitted",
        users.c.role == "trainee",
    ]
    if cohort is not None:
        scope.append(users.c.cohort == cohort)
    who = (
        select(attempts.c.id, attempts.c.user_id, attempts.c.submitted_at)
        .join(users, users.c.id == attempts.c.user_id)
        .where(*scope)
        .order_by(attempts.c.id)
    )
    what = (
        select(
            attempt_questions.c.attempt_id,
            attempt_questions.c.position,
            attempt_questions.c.qid,
            cast(responses.c.answer, Text),
            responses.c.points,
        )
        .join(attempts, attempts.c.id == attempt_questions.c.attempt_id)
        .join(users, users.c.id == attempts.c.user_id)
        .outerjoin(responses, _ITS_RESPONSE)
        .where(*scope)
        # attempts.id, not attempt_questions.attempt_id: SQLite then walks attempts in order
        # without sorting, and PostgreSQL merge-joins on the primary keys.
        .order_by(attempts.c.id, attempt_questions.c.position)
    )
    # One row per attempt (thousands) through SQLAlchemy, which parses the times; one per
    # question (hundreds of thousands) as the driver's plain tuples, without a Row each.
    who_rows = conn.execute(who).all()
    ids = np.array([r[0] for r in who_rows], dtype=np.int64)
    rows = _driver_rows(conn, what)
    attempt_id = np.array([r[0] for r in rows], dtype=np.int64)
    # An attempt submitted between the two queries (PostgreSQL reads each at its own moment)
    # has questions but no submitted_at: leave it out.
    at = np.searchsorted(ids, attempt_id)
    keep = at < len(ids)
    keep[keep] = ids[at[keep]] == attempt_id[keep]
    at = at[keep]
    return pd.DataFrame(
        {
            "attempt_id": attempt_id[keep],
            "user_id": np.array([r[1] for r in who_rows], dtype=np.int64)[at],
            "submitted_at": pd.DatetimeIndex([r[2] for r in who_rows], tz="UTC")[at],
            "position": np.array([r[1] for r in rows], dtype=np.int64)[keep],
            "qid": pd.array(np.array([r[2] for r in rows], dtype=object)[keep], dtype="str"),
            "answer": pd.Series(np.array([r[3] for r in rows], dtype=object)[keep], dtype=object),
            "points": np.array([r[4] for r in rows], dtype=np.float64)[keep],
        }
    )


def export_questions(conn: Connection, attempt_ids: list[int]) -> Sequence[tuple]:
    """Every question of these attempts with its response, as the driver returns them.

    Tuples of (attempt_id, position, snapshot_hash, answer as JSON text or None, points or None,
    answered_at or None), ordered by attempt and position. ``answered_at`` is the driver's value:
    an aware datetime on PostgreSQL, text in UTC on SQLite.
    """
    query = (
        select(
            attempt_questions.c.attempt_id,
            attempt_questions.c.position,
            attempt_questions.c.snapshot_hash,
            cast(responses.c.answer, Text),
            responses.c.points,
            responses.c.answered_at,
        )
        .outerjoin(responses, _ITS_RESPONSE)
        .where(attempt_questions.c.attempt_id.in_(attempt_ids))
        .order_by(attempt_questions.c.attempt_id, attempt_questions.c.position)
    )
    return _driver_rows(conn, query)


def snapshot_contents(conn: Connection, hashes: list[str]) -> dict[str, dict[str, Any]]:
    """The stored content of each of these question snapshots, by hash."""
    query = select(snapshots.c.hash, snapshots.c.content).where(snapshots.c.hash.in_(hashes))
    return {h: content for h, content in conn.execute(query).all()}


def _driver_rows(conn: Connection, query: Select) -> Sequence[tuple]:
    """The rows of ``query`` as the driver returns them: no SQLAlchemy rows or result types."""
    # render_postcompile expands IN (...) lists into one parameter per value.
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positional:
        assert compiled.positiontup is not None  # set whenever compiled.positional
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def versions_of(conn: Connection, qid: str) -> list[Row]:
    """Each stored version of question ``qid``: its hash, when first put into an attempt, and in
    how many attempts it was asked, oldest first."""
    query = (
        select(
            snapshots.c.hash,
            snapshots.c.created_at,
            func.count(attempt_questions.c.attempt_id).label("attempts"),
        )
        .outerjoin(attempt_questions, attempt_questions.c.snapshot_hash == snapshots.c.hash)
        .where(snapshots.c.qid == qid)
        .group_by(snapshots.c.hash, snapshots.c.created_at)
        .order_by(snapshots.c.created_at, snapshots.c.hash)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
