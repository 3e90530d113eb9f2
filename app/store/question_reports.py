"""Queries on trainees' reports of questions (wrong or unclear) and their resolutions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from app.store.tables import attempt_questions, attempts, question_reports, users

Row = dict[str, Any]

OPEN = "open"
RESOLVED = "resolved"

_reporter = users.alias("reporter")
_resolver = users.alias("resolver")

# A report with who made it (their name, role and cohort, for the permission to show the name),
# who resolved it, and the quiz of the attempt it was made from.
_FULL = (
    select(
        question_reports,
        _reporter.c.username.label("reporter_username"),
        _reporter.c.display_name.label("reporter_name"),
        _reporter.c.role.label("reporter_role"),
        _reporter.c.cohort.label("reporter_cohort"),
        _reporter.c.active.label("reporter_active"),
        _resolver.c.display_name.label("resolver_name"),
        attempts.c.quiz_id,
    )
    .join(_reporter, _reporter.c.id == question_reports.c.reporter_id)
    .outerjoin(_resolver, _resolver.c.id == question_reports.c.resolved_by)
    .join(attempts, attempts.c.id == question_reports.c.attempt_id)
)


def version_at(conn: Connection, attempt_id: int, position: int) -> tuple[str, str] | None:
    """The question id and snapshot hash of the question at ``position`` of an attempt, or None."""
    query = select(attempt_questions.c.qid, attempt_questions.c.snapshot_hash).where(
        attempt_questions.c.attempt_id == attempt_id, attempt_questions.c.position == position
    )
    row = conn.execute(query).first()
    return (row[0], row[1]) if row else None


def open_of(conn: Connection, reporter_id: int, snapshot_hash: str) -> Row | None:
    """The reporter's open report on this question version, if any."""
    query = select(question_reports).where(
        question_reports.c.reporter_id == reporter_id,
        question_reports.c.snapshot_hash == snapshot_hash,
        question_reports.c.status == OPEN,
    )
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, **values: Any) -> int:
    """Insert an open report; the one-open-report index may raise IntegrityError."""
    query = insert(question_reports).values(status=OPEN, **values)
    return conn.execute(query.returning(question_reports.c.id)).scalar_one()


def get(conn: Connection, report_id: int) -> Row | None:
    row = conn.execute(_FULL.where(question_reports.c.id == report_id)).mappings().first()
    return dict(row) if row else None


def resolve(conn: Connection, report_id: int, by: int, at: datetime, note: str) -> bool:
    """Resolve a report that is still open; False if it was not (already resolved, or gone)."""
    query = (
        update(question_reports)
        .where(question_reports.c.id == report_id, question_reports.c.status == OPEN)
        .values(status=RESOLVED, resolved_by=by, resolved_at=at, resolution=note)
    )
    return conn.execute(query).rowcount == 1


def of_reporter(conn: Connection, reporter_id: int, attempt_id: int | None = None) -> list[Row]:
    """A reporter's reports, newest first; only those made from one attempt, if given."""
    query = _FULL.where(question_reports.c.reporter_id == reporter_id)
    if attempt_id is not None:
        query = query.where(question_reports.c.attempt_id == attempt_id)
    query = query.order_by(question_reports.c.created_at.desc(), question_reports.c.id.desc())
    return [dict(r) for r in conn.execute(query).mappings()]


def listed(conn: Connection, qid: str | None = None, resolved_too: bool = False) -> list[Row]:
    """Reports, newest first: the open ones (and the resolved, if asked), of one question or all."""
    query = _FULL
    if qid is not None:
        query = query.where(question_reports.c.qid == qid)
    if not resolved_too:
        query = query.where(question_reports.c.status == OPEN)
    query = query.order_by(question_reports.c.created_at.desc(), question_reports.c.id.desc())
    return [dict(r) for r in conn.execute(query).mappings()]


def counts(conn: Connection, qids: list[str] | None = None) -> dict[str, tuple[int, int]]:
    """Per question with any report: (open reports, all reports)."""
    is_open = case((question_reports.c.status == OPEN, 1), else_=0)
    query = select(question_reports.c.qid, func.sum(is_open), func.count()).group_by(
        question_reports.c.qid
    )
    if qids is not None:
        query = query.where(question_reports.c.qid.in_(qids))
    return {qid: (int(n_open), int(n)) for qid, n_open, n in conn.execute(query)}
