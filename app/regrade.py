"""Regrade and void: correct scores already given when a question's key was wrong, or void it.

A **regrade** carries a question's current version (its YAML as loaded now) to the submitted
attempts at a quiz that answered an earlier version whose key differs (app.engine.versions says
what counts as a key and how an answer carries over). Each such attempt's question then points at
the current version, its answer is carried over to it, and the question and the attempt are scored
again. Versions that differ only in wording are left as they were; an answer that cannot carry over
unambiguously leaves that attempt's question as it was, with the reason in the dry run. Trainers
regrade their cohort's trainees' attempts, managers any cohort's or every trainee's.

A **void** gives every attempt at a quiz the question's point ("give") or leaves it out of the
total ("drop"). It holds for every attempt at the quiz, past and to come: a voided question is
still drawn (a form keeps its blueprint and its length) and is scored as voided when the attempt
is submitted (app.attempts). Managers only: it changes every cohort's scores.

Both have a dry run (``plan``/``void_plan``: every attempt's old and new score, the pass/fail
flips, the certifications gained or lost, read without a write lock) and an apply that needs a
reason, writes in one transaction with the actor read again, keeps each attempt's original score
beside the new one, records who did it and why, and writes one audit line per attempt changed.
Applying the same thing twice changes nothing the second time. A pass gained or lost counts from
the moment it was applied (app.certstatus).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from app import attempts, clock, present
from app.accounts import User, recheck, require
from app.attempts import AttemptNotFound
from app.bank import Catalogue
from app.bank.schema import Quiz
from app.certstatus import NAMES, Status, certifications_from
from app.engine import Snapshot, score_attempt, score_question, snapshot_of
from app.engine.scoring import VOIDS, AttemptScore, Void
from app.engine.versions import Remap, Unmappable, remap
from app.errors import ResurfaceError
from app.permissions import EVERY_COHORT, Action, Cohort, acting, allowed
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import regrades as regrade_store
from app.store import users as user_store
from app.store.db import writing

MAX_REASON = 2000
Kind = Literal["regrade", "void"]


class RegradeError(ResurfaceError):
    """Base class for regrade and void problems a user can be told about."""


class InvalidReason(RegradeError):
    """A regrade or void without a reason, or with one too long."""


class NotInBanks(RegradeError):
    """The question is not in the banks as loaded now, or the quiz is not."""


class AlreadyVoided(RegradeError):
    """The question is already voided in this quiz, the other way."""


@dataclass(frozen=True)
class Outdated:
    """A question of a quiz that submitted attempts answered in an earlier version."""

    qid: str
    attempts: int  # attempts on an earlier version
    key_changed: int  # of them, on a version whose key differs: a regrade changes these
    wording_only: int  # on a version that differs in wording only: nothing to regrade
    refused: int  # on a version an answer cannot carry over from
    reasons: tuple[str, ...]  # why, for those refused


@dataclass(frozen=True)
class Line:
    """One attempt in a dry run, or as a regrade or void changed it."""

    attempt_id: int
    user_id: int
    username: str
    display_name: str
    cohort: str | None
    submitted_at: datetime
    position: int
    question_before: float | None  # the question's points (None: left unanswered)
    question_after: float | None
    points_before: float
    points_after: float
    max_before: int
    max_after: int
    percent_before: float
    percent_after: float
    passed_before: bool
    passed_after: bool
    certification_before: Status | None  # the owner's, now (None: the quiz certifies nothing)
    certification_after: Status | None
    refused: str | None = None  # why this attempt's question cannot be regraded

    @property
    def changed(self) -> bool:
        """Whether applying changes this attempt (a regrade: its question moves to the current
        version; a void: its score)."""
        return self.refused is None

    @property
    def flipped(self) -> bool:
        return self.passed_before != self.passed_after


@dataclass(frozen=True)
class Plan:
    """A regrade or void of one question in one quiz: every attempt it changes or refuses."""

    kind: Kind
    quiz_id: str
    qid: str
    void: Void | None
    cohort: str | None  # the cohort covered; None: every one
    lines: tuple[Line, ...]
    regrade_id: int | None = None  # once applied (None: a dry run, or nothing to apply)

    @property
    def changes(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.changed)

    @property
    def refusals(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.refused is not None)

    @property
    def flips(self) -> tuple[Line, ...]:
        return tuple(line for line in self.changes if line.flipped)


@dataclass(frozen=True)
class Note:
    """What a regrade or void did to one attempt, for its results page."""

    kind: Kind
    qid: str
    position: int
    void: Void | None
    reason: str
    at: datetime
    by: str | None  # who (None: the console)
    points_before: float | None  # None: the void changed nothing of this attempt's score
    points_after: float | None
    max_before: int | None
    max_after: int | None
    percent_before: float | None
    percent_after: float | None
    passed_before: bool | None
    passed_after: bool | None


# --- the dry runs -------------------------------------------------------------------------------


def outdated(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    cohort: str | None = None,
) -> list[Outdated]:
    """The questions of a quiz that submitted attempts in scope answered in an earlier version.

    Raises Forbidden (trainees; a trainer asking for another cohort).
    """
    scope = _scope(actor, cohort)
    with engine.connect() as conn:
        rows = regrade_store.versions_at_quiz(conn, quiz_id, scope, trainees_only=True)
        hashes = sorted({r["snapshot_hash"] for r in rows})
        contents = attempt_store.snapshot_contents(conn, hashes)
    by_qid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_qid[row["qid"]].append(row)
    out = []
    for qid, versions in by_qid.items():
        entry = catalogue.entries.get(qid)
        if entry is None:
            continue
        current = snapshot_of(entry)
        counts = {"key": 0, "wording": 0, "refused": 0}
        reasons: list[str] = []
        for version in versions:
            if version["snapshot_hash"] == current.content_hash():
                continue
            old = Snapshot.from_dict(contents[version["snapshot_hash"]])
            try:
                kind = "key" if remap(old, current).key_changed else "wording"
            except Unmappable as exc:
                kind = "refused"
                reasons.append(str(exc))
            counts[kind] += version["attempts"]
        if any(counts.values()):
            out.append(
                Outdated(
                    qid,
                    sum(counts.values()),
                    counts["key"],
                    counts["wording"],
                    counts["refused"],
                    tuple(dict.fromkeys(reasons)),
                )
            )
    return out


def plan(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    qid: str,
    cohort: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """The dry run of a regrade: each attempt in scope on an earlier version of ``qid`` whose
    key differs, with its old and new score, and each one refused with the reason.

    Raises Forbidden, NotInBanks.
    """
    now = now or clock.now()
    scope = _scope(actor, cohort)
    current = _current(catalogue, quiz_id, qid)
    with engine.connect() as conn:
        return _regrade_plan(conn, catalogue, quiz_id, current, scope, now)[0]


def void_plan(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    qid: str,
    how: Void,
    now: datetime | None = None,
) -> Plan:
    """The dry run of voiding ``qid`` in a quiz (``how``: give or drop): every submitted attempt
    that has it, with its old and new score. Raises Forbidden, NotInBanks, AlreadyVoided."""
    now = now or clock.now()
    require(acting(actor), Action.VOID)
    _check_void(catalogue, quiz_id, how)
    with engine.connect() as conn:
        return _void_plan(conn, catalogue, quiz_id, qid, how, now)[0]


# --- applying -----------------------------------------------------------------------------------


def apply(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    qid: str,
    reason: str,
    cohort: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """Regrade: move every attempt of the dry run to the current version of ``qid`` and score it
    again, in one transaction; returns what was done (no line: nothing was left to do).

    Raises InvalidReason, Forbidden, NotInBanks.
    """
    text = _reason(reason)
    current = _current(catalogue, quiz_id, qid)
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        now = now or clock.now()
        scope = _scope(actor, cohort)
        done, work = _regrade_plan(conn, catalogue, quiz_id, current, scope, now)
        if not done.changes:
            return done
        new_hash = current.content_hash()
        attempt_store.add_snapshots(conn, [(new_hash, current.qid, current.to_dict())], now)
        regrade_id = regrade_store.add_regrade(
            conn,
            kind="regrade",
            quiz_id=quiz_id,
            qid=current.qid,
            to_hash=new_hash,
            cohort=scope,
            reason=text,
            actor_id=actor.id if actor else None,
            created_at=now,
        )
        for line in done.changes:
            todo = work[line.attempt_id]
            regrade_store.move_question(
                conn, line.attempt_id, line.position, new_hash, *todo["orders"]
            )
            if todo["answered"]:
                regrade_store.rescore_response(
                    conn, line.attempt_id, line.position, todo["answer"], line.question_after
                )
            _record(conn, regrade_id, line, todo, actor, now, "attempt.regrade", text)
    return replace(done, regrade_id=regrade_id)


def void(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    qid: str,
    how: Void,
    reason: str,
    now: datetime | None = None,
) -> Plan:
    """Void ``qid`` in a quiz (give or drop) and score every submitted attempt that has it again,
    in one transaction; returns what was done. Voiding it again the same way changes nothing.

    Raises InvalidReason, Forbidden, NotInBanks, AlreadyVoided.
    """
    text = _reason(reason)
    _check_void(catalogue, quiz_id, how)
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        now = now or clock.now()
        require(acting(actor), Action.VOID)
        done, work = _void_plan(conn, catalogue, quiz_id, qid, how, now)
        if regrade_store.voids(conn, quiz_id).get(qid) == how:
            return done  # voided so already: nothing to do
        regrade_id = regrade_store.add_regrade(
            conn,
            kind="void",
            quiz_id=quiz_id,
            qid=qid,
            void=how,
            reason=text,
            actor_id=actor.id if actor else None,
            created_at=now,
        )
        regrade_store.add_void(conn, quiz_id, qid, how, regrade_id)
        for line in done.changes:
            _record(conn, regrade_id, line, work[line.attempt_id], actor, now, "attempt.void", text)
        audit_store.record(
            conn,
            now,
            actor.id if actor else None,
            "question.void",
            qid,
            quiz=quiz_id,
            void=how,
            reason=text,
            attempts=len(done.changes),
        )
    return replace(done, regrade_id=regrade_id)


# --- reading back -------------------------------------------------------------------------------


def notes(engine: Engine, actor: User, attempt_id: int) -> list[Note]:
    """What regrades and voids did to an attempt the actor may see, oldest first; a void that
    left its score as it was (an attempt submitted after it, say) is listed too.

    Raises AttemptNotFound.
    """
    with engine.connect() as conn:
        row = attempt_store.get(conn, attempt_id)
        owner = user_store.by_id(conn, row["user_id"]) if row else None
        if row is None or owner is None or not allowed(actor, Action.VIEW_USER, User.of(owner)):
            raise AttemptNotFound(f"no attempt {attempt_id}")
        changed = regrade_store.of_attempt(conn, attempt_id)
        voided = regrade_store.voids_of_quiz(conn, row["quiz_id"])
        positions = {q["qid"]: q["position"] for q in attempt_store.questions(conn, attempt_id)}
    out = [
        Note(
            r["kind"],
            r["qid"],
            r["position"],
            r["void"],
            r["reason"],
            r["created_at"],
            r["actor"],
            r["points_before"],
            r["points_after"],
            r["max_before"],
            r["max_after"],
            r["percent_before"],
            r["percent_after"],
            r["passed_before"],
            r["passed_after"],
        )
        for r in changed
    ]
    seen = {(n.kind, n.qid) for n in out}
    for v in voided:
        if v["qid"] in positions and ("void", v["qid"]) not in seen:
            out.append(
                Note(
                    "void",
                    v["qid"],
                    positions[v["qid"]],
                    v["void"],
                    v["reason"],
                    v["created_at"],
                    v["actor"],
                    *([None] * 8),
                )
            )
    return sorted(out, key=lambda n: n.at)


# --- the words people read ----------------------------------------------------------------------

RESULT = {True: "Passed", False: "Not passed"}
VOID_WORDS: dict[str, str] = {"give": "everyone given the point", "drop": "left out of the total"}


def _change(before: str, after: str) -> str:
    return before if before == after else f"{before} → {after}"


def _points(line: Line) -> str:
    """ "23 → 24 of 30", or "3 of 5 → 3 of 4" when the points available changed."""
    before, after = present.points(line.points_before), present.points(line.points_after)
    if line.max_before == line.max_after:
        return f"{_change(before, after)} of {line.max_after}"
    return f"{before} of {line.max_before} → {after} of {line.max_after}"


def table_rows(done: Plan) -> list[dict[str, str]]:
    """The dry run as a page shows it: one row per attempt changed, figures as app.present reads
    them, pass/fail and certification flips spelt out."""
    out = []
    for line in done.changes:
        question = [
            "no answer" if v is None else present.points(v)
            for v in (line.question_before, line.question_after)
        ]
        certification = (
            "-"
            if line.certification_before is None or line.certification_after is None
            else _change(NAMES[line.certification_before], NAMES[line.certification_after])
        )
        out.append(
            {
                "Trainee": line.display_name,
                "Cohort": line.cohort or "-",
                "Attempt": str(line.attempt_id),
                "Question": _change(*question),
                "Score": _change(
                    present.percent(line.percent_before), present.percent(line.percent_after)
                ),
                "Points": _points(line),
                "Result": _change(RESULT[line.passed_before], RESULT[line.passed_after]),
                "Certification": certification,
            }
        )
    return out


def describe(note: Note) -> str:
    """What a regrade or void did, in a sentence for the attempt's results page (no reason: the
    page shows the typed reason as text on its own)."""
    number = note.position + 1
    if note.kind == "void":
        what = f"Question {number} was voided ({VOID_WORDS[note.void or 'give']})"
    else:
        what = f"Question {number} was regraded against its corrected key"
    if note.percent_before is None or note.percent_after is None:
        return f"{what}."
    score = _change(present.percent(note.percent_before), present.percent(note.percent_after))
    result = ""
    if note.passed_before is not None and note.passed_before != note.passed_after:
        result = f"; result {RESULT[note.passed_before]} → {RESULT[bool(note.passed_after)]}"
    return f"{what}: score {score}{result}."


# --- helpers ------------------------------------------------------------------------------------


def _scope(actor: User | None, cohort: str | None) -> str | None:
    """The cohort whose trainees' attempts a regrade covers (None: every cohort)."""
    who = acting(actor)
    require(who, Action.REGRADE)
    if cohort is None:
        every = allowed(who, Action.REGRADE, EVERY_COHORT)
        return actor.cohort if actor is not None and not every else None
    require(
        who, Action.REGRADE, Cohort(cohort), f"trainers regrade their own cohort, not '{cohort}'"
    )
    return cohort


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidReason("say why: a regrade or void needs a reason, which the trainees read")
    if len(text) > MAX_REASON:
        raise InvalidReason(f"a reason is at most {MAX_REASON} characters (this has {len(text)})")
    return text


def _current(catalogue: Catalogue, quiz_id: str, qid: str) -> Snapshot:
    entry = catalogue.entries.get(qid)
    if entry is None:
        raise NotInBanks(f"question '{qid}' is not in the banks: there is no version to regrade to")
    return snapshot_of(entry)


def _check_void(catalogue: Catalogue, quiz_id: str, how: str) -> None:
    if how not in VOIDS:
        raise ValueError(f"unknown void {how!r} (expected give or drop)")
    if quiz_id not in catalogue.quizzes:
        raise NotInBanks(f"there is no quiz '{quiz_id}' in the banks")


def _score(
    row: dict[str, Any], questions: list[dict[str, Any]], voids: dict[str, Any]
) -> tuple[list[Snapshot], dict[str, Any], AttemptScore]:
    quiz = Quiz.model_validate(row["quiz"])
    cutoff = row["deadline"] if row["closed_by"] == "deadline" else None
    snaps, answers = attempts.scored_answers(questions, cutoff)
    return snaps, answers, score_attempt(snaps, answers, quiz.scoring, quiz.pass_mark, voids)


def _regrade_plan(
    conn: Connection,
    catalogue: Catalogue,
    quiz_id: str,
    current: Snapshot,
    scope: str | None,
    now: datetime,
) -> tuple[Plan, dict[int, dict[str, Any]]]:
    rows = regrade_store.submitted_at_quiz(conn, quiz_id, scope, trainees_only=True)
    voids = regrade_store.voids(conn, quiz_id)
    new_hash = current.content_hash()
    lines: list[Line] = []
    work: dict[int, dict[str, Any]] = {}
    for row in rows:
        questions = attempt_store.questions(conn, row["id"])
        at = next((q for q in questions if q["qid"] == current.qid), None)
        if at is None or at["snapshot_hash"] == new_hash:
            continue
        old = Snapshot.from_dict(at["content"])
        try:
            mapping = remap(old, current)
        except Unmappable as exc:
            lines.append(_line(row, at["position"], at["points"], None, None, str(exc)))
            continue
        if not mapping.key_changed:
            continue  # wording only: the attempt keeps the version it answered
        moved = [
            {**q, "content": current.to_dict(), "answer": mapping.answer(q["answer"])}
            if q is at
            else q
            for q in questions
        ]
        _snaps, answers, score = _score(row, moved, voids)
        scoring = Quiz.model_validate(row["quiz"]).scoring
        answered = at["answered_at"] is not None
        after = float(score_question(current, answers[current.qid], scoring)) if answered else None
        lines.append(_line(row, at["position"], at["points"], after, score))
        work[row["id"]] = {
            "score": score,
            "answered": answered,
            "answer": mapping.answer(at["answer"]),
            "orders": _orders(mapping, at),
            "from_hash": at["snapshot_hash"],
        }
    done = Plan("regrade", quiz_id, current.qid, None, scope, tuple(lines))
    return _with_certifications(conn, catalogue, done, now), work


def _void_plan(
    conn: Connection, catalogue: Catalogue, quiz_id: str, qid: str, how: Void, now: datetime
) -> tuple[Plan, dict[int, dict[str, Any]]]:
    voids = regrade_store.voids(conn, quiz_id)
    if voids.get(qid, how) != how:
        raise AlreadyVoided(
            f"'{qid}' is already voided in this quiz ({VOID_WORDS[voids[qid]]}); "
            "a void is not changed once applied"
        )
    voids = {**voids, qid: how}
    lines: list[Line] = []
    work: dict[int, dict[str, Any]] = {}
    for row in regrade_store.submitted_at_quiz(conn, quiz_id, None, trainees_only=False):
        questions = attempt_store.questions(conn, row["id"])
        at = next((q for q in questions if q["qid"] == qid), None)
        if at is None:
            continue
        score = _score(row, questions, voids)[2]
        if (float(score.points), score.max_points, score.passed) == (
            row["points"],
            row["max_points"],
            row["passed"],
        ):
            continue
        lines.append(_line(row, at["position"], at["points"], at["points"], score))
        work[row["id"]] = {"score": score, "from_hash": None}
    done = Plan("void", quiz_id, qid, how, None, tuple(lines))
    return _with_certifications(conn, catalogue, done, now), work


def _line(
    row: dict[str, Any],
    position: int,
    before: float | None,
    after: float | None,
    score: AttemptScore | None,
    refused: str | None = None,
) -> Line:
    return Line(
        row["id"],
        row["user_id"],
        row["username"],
        row["display_name"],
        row["cohort"],
        row["submitted_at"],
        position,
        before,
        after if score is not None else before,
        row["points"],
        float(score.points) if score else row["points"],
        row["max_points"],
        score.max_points if score else row["max_points"],
        row["score_percent"],
        score.percent if score else row["score_percent"],
        bool(row["passed"]),
        score.passed if score else bool(row["passed"]),
        None,
        None,
        refused,
    )


def _orders(mapping: Remap, at: dict[str, Any]) -> tuple[list[int], list[int], list[int]]:
    return (
        mapping.order(at["option_order"], "option") if mapping.options else [],
        mapping.order(at["left_order"], "left") if mapping.lefts else [],
        mapping.order(at["right_order"], "right") if mapping.rights else [],
    )


def _with_certifications(conn: Connection, catalogue: Catalogue, done: Plan, now: datetime) -> Plan:
    """Each changed attempt's owner's certification from the quiz, now, before and after."""
    quiz = catalogue.quizzes.get(done.quiz_id)
    if quiz is None or quiz.certifies is None or not done.changes:
        return done
    users = sorted({line.user_id for line in done.changes})
    rows = regrade_store.of_users_at_quiz(conn, done.quiz_id, users)
    flips = {line.attempt_id: line.passed_after for line in done.changes if line.flipped}
    after = [
        {**r, "passed": flips[r["id"]], "pass_changed_at": now} if r["id"] in flips else r
        for r in rows
    ]

    def status(of: list[dict[str, Any]], user_id: int) -> Status:
        mine = [r for r in of if r["user_id"] == user_id]
        found = [c for c in certifications_from(mine, catalogue, now) if c.quiz_id == quiz.id]
        return found[0].status

    lines = tuple(
        replace(
            line,
            certification_before=status(rows, line.user_id),
            certification_after=status(after, line.user_id),
        )
        if line.changed
        else line
        for line in done.lines
    )
    return replace(done, lines=lines)


def _record(
    conn: Connection,
    regrade_id: int,
    line: Line,
    todo: dict[str, Any],
    actor: User | None,
    now: datetime,
    action: str,
    reason: str,
) -> None:
    """Write one attempt's new score beside its original, the record's line and the audit line."""
    score: AttemptScore = todo["score"]
    regrade_store.rescore_attempt(
        conn,
        line.attempt_id,
        now,
        line.flipped,
        points=float(score.points),
        max_points=score.max_points,
        score_percent=score.percent,
        passed=score.passed,
        by_topic={t.topic: [float(t.points), t.max_points] for t in score.by_topic},
    )
    regrade_store.add_changes(
        conn,
        [
            {
                "regrade_id": regrade_id,
                "attempt_id": line.attempt_id,
                "position": line.position,
                "from_hash": todo["from_hash"],
                "question_before": line.question_before,
                "question_after": line.question_after,
                "points_before": line.points_before,
                "points_after": line.points_after,
                "max_before": line.max_before,
                "max_after": line.max_after,
                "percent_before": line.percent_before,
                "percent_after": line.percent_after,
                "passed_before": line.passed_before,
                "passed_after": line.passed_after,
            }
        ],
    )
    audit_store.record(
        conn,
        now,
        actor.id if actor else None,
        action,
        line.username,
        attempt=line.attempt_id,
        regrade=regrade_id,
        points=[line.points_before, line.points_after],
        passed=[line.passed_before, line.passed_after],
        reason=reason,
    )
