"""The attempt lifecycle: start, save answers, flag, submit, read back; each call checks the actor.

Every write runs in a transaction that locks the attempt (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
row), so answers, flags and the submit of one attempt happen one after another, never interleaved.
The server's clock decides deadlines; an attempt touched after its deadline is closed and scored
with the answers saved before it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app import accommodations, clock, examwindows
from app.accounts import User, recheck
from app.bank import Catalogue
from app.bank.schema import Quiz
from app.engine import (
    InvalidAnswer,
    Presented,
    Snapshot,
    assemble,
    assemble_from,
    normalize_answer,
    score_attempt,
    score_question,
)
from app.errors import ResurfaceError
from app.permissions import Action, Console, allowed
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import regrades as regrade_store
from app.store import users as user_store
from app.store.db import writing

TIME_UP = "time is up: the attempt was submitted with the answers saved before the deadline"


class AttemptError(ResurfaceError):
    """Base class for attempt problems a user can be told about."""


class NoAttemptsLeft(AttemptError):
    """The quiz allows no more attempts for this user."""


class AttemptClosed(AttemptError):
    """The attempt is submitted or its time is up; it takes no more answers."""


class AttemptNotFound(AttemptError):
    """No such attempt, or not one the acting user may see."""


class NoSuchQuestion(AttemptError):
    """The attempt has no question at that position."""


class AnswerFinal(AttemptError):
    """With immediate feedback an answer is final: the verdict has been shown."""


@dataclass(frozen=True)
class QuestionState:
    """One question of an attempt as shown, with what the trainee did with it."""

    presented: Presented
    answer: Any
    answered_at: datetime | None
    flagged: bool
    points: float | None


@dataclass(frozen=True)
class AttemptView:
    """An attempt with its questions, answers and, once closed, its score."""

    id: int
    user_id: int
    quiz: Quiz
    status: str
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    closed_by: str | None
    points: float | None
    max_points: int | None
    score_percent: float | None
    passed: bool | None
    by_topic: dict[str, Any] | None
    questions: tuple[QuestionState, ...]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def remaining(self, now: datetime) -> timedelta | None:
        """Time left before the deadline (never negative), or None for an untimed attempt."""
        return None if self.deadline is None else max(self.deadline - now, timedelta(0))


def start(
    engine: Engine,
    actor: User,
    quiz: Quiz,
    catalogue: Catalogue,
    now: datetime | None = None,
    seed: int | None = None,
) -> AttemptView:
    """The actor's open attempt at ``quiz``, or a new one, with the actor's accommodation (see
    app.accommodations). Raises NoAttemptsLeft, QuizNotOpen (app.examwindows), Forbidden."""
    seed = secrets.randbelow(2**31) if seed is None else seed
    # Assembling is pure and possibly slowish: outside the lock.
    return _start(engine, actor, quiz, lambda: assemble(quiz, catalogue, seed), seed, now)


def start_questions(
    engine: Engine,
    actor: User,
    quiz: Quiz,
    qids: list[str],
    catalogue: Catalogue,
    now: datetime | None = None,
    seed: int | None = None,
) -> AttemptView:
    """The actor's open attempt at ``quiz``, or a new one made of exactly ``qids``.

    For attempts picked per trainee (practise my mistakes) rather than drawn from a blueprint.
    Raises KeyError for an unknown question id, and as ``start``.
    """
    seed = secrets.randbelow(2**31) if seed is None else seed

    def presented() -> list[Presented]:
        return assemble_from(qids, catalogue, seed, quiz.shuffle_questions, quiz.shuffle_options)

    return _start(engine, actor, quiz, presented, seed, now)


def _start(
    engine: Engine,
    actor: User,
    quiz: Quiz,
    make: Callable[[], list[Presented]],
    seed: int,
    now: datetime | None,
) -> AttemptView:
    now = now or clock.now()
    with engine.connect() as conn:
        recheck(conn, actor, now)
    existing = open_attempt(engine, actor, quiz.id, now)
    if existing is not None:
        return existing
    presented = make()
    try:
        with writing(engine) as conn:
            fresh = recheck(conn, actor, now)
            attempt_id = _open_or_create(conn, fresh, quiz, presented, seed, now)
    except IntegrityError:
        # Another request opened one between our check and insert (PostgreSQL): use that one.
        with engine.connect() as conn:
            row = attempt_store.open_for(conn, actor.id, quiz.id)
        if row is None:
            raise
        attempt_id = row["id"]
    return get(engine, actor, attempt_id, now)


def _open_or_create(
    conn: Connection, actor: User, quiz: Quiz, presented: list[Presented], seed: int, now: datetime
) -> int:
    existing = attempt_store.open_for(conn, actor.id, quiz.id)
    if existing is not None:
        if not deadline_passed(existing["deadline"], now):
            return existing["id"]
        _close(conn, existing, now, "deadline")
    # The window and the accommodation are read here, holding the write lock, so a window closed
    # or an accommodation changed a moment ago is what counts.
    examwindows.check(conn, quiz.id, quiz.title, actor.cohort, now)
    given = accommodations.given_to(conn, actor.id)
    limit = accommodations.attempt_limit(quiz, given)
    if limit is not None and attempt_store.count_for(conn, actor.id, quiz.id) >= limit:
        raise NoAttemptsLeft(f"'{quiz.title}' allows {limit} attempts and all have been used")
    snaps = [p.snapshot for p in presented]
    attempt_store.add_snapshots(conn, [(s.content_hash(), s.qid, s.to_dict()) for s in snaps], now)
    questions = [
        {
            "position": p.position,
            "qid": p.snapshot.qid,
            "snapshot_hash": p.snapshot.content_hash(),
            "option_order": list(p.option_order),
            "left_order": list(p.left_order),
            "right_order": list(p.right_order),
            "flagged": False,
        }
        for p in presented
    ]
    minutes = accommodations.time_limit(quiz, given)
    deadline = now + timedelta(minutes=minutes) if minutes is not None else None
    attempt_id = attempt_store.add_attempt(
        conn,
        questions,
        user_id=actor.id,
        quiz_id=quiz.id,
        quiz=quiz.model_dump(mode="json"),
        seed=seed,
        status="open",
        started_at=now,
        deadline=deadline,
        extra_minutes=accommodations.extra_minutes(quiz, given) or None,
        extra_attempts=(given.extra_attempts or None) if limit is not None else None,
    )
    audit_store.record(conn, now, actor.id, "attempt.start", quiz.id, attempt=attempt_id)
    return attempt_id


def save_answer(
    engine: Engine,
    actor: User,
    attempt_id: int,
    position: int,
    answer: object,
    now: datetime | None = None,
) -> datetime:
    """Record (or replace) the answer at ``position``; returns when it was saved.

    ``answer`` uses canonical indices (see app.engine). Raises AttemptClosed (also when the time is
    up: the attempt is then closed and scored), AnswerFinal, InvalidAnswer, NoSuchQuestion,
    AttemptNotFound, Forbidden (a deactivated account, an ended session).
    """

    def save(conn: Connection, row: dict[str, Any], now: datetime) -> None:
        snap = _snapshot_at(conn, attempt_id, position)
        immediate = row["quiz"].get("feedback") == "immediate"
        if immediate and attempt_store.has_response(conn, attempt_id, position):
            raise AnswerFinal("this question has been answered and its feedback shown")
        given = normalize_answer(snap, answer)
        if immediate and given is None:
            # Saved, a blank would be final and its verdict would show the key.
            raise InvalidAnswer(f"{snap.qid}: choose an answer before checking it")
        attempt_store.save_response(conn, attempt_id, position, given, now)

    return _while_open(engine, actor, attempt_id, now, save)


def set_flag(
    engine: Engine,
    actor: User,
    attempt_id: int,
    position: int,
    flagged: bool,
    now: datetime | None = None,
) -> None:
    """Flag a question for review (or clear the flag). Raises as save_answer."""

    def flag(conn: Connection, row: dict[str, Any], now: datetime) -> None:
        if not attempt_store.set_flag(conn, attempt_id, position, flagged):
            raise NoSuchQuestion(f"attempt {attempt_id} has no question {position + 1}")

    _while_open(engine, actor, attempt_id, now, flag)


def submit(
    engine: Engine, actor: User, attempt_id: int, now: datetime | None = None
) -> AttemptView:
    """Close and score the attempt; submitting twice records one result.

    Raises AttemptNotFound, Forbidden (a deactivated account, an ended session).
    """
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        row = attempt_store.get(conn, attempt_id, lock=True)
        if row is None or row["user_id"] != actor.id:
            raise AttemptNotFound(f"no attempt {attempt_id}")
        # Read the clock holding the lock: an answer saved before this close is dated before it.
        now = now or clock.now()
        if row["status"] == "open":
            _close(conn, row, now, "deadline" if deadline_passed(row["deadline"], now) else "user")
    return get(engine, actor, attempt_id, now)


def get(
    engine: Engine, actor: User | Console, attempt_id: int, now: datetime | None = None
) -> AttemptView:
    """An attempt the actor (or the console, CONSOLE) may see, closing it first if its deadline
    has passed.

    Raises AttemptNotFound (also for attempts the actor may not see).
    """
    now = now or clock.now()
    with engine.connect() as conn:
        row = attempt_store.get(conn, attempt_id)
        if row is None or not _may_see(conn, actor, row):
            raise AttemptNotFound(f"no attempt {attempt_id}")
        if not (row["status"] == "open" and deadline_passed(row["deadline"], now)):
            return _view_of_states(conn, row, attempt_store.question_states(conn, attempt_id))
    # Past its deadline: close it under the lock (another request may have just done so).
    with writing(engine) as conn:
        locked = attempt_store.get(conn, attempt_id, lock=True)
        if locked is None:
            raise AttemptNotFound(f"no attempt {attempt_id}")
        if locked["status"] == "open":
            _close(conn, locked, now, "deadline")
        closed = attempt_store.get(conn, attempt_id)
        assert closed is not None  # locked above, in this transaction
        return _view_of_states(conn, closed, attempt_store.question_states(conn, attempt_id))


def close_overdue(
    engine: Engine, actor: User | Console, rows: list[dict[str, Any]], as_of: datetime
) -> bool:
    """Close (and score, as of its deadline) each open attempt among ``rows`` whose deadline fell
    before ``as_of``; True if any was. For reports, which read summaries and then read them again.

    Only deadlines that have really passed count: a report dated in the future must not close an
    attempt a trainee is still taking. Closing dates the result at the deadline whenever it is
    done, so a report for a past date reads the same before and after. Raises AttemptNotFound
    for an attempt the actor may not see.
    """
    present = clock.now()
    cutoff = min(as_of, present)
    overdue = [
        r["id"] for r in rows if r["status"] == "open" and deadline_passed(r["deadline"], cutoff)
    ]
    for attempt_id in overdue:
        get(engine, actor, attempt_id, present)
    return bool(overdue)


def settled(
    engine: Engine,
    actor: User | Console,
    read: Callable[[], list[dict[str, Any]]],
    as_of: datetime,
) -> list[dict[str, Any]]:
    """The attempt rows ``read()`` gives, read again if any open one among them was past its
    deadline at ``as_of`` and so closed (and scored) first, as close_overdue does.

    Raises AttemptNotFound for an attempt the actor may not see, and what ``read`` raises.
    """
    rows = read()
    return read() if close_overdue(engine, actor, rows, as_of) else rows


def deadline_passed(deadline: datetime | None, now: datetime) -> bool:
    """Whether an attempt with this deadline (None: untimed) is past it at ``now``: the deadline
    itself is still in time, so an answer saved at that very moment counts."""
    return deadline is not None and now > deadline


def open_attempt(
    engine: Engine, actor: User, quiz_id: str, now: datetime | None = None
) -> AttemptView | None:
    """The actor's open attempt at a quiz, to resume, or None (an expired one is closed first)."""
    with engine.connect() as conn:
        row = attempt_store.open_for(conn, actor.id, quiz_id)
    if row is None:
        return None
    view = get(engine, actor, row["id"], now)
    return view if view.is_open else None


def attempts_of(engine: Engine, actor: User, user_id: int) -> list[dict[str, Any]]:
    """Summaries (no questions) of a user's attempts, newest first. Raises AttemptNotFound."""
    with engine.connect() as conn:
        owner = user_store.by_id(conn, user_id)
        if owner is None or not allowed(actor, Action.VIEW_USER, User.of(owner)):
            raise AttemptNotFound(f"no user {user_id}")
        return attempt_store.of_user(conn, user_id)


# --- helpers ------------------------------------------------------------------------------------


def _while_open(
    engine: Engine,
    actor: User,
    attempt_id: int,
    now: datetime | None,
    act: Callable[[Connection, dict[str, Any], datetime], None],
) -> datetime:
    """Run ``act`` on the actor's open attempt at ``now`` (by default the time once the attempt is
    locked, so writes to one attempt are dated in the order they happen); past its deadline, close
    it and raise instead. Returns the time used.

    The close is committed before AttemptClosed is raised: raising inside the transaction would
    roll the close back.
    """
    with writing(engine) as conn:
        row = _own_open(conn, recheck(conn, actor, now), attempt_id)
        now = now or clock.now()
        expired = deadline_passed(row["deadline"], now)
        if expired:
            _close(conn, row, now, "deadline")
        else:
            act(conn, row, now)
    if expired:
        raise AttemptClosed(TIME_UP)
    return now


def _may_see(conn: Connection, actor: User | Console, row: dict[str, Any]) -> bool:
    if isinstance(actor, User) and row["user_id"] == actor.id:
        return True  # one's own: no need to read the owner
    owner = user_store.by_id(conn, row["user_id"])
    return owner is not None and allowed(actor, Action.VIEW_USER, User.of(owner))


def _own_open(conn: Connection, actor: User, attempt_id: int) -> dict[str, Any]:
    row = attempt_store.get(conn, attempt_id, lock=True)
    if row is None or row["user_id"] != actor.id:
        raise AttemptNotFound(f"no attempt {attempt_id}")
    if row["status"] != "open":
        raise AttemptClosed("this attempt has been submitted and takes no more answers")
    return row


def _snapshot_at(conn: Connection, attempt_id: int, position: int) -> Snapshot:
    found = attempt_store.snapshot_hash_at(conn, attempt_id, position)
    if found is None:
        raise NoSuchQuestion(f"attempt {attempt_id} has no question {position + 1}")
    return _snapshots(conn, [found])[found]


# Snapshots decoded from the database, by hash. A snapshot's hash is the SHA-256 of its content
# (Snapshot.content_hash) and its row is never changed, so a decoded one stays right for good;
# reading an attempt then reads its questions' hashes, not their content (JSON decoding and
# building 30 snapshots was most of the CPU of every read of an attempt, which each click on
# the quiz page does twice). Bounded: emptied when full (a bank has hundreds of questions).
_DECODED: dict[str, Snapshot] = {}
_DECODED_MAX = 5000


def _snapshots(conn: Connection, hashes: list[str]) -> dict[str, Snapshot]:
    """The snapshots of these hashes, from the decoded ones or else from the database."""
    found = {}
    for h in hashes:
        decoded = _DECODED.get(h)  # .get: another thread may empty the dict at any moment
        if decoded is not None:
            found[h] = decoded
    missing = sorted(set(hashes) - found.keys())
    if missing:
        if len(_DECODED) + len(missing) > _DECODED_MAX:
            _DECODED.clear()
        for h, content in attempt_store.snapshot_contents(conn, missing).items():
            found[h] = _DECODED[h] = Snapshot.from_dict(content)
    return found


def _close(conn: Connection, row: dict[str, Any], now: datetime, closed_by: str) -> None:
    """Score with the answers saved up to the deadline and close; a no-op if already closed."""
    quiz = Quiz.model_validate(row["quiz"])
    questions = attempt_store.questions(conn, row["id"])
    cutoff = row["deadline"] if closed_by == "deadline" else None
    snaps, answers = scored_answers(questions, cutoff)
    points = {
        q_["position"]: float(score_question(snap, answers[snap.qid], quiz.scoring))
        for q_, snap in zip(questions, snaps, strict=True)
        if q_["answered_at"] is not None
    }
    # A question voided in this quiz (app.regrade) is scored so in every attempt, this one too.
    voids = regrade_store.voids(conn, row["quiz_id"])
    score = score_attempt(snaps, answers, quiz.scoring, quiz.pass_mark, voids)
    closed = attempt_store.close(
        conn,
        row["id"],
        points,
        status="submitted",
        submitted_at=cutoff if cutoff is not None else now,
        closed_by=closed_by,
        points=float(score.points),
        max_points=score.max_points,
        score_percent=score.percent,
        passed=score.passed,
        by_topic={t.topic: [float(t.points), t.max_points] for t in score.by_topic},
    )
    if closed:
        audit_store.record(
            conn,
            now,
            row["user_id"],
            "attempt.submit",
            row["quiz_id"],
            attempt=row["id"],
            closed_by=closed_by,
        )


def scored_answers(
    questions: list[dict[str, Any]], cutoff: datetime | None
) -> tuple[list[Snapshot], dict[str, Any]]:
    """An attempt's questions (``attempt_store.questions``) as the engine scores them: their
    snapshots, and the answers saved by ``cutoff`` (the deadline of an attempt it closed; None:
    every answer saved)."""
    snaps, answers = [], {}
    for question in questions:
        snap = Snapshot.from_dict(question["content"])
        snaps.append(snap)
        in_time = question["answered_at"] is not None and (
            cutoff is None or question["answered_at"] <= cutoff
        )
        answers[snap.qid] = question["answer"] if in_time else None
    return snaps, answers


def view_of(row: dict[str, Any], questions: list[dict[str, Any]]) -> AttemptView:
    """An attempt as its pages see it, from its row and its questions' rows
    (``app.store.attempts.questions``) read in the caller's transaction; no check of who asks."""
    return _view(row, questions)


def _view_of_states(
    conn: Connection, row: dict[str, Any], states: list[dict[str, Any]]
) -> AttemptView:
    """``_view`` from ``attempt_store.question_states`` rows (no content; snapshots by hash)."""
    snaps = _snapshots(conn, [q_["snapshot_hash"] for q_ in states])
    return _view(row, states, snaps)


def _view(
    row: dict[str, Any],
    questions: list[dict[str, Any]],
    snaps: dict[str, Snapshot] | None = None,
) -> AttemptView:
    """The view of an attempt from its row and its questions' rows: with their ``content``, or
    with ``snaps`` giving each question's snapshot by its ``snapshot_hash``."""
    states = tuple(
        QuestionState(
            Presented(
                q_["position"],
                snaps[q_["snapshot_hash"]]
                if snaps is not None
                else Snapshot.from_dict(q_["content"]),
                tuple(q_["option_order"]),
                tuple(q_["left_order"]),
                tuple(q_["right_order"]),
            ),
            q_["answer"],
            q_["answered_at"],
            q_["flagged"],
            q_["points"],
        )
        for q_ in questions
    )
    return AttemptView(
        row["id"],
        row["user_id"],
        Quiz.model_validate(row["quiz"]),
        row["status"],
        row["started_at"],
        row["deadline"],
        row["submitted_at"],
        row["closed_by"],
        row["points"],
        row["max_points"],
        row["score_percent"],
        row["passed"],
        row["by_topic"],
        states,
    )
