"""Reported questions: a trainee says a question they met is wrong or unclear; trainers resolve.

A report is made from what the trainee was shown of a question: its practice feedback (after
"Check answer") or the review of a closed attempt (``app.feedback``), a secure question whose key
is withheld included; nothing about a report depends on the right answer. It records the
question version (the snapshot's content hash) the trainee saw. A trainee has at most one open
report per question version.

Trainers and managers read the queue: every question with reports, newest first, with the count
of open ones. Content is shared, so every trainer sees every report, but the reporter's name only
of someone they may view (``Action.VIEW_USER``). Resolving needs a note, which the reporter reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from app import attempts, clock, feedback
from app.accounts import User, recheck, require
from app.attempts import AttemptNotFound, AttemptView
from app.bank import Catalogue
from app.engine import snapshot_of
from app.errors import ResurfaceError
from app.permissions import Action, allowed
from app.store import audit as audit_store
from app.store import question_reports as question_report_store
from app.store import users as user_store
from app.store.db import writing

Kind = Literal["wrong", "unclear"]
KINDS: tuple[Kind, ...] = ("wrong", "unclear")
KIND_LABELS: dict[str, str] = {"wrong": "Wrong", "unclear": "Unclear"}
KIND_HELP: dict[str, str] = {
    "wrong": "The right answer, a fact or a source looks wrong",
    "unclear": "The question or its options are hard to understand",
}
OPEN, RESOLVED = question_report_store.OPEN, question_report_store.RESOLVED
MAX_COMMENT = 1000
MAX_NOTE = 1000
RECENT = timedelta(days=30)  # how long a resolved report stays on the reporter's home page
UNNAMED = "a trainee you do not look after"


class ReportError(ResurfaceError):
    """Base class for problems with reports a user can be told about."""


class InvalidReport(ReportError):
    """No kind, an empty or too long comment, or a question the reporter has not been shown."""


class AlreadyReported(ReportError):
    """The reporter's earlier report on this question version is still open."""


class ReportNotFound(ReportError):
    """No such report."""


class InvalidResolution(ReportError):
    """An empty or too long note, or a report that is no longer open."""


@dataclass(frozen=True)
class QuestionReport:
    """One report, as the reader may see it: ``reporter`` is None when they may not see the name."""

    id: int
    qid: str
    version: str  # the content hash of the snapshot the reporter saw
    attempt_id: int
    quiz_id: str
    position: int  # 0-based, in that attempt
    reporter_id: int
    reporter: str | None
    kind: str
    comment: str
    created_at: datetime
    status: str
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    current: bool | None = None  # the version the banks hold now (None: not asked)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def number(self) -> int:
        """The question's number in the attempt, as the reporter saw it."""
        return self.position + 1


@dataclass(frozen=True)
class ReportedQuestion:
    """A question in the queue: its reports (newest first) and how many are still open."""

    qid: str
    open_count: int
    total: int
    newest: datetime
    reports: tuple[QuestionReport, ...]


@dataclass(frozen=True)
class ReportCount:
    open: int
    total: int


def _text(text: str, limit: int, what: str, error: type[ReportError]) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise error(f"write {what} first")
    if len(cleaned) > limit:
        raise error(f"{what} is at most {limit} characters (this has {len(cleaned)})")
    return cleaned


def may_report(view: AttemptView, position: int) -> bool:
    """Whether the attempt's owner has been shown this question's feedback or review: answered
    and checked in a practice quiz, or among the questions a closed attempt's review shows."""
    if not 0 <= position < len(view.questions):
        return False
    if feedback.immediate(view, position) is not None:
        return True
    return any(v.position == position for v in feedback.review(view))


def report(
    engine: Engine,
    actor: User,
    attempt_id: int,
    position: int,
    kind: str | None,
    comment: str,
    now: datetime | None = None,
) -> QuestionReport:
    """Report the question at ``position`` of one's own attempt as wrong or unclear.

    Raises InvalidReport (no kind, empty or too long comment, a question whose feedback or review
    has not been shown), AlreadyReported, AttemptNotFound, Forbidden (someone else's attempt; a
    deactivated account, an ended session).
    """
    if kind not in KINDS:
        raise InvalidReport("choose whether the question is wrong or unclear")
    text = _text(comment, MAX_COMMENT, "a comment", InvalidReport)
    with engine.connect() as conn:
        recheck(conn, actor, now)
    # Reading the attempt (and what its trainee was shown) is no write: outside the lock.
    view = attempts.get(engine, actor, attempt_id, now)
    with engine.connect() as conn:
        found_owner = user_store.by_id(conn, view.user_id)
    if found_owner is None:
        raise AttemptNotFound(f"no attempt {attempt_id}")
    owner = User.of(found_owner)
    require(actor, Action.REPORT_QUESTION, owner)
    if not may_report(view, position):
        raise InvalidReport(
            "a question can be reported once its feedback or review has been shown to you"
        )
    try:
        with writing(engine) as conn:
            actor = recheck(conn, actor, now)
            now = now or clock.now()
            require(actor, Action.REPORT_QUESTION, owner)
            found = question_report_store.version_at(conn, attempt_id, position)
            if found is None:
                raise AttemptNotFound(f"no attempt {attempt_id}")
            qid, version = found
            earlier = question_report_store.open_of(conn, actor.id, version)
            if earlier is not None:
                raise _already(earlier["created_at"])
            report_id = question_report_store.add(
                conn,
                qid=qid,
                snapshot_hash=version,
                attempt_id=attempt_id,
                position=position,
                reporter_id=actor.id,
                kind=kind,
                comment=text,
                created_at=now,
            )
            audit_store.record(
                conn,
                now,
                actor.id,
                "question.report",
                qid,
                report=report_id,
                attempt=attempt_id,
                position=position,
                kind=kind,
            )
            row = question_report_store.get(conn, report_id)
    except IntegrityError:
        # The same report sent twice at once (a double click): the other one was saved.
        raise _already(None) from None
    assert row is not None  # inserted above, in this transaction
    return _report(row, actor.display_name)


def _already(when: datetime | None) -> AlreadyReported:
    on = f" on {when:%d %b %Y}" if when else ""
    return AlreadyReported(
        f"you already reported this question{on}, and a trainer has not answered yet; "
        "you will see their answer here and on your home page"
    )


def mine(engine: Engine, actor: User, attempt_id: int | None = None) -> list[QuestionReport]:
    """The actor's own reports, newest first (only those made from one attempt, if given)."""
    with engine.connect() as conn:
        rows = question_report_store.of_reporter(conn, actor.id, attempt_id)
    return [_report(r, actor.display_name) for r in rows]


def recent(reports: Sequence[QuestionReport], now: datetime) -> list[QuestionReport]:
    """What a reporter's home page lists: open reports, and those resolved within RECENT."""
    return [
        r
        for r in reports
        if r.is_open or (r.resolved_at is not None and now - r.resolved_at <= RECENT)
    ]


def status_line(report: QuestionReport, quiz_title: str | None = None) -> str:
    """What the reporter reads of a report: ``Your report on question 3: resolved — <note>``.

    Plain text: it quotes the note a trainer typed, so show it as text, never as Markdown.
    """
    where = f"question {report.number}" + (f" of {quiz_title}" if quiz_title else "")
    if report.is_open:
        kind = KIND_LABELS.get(report.kind, report.kind).lower()
        return f"Your report on {where} ({kind}): open, a trainer has not answered yet."
    return f"Your report on {where}: resolved — {report.resolution}"


def queue(
    engine: Engine,
    actor: User,
    qid: str | None = None,
    resolved_too: bool = False,
    catalogue: Catalogue | None = None,
) -> list[ReportedQuestion]:
    """The reported questions (one, if ``qid``), the most recently reported first, each with its
    reports newest first: the open ones, and the resolved ones too if ``resolved_too``. With a
    ``catalogue``, each report says whether it is about the version the banks hold now.

    Raises Forbidden (trainees).
    """
    require(actor, Action.READ_QUESTION_REPORTS)
    with engine.connect() as conn:
        rows = question_report_store.listed(conn, qid, resolved_too)
        counts = question_report_store.counts(conn, sorted({r["qid"] for r in rows}))
    now_held = _current_versions(catalogue, {r["qid"] for r in rows})
    grouped: dict[str, list[QuestionReport]] = {}
    for row in rows:  # newest first, so each question's first row is its newest
        name = row["reporter_name"] if allowed(actor, Action.VIEW_USER, _reporter(row)) else None
        grouped.setdefault(row["qid"], []).append(
            _report(
                row,
                name,
                None if catalogue is None else now_held.get(row["qid"]) == row["snapshot_hash"],
            )
        )
    return [
        ReportedQuestion(q, counts[q][0], counts[q][1], reports[0].created_at, tuple(reports))
        for q, reports in grouped.items()
    ]


def report_counts(
    engine: Engine, actor: User, qids: list[str] | None = None
) -> dict[str, ReportCount]:
    """Per question with any report (among ``qids``, if given): open and all reports.

    Raises Forbidden (trainees).
    """
    require(actor, Action.READ_QUESTION_REPORTS)
    with engine.connect() as conn:
        found = question_report_store.counts(conn, qids)
    return {q: ReportCount(n_open, n) for q, (n_open, n) in found.items()}


def resolve(
    engine: Engine,
    actor: User,
    report_ids: Sequence[int],
    note: str,
    now: datetime | None = None,
) -> int:
    """Resolve open reports with a note their reporters read; returns how many were resolved.

    All or none: raises InvalidResolution (empty or too long note, nothing chosen, a report
    resolved meanwhile), ReportNotFound, Forbidden (trainees; a deactivated account, an ended
    session).
    """
    text = _text(note, MAX_NOTE, "a note for the reporter", InvalidResolution)
    if not report_ids:
        raise InvalidResolution("choose the reports to resolve")
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        now = now or clock.now()
        require(actor, Action.RESOLVE_QUESTION_REPORT)
        for report_id in dict.fromkeys(report_ids):
            row = question_report_store.get(conn, report_id)
            if row is None:
                raise ReportNotFound(f"no report {report_id}")
            if not question_report_store.resolve(conn, report_id, actor.id, now, text):
                by = row["resolver_name"] or "someone"
                raise InvalidResolution(
                    f"the report on {row['qid']} was resolved meanwhile by {by}; nothing was "
                    "saved: reload to see it"
                )
            audit_store.record(
                conn,
                now,
                actor.id,
                "question.resolve",
                row["qid"],
                report=report_id,
                reporter=row["reporter_username"],
            )
    return len(dict.fromkeys(report_ids))


# --- helpers ------------------------------------------------------------------------------------


def _current_versions(catalogue: Catalogue | None, qids: set[str]) -> dict[str, str]:
    """The content hash of each question as the banks hold it now (none for a retired one)."""
    if catalogue is None:
        return {}
    return {
        q: snapshot_of(catalogue.entries[q]).content_hash() for q in qids if q in catalogue.entries
    }


def _reporter(row: dict) -> User:
    return User(
        row["reporter_id"],
        row["reporter_username"],
        row["reporter_name"],
        row["reporter_role"],
        row["reporter_cohort"],
        row["reporter_active"],
    )


def _report(row: dict, reporter: str | None, current: bool | None = None) -> QuestionReport:
    return QuestionReport(
        id=row["id"],
        qid=row["qid"],
        version=row["snapshot_hash"],
        attempt_id=row["attempt_id"],
        quiz_id=row["quiz_id"],
        position=row["position"],
        reporter_id=row["reporter_id"],
        reporter=reporter,
        kind=row["kind"],
        comment=row["comment"],
        created_at=row["created_at"],
        status=row["status"],
        resolved_by=row["resolver_name"],
        resolved_at=row["resolved_at"],
        resolution=row["resolution"],
        current=current,
    )
