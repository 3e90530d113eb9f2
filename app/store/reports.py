"""Queries behind reports, dashboards and exports: the attempts of many trainees at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, or_, select

from app.store.tables import attempts, certificates, users

SUMMARY_COLUMNS = (
    attempts.c.id,
    attempts.c.user_id,
    attempts.c.quiz_id,
    attempts.c.status,
    attempts.c.started_at,
    attempts.c.deadline,
    attempts.c.submitted_at,
    attempts.c.closed_by,
    attempts.c.score_percent,
    attempts.c.passed,
    attempts.c.by_topic,
    attempts.c.quiz["title"].as_string().label("quiz_title"),
)


def _scope(query, cohort: str | None, user_id: int | None):
    query = query.join(users, users.c.id == attempts.c.user_id).where(users.c.role == "trainee")
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    if user_id is not None:
        query = query.where(attempts.c.user_id == user_id)
    return query


def summaries(
    conn: Connection, cohort: str | None = None, user_id: int | None = None
) -> list[dict[str, Any]]:
    """Trainees' attempts without their questions or quiz definitions, oldest first.

    ``cohort`` limits them to one cohort's trainees, ``user_id`` to one trainee.
    """
    query = _scope(select(*SUMMARY_COLUMNS), cohort, user_id).order_by(attempts.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def passes(
    conn: Connection, quiz_ids: list[str], cohort: str | None = None, user_id: int | None = None
) -> list[dict[str, Any]]:
    """Attempts at these quizzes passed now or before a regrade, with the quiz as it was taken
    (for its validity)."""
    if not quiz_ids:
        return []
    query = (
        select(
            attempts.c.id,
            attempts.c.user_id,
            attempts.c.quiz_id,
            attempts.c.status,
            attempts.c.submitted_at,
            attempts.c.passed,
            attempts.c.pass_changed_at,
            certificates.c.revoked_at,
            attempts.c.quiz,
        )
        .outerjoin(certificates, certificates.c.attempt_id == attempts.c.id)
        .where(
            attempts.c.quiz_id.in_(quiz_ids),
            attempts.c.status == "submitted",
            # A pass lost by a regrade still certified until then (app.certstatus.passing_at).
            or_(attempts.c.passed.is_(True), attempts.c.original_passed.is_(True)),
        )
    )
    return [dict(r) for r in conn.execute(_scope(query, cohort, user_id)).mappings()]


def for_export(
    conn: Connection,
    cohort: str | None = None,
    quiz_id: str | None = None,
    since: Any = None,
    until: Any = None,
) -> list[dict[str, Any]]:
    """Trainees' attempts with their owner and the quiz's title, mode and pass mark as taken.

    ``since`` (inclusive) and ``until`` (exclusive) bound when each attempt was started.
    """
    query = select(
        attempts.c.id,
        users.c.username,
        users.c.display_name,
        users.c.cohort,
        attempts.c.quiz_id,
        attempts.c.quiz["title"].as_string().label("quiz_title"),
        attempts.c.quiz["mode"].as_string().label("mode"),
        attempts.c.quiz["pass_mark"].as_float().label("pass_mark"),
        attempts.c.started_at,
        attempts.c.submitted_at,
        attempts.c.status,
        attempts.c.points,
        attempts.c.max_points,
        attempts.c.score_percent,
        attempts.c.passed,
        attempts.c.regraded_at,
        attempts.c.original_points,
        attempts.c.extra_minutes,
        attempts.c.extra_attempts,
        attempts.c.by_topic,
    )
    query = _scope(query, cohort, None).order_by(attempts.c.id)
    if quiz_id is not None:
        query = query.where(attempts.c.quiz_id == quiz_id)
    if since is not None:
        query = query.where(attempts.c.started_at >= since)
    if until is not None:
        query = query.where(attempts.c.started_at < until)
    return [dict(r) for r in conn.execute(query).mappings()]


def trainee_accounts(conn: Connection, cohort: str | None = None) -> list[dict[str, Any]]:
    """Trainee accounts (active or not) with when each was created, by username."""
    query = (
        select(
            users.c.id,
            users.c.username,
            users.c.display_name,
            users.c.cohort,
            users.c.active,
            users.c.created_at,
        )
        .where(users.c.role == "trainee")
        .order_by(users.c.username_key)
    )
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def at_quizzes(
    conn: Connection, quiz_ids: list[str], cohort: str | None = None, before: Any = None
) -> list[dict[str, Any]]:
    """Trainees' attempts at these quizzes, open or not, with the quiz as it was taken.

    ``before`` (exclusive) bounds when each attempt was started.
    """
    if not quiz_ids:
        return []
    query = select(
        attempts.c.id,
        attempts.c.user_id,
        attempts.c.quiz_id,
        attempts.c.status,
        attempts.c.started_at,
        attempts.c.deadline,
        attempts.c.submitted_at,
        attempts.c.score_percent,
        attempts.c.passed,
        attempts.c.pass_changed_at,
        certificates.c.revoked_at,  # a revoked certificate's pass no longer certifies
        attempts.c.quiz,
    ).outerjoin(certificates, certificates.c.attempt_id == attempts.c.id)
    query = query.where(attempts.c.quiz_id.in_(quiz_ids))
    query = _scope(query, cohort, None).order_by(attempts.c.id)
    if before is not None:
        query = query.where(attempts.c.started_at < before)
    return [dict(r) for r in conn.execute(query).mappings()]


def scores_at(conn: Connection, quiz_id: str, cohort: str | None = None) -> list[tuple[str, float]]:
    """(cohort, score percent) of every submitted trainee attempt at a quiz, oldest first;
    ``cohort`` limits them to one cohort's trainees."""
    query = _scope(
        select(users.c.cohort, attempts.c.score_percent).where(
            attempts.c.quiz_id == quiz_id,
            attempts.c.status == "submitted",
            attempts.c.score_percent.is_not(None),
        ),
        cohort,
        None,
    ).order_by(attempts.c.id)
    return [(c or "", p) for c, p in conn.execute(query)]
