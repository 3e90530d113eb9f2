"""Queries on certificates and the verification page's counter (rules: app.certificates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from app.store.db import upsert
from app.store.tables import attempts, certificates, users, verify_throttle

_COLUMNS = (
    certificates.c.id,
    certificates.c.code,
    certificates.c.attempt_id,
    certificates.c.user_id,
    certificates.c.issued_at,
    certificates.c.revoked_at,
    certificates.c.revoke_reason,
    users.c.username,
    users.c.display_name,
    users.c.cohort,
    attempts.c.quiz_id,
    attempts.c.quiz,
    attempts.c.status,
    attempts.c.submitted_at,
    attempts.c.passed,
    attempts.c.pass_changed_at,
)


def _joined(query):
    return query.join(attempts, attempts.c.id == certificates.c.attempt_id).join(
        users, users.c.id == certificates.c.user_id
    )


def passes_without(
    conn: Connection, user_id: int | None = None, cohort: str | None = None
) -> list[dict[str, Any]]:
    """Submitted attempts that pass now or passed before a regrade and have no certificate yet
    (the caller keeps those of certifying quizzes that pass)."""
    query = (
        select(
            attempts.c.id,
            attempts.c.user_id,
            attempts.c.quiz,
            attempts.c.status,
            attempts.c.submitted_at,
            attempts.c.passed,
            attempts.c.pass_changed_at,
        )
        .outerjoin(certificates, certificates.c.attempt_id == attempts.c.id)
        .join(users, users.c.id == attempts.c.user_id)
        .where(
            certificates.c.id.is_(None),
            attempts.c.status == "submitted",
            attempts.c.passed.is_(True),
            users.c.role == "trainee",
        )
        .order_by(attempts.c.id)
    )
    if user_id is not None:
        query = query.where(attempts.c.user_id == user_id)
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert these certificates unless their attempt has one already (two servers issuing the
    same pass at once make one row, not two)."""
    for row in rows:
        conn.execute(
            upsert(conn, certificates)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["attempt_id"])
        )


def listed(
    conn: Connection, user_id: int | None = None, cohort: str | None = None
) -> list[dict[str, Any]]:
    """Certificates with their owner and attempt, newest pass first."""
    query = _joined(select(*_COLUMNS)).order_by(
        attempts.c.submitted_at.desc(), certificates.c.id.desc()
    )
    if user_id is not None:
        query = query.where(certificates.c.user_id == user_id)
    if cohort is not None:
        query = query.where(users.c.cohort == cohort)
    return [dict(r) for r in conn.execute(query).mappings()]


def by_code(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(_joined(select(*_COLUMNS)).where(certificates.c.code == code)).mappings()
    found = row.first()
    return dict(found) if found is not None else None


def revoke(conn: Connection, code: str, by: int | None, at: datetime, reason: str) -> bool:
    """Mark a certificate revoked unless it is already; whether this call did it."""
    done = conn.execute(
        update(certificates)
        .where(certificates.c.code == code, certificates.c.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by, revoke_reason=reason)
    )
    return done.rowcount == 1


def hit(conn: Connection, address: str, now: datetime, window_start: datetime) -> int:
    """Count one lookup from ``address`` in the window that began at ``window_start`` (a counter
    older than that starts again at 1); returns the count so far, inside the caller's write."""
    conn.execute(
        upsert(conn, verify_throttle)
        .values(address=address, window_start=now, hits=0)
        .on_conflict_do_nothing(index_elements=["address"])
    )
    query = select(verify_throttle).where(verify_throttle.c.address == address)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().one()
    if row["window_start"] < window_start:
        start, hits = now, 1
    else:
        start, hits = row["window_start"], row["hits"] + 1
    conn.execute(
        update(verify_throttle)
        .where(verify_throttle.c.address == address)
        .values(window_start=start, hits=hits)
    )
    return int(hits)


def forget_before(conn: Connection, moment: datetime) -> None:
    conn.execute(verify_throttle.delete().where(verify_throttle.c.window_start < moment))
