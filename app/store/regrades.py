"""Queries behind regrades and voids: the attempts at a quiz, moving a question of an attempt to a
new version, the new scores beside the original ones, the records and the voids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.store.tables import (
    attempt_questions,
    attempts,
    question_voids,
    regrade_attempts,
    regrades,
    responses,
    users,
)

Row = dict[str, Any]


def submitted_at_quiz(
    conn: Connection, quiz_id: str, cohort: str | None, trainees_only: bool
) -> list[Row]:
    """The submitted attempts at a quiz, oldest first, each with its owner's name and cohort.

    ``trainees_only`` leaves out staff's attempts; ``cohort`` limits them to one cohort.
    """
    query = (
        select(
            attempts,
            users.c.username,
            users.c.display_name,
            users.c.cohort,
            users.c.role,
        )
        .join(users, users.c.id == attempts.c.user_id)
        .where(attempts.c.quiz_id == quiz_id, attempts.c.status == "submitted")
        .order_by(attempts.c.id)
    )
    if trainees_only:
        query = query.where(users.c.role == "trainee")
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def versions_at_quiz(
    conn: Connection, quiz_id: str, cohort: str | None, trainees_only: bool
) -> list[Row]:
    """Which versions of which questions the submitted attempts at a quiz answered: per question
    and snapshot hash, how many attempts (``qid``, ``snapshot_hash``, ``attempts``)."""
    query = (
        select(
            attempt_questions.c.qid,
            attempt_questions.c.snapshot_hash,
            func.count().label("attempts"),
        )
        .join(attempts, attempts.c.id == attempt_questions.c.attempt_id)
        .join(users, users.c.id == attempts.c.user_id)
        .where(attempts.c.quiz_id == quiz_id, attempts.c.status == "submitted")
        .group_by(attempt_questions.c.qid, attempt_questions.c.snapshot_hash)
        .order_by(attempt_questions.c.qid)
    )
    if trainees_only:
        query = query.where(users.c.role == "trainee")
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def of_users_at_quiz(conn: Connection, quiz_id: str, user_ids: list[int]) -> list[Row]:
    """Every attempt of these users at a quiz (for their certification before and after)."""
    if not user_ids:
        return []
    query = select(attempts).where(attempts.c.quiz_id == quiz_id, attempts.c.user_id.in_(user_ids))
    return [dict(r) for r in conn.execute(query).mappings()]


def voids(conn: Connection, quiz_id: str) -> dict[str, Any]:
    """The questions voided in a quiz: question id -> give or drop."""
    query = select(question_voids.c.qid, question_voids.c.void).where(
        question_voids.c.quiz_id == quiz_id
    )
    return {qid: how for qid, how in conn.execute(query).all()}


def add_regrade(conn: Connection, **values: Any) -> int:
    """Record a regrade or a void and return its id."""
    return conn.execute(insert(regrades).values(**values).returning(regrades.c.id)).scalar_one()


def add_void(conn: Connection, quiz_id: str, qid: str, how: str, regrade_id: int) -> None:
    conn.execute(
        insert(question_voids).values(quiz_id=quiz_id, qid=qid, void=how, regrade_id=regrade_id)
    )


def add_changes(conn: Connection, rows: list[Row]) -> None:
    """Record what a regrade or void did to each attempt it changed."""
    if rows:
        conn.execute(insert(regrade_attempts), rows)


def move_question(
    conn: Connection,
    attempt_id: int,
    position: int,
    snapshot_hash: str,
    option_order: list[int],
    left_order: list[int],
    right_order: list[int],
) -> None:
    """Point an attempt's question at another version of it, its display orders carried over."""
    conn.execute(
        update(attempt_questions)
        .where(
            attempt_questions.c.attempt_id == attempt_id, attempt_questions.c.position == position
        )
        .values(
            snapshot_hash=snapshot_hash,
            option_order=option_order,
            left_order=left_order,
            right_order=right_order,
        )
    )


def rescore_response(
    conn: Connection, attempt_id: int, position: int, answer: Any, points: float | None
) -> None:
    """A response's answer (carried over to a new version) and points; the first points it was
    given are kept in ``original_points``."""
    conn.execute(
        update(responses)
        .where(responses.c.attempt_id == attempt_id, responses.c.position == position)
        .values(
            answer=answer,
            points=points,
            original_points=func.coalesce(responses.c.original_points, responses.c.points),
        )
    )


def rescore_attempt(
    conn: Connection,
    attempt_id: int,
    at: datetime,
    pass_changed: bool,
    **score: Any,
) -> None:
    """An attempt's new score (``points``, ``max_points``, ``score_percent``, ``passed``,
    ``by_topic``), regraded ``at``; its score as submitted is kept the first time."""
    c = attempts.c
    values: dict[str, Any] = {
        **score,
        "regraded_at": at,
        "original_points": func.coalesce(c.original_points, c.points),
        "original_max_points": func.coalesce(c.original_max_points, c.max_points),
        "original_score_percent": func.coalesce(c.original_score_percent, c.score_percent),
        "original_passed": func.coalesce(c.original_passed, c.passed),
    }
    if pass_changed:
        values["pass_changed_at"] = at
    conn.execute(update(attempts).where(c.id == attempt_id).values(**values))


def of_attempt(conn: Connection, attempt_id: int) -> list[Row]:
    """The regrades and voids that changed an attempt, oldest first, with who made them."""
    query = (
        select(
            regrades,
            regrade_attempts,
            users.c.display_name.label("actor"),
        )
        .join(regrade_attempts, regrade_attempts.c.regrade_id == regrades.c.id)
        .outerjoin(users, users.c.id == regrades.c.actor_id)
        .where(regrade_attempts.c.attempt_id == attempt_id)
        .order_by(regrades.c.created_at, regrades.c.id)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def voids_of_quiz(conn: Connection, quiz_id: str) -> list[Row]:
    """The voids of a quiz with their records (reason, when, who)."""
    query = (
        select(
            question_voids.c.qid,
            question_voids.c.void,
            regrades.c.reason,
            regrades.c.created_at,
            users.c.display_name.label("actor"),
        )
        .join(regrades, regrades.c.id == question_voids.c.regrade_id)
        .outerjoin(users, users.c.id == regrades.c.actor_id)
        .where(question_voids.c.quiz_id == quiz_id)
        .order_by(regrades.c.created_at)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
