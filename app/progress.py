"""Where a trainee stands: open quizzes, certifications, history and recent mistakes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from app import accommodations, attempts, clock, examwindows
from app.accommodations import Accommodation
from app.accounts import User, recheck
from app.bank import Catalogue
from app.bank.schema import Draw, Quiz
from app.certstatus import Certification, certifications_from
from app.errors import ResurfaceError
from app.present import is_correct
from app.store import attempts as attempt_store
from app.store import fair as fair_store

MISTAKES_QUIZ_ID = "my-mistakes"
MISTAKES_LIMIT = 20


class NoMistakes(ResurfaceError):
    """The trainee has no wrongly answered question to practise (or none still in the banks)."""


@dataclass(frozen=True)
class Standing:
    """One quiz as the trainee sees it on their home page."""

    quiz: Quiz
    questions: int
    attempts_used: int
    best_percent: float | None
    passed: bool | None  # None: never submitted
    open_attempt_id: int | None
    attempt_limit: int | None = None  # the quiz's, with the trainee's extra attempts
    window: examwindows.Window | None = None  # when the trainee may start it (None: any time)
    time_limit: int | None = None  # minutes, with the trainee's extra time; None: untimed

    @property
    def attempts_left(self) -> int | None:
        if self.attempt_limit is None:
            return None
        return max(self.attempt_limit - self.attempts_used, 0)


def standings(
    engine: Engine, actor: User, catalogue: Catalogue, now: datetime | None = None
) -> list[Standing]:
    """The shipped quizzes with the actor's attempts used, best score and any open attempt."""
    given, held = _arrangements(engine, actor)
    return _standings(_settled(engine, actor, actor.id, now), catalogue, given, held, actor.cohort)


def _arrangements(engine: Engine, actor: User) -> tuple[Accommodation, list[examwindows.Window]]:
    """The actor's accommodation and every exam window (read as the rest of the page is: a
    deactivated account still reads its own standing)."""
    with engine.connect() as conn:
        given = accommodations.given_to(conn, actor.id)
        held = [examwindows.Window.of(r) for r in fair_store.windows(conn)]
    return given, held


def _standings(
    rows: list[dict[str, Any]],
    catalogue: Catalogue,
    given: Accommodation = accommodations.NONE,
    held: list[examwindows.Window] | None = None,
    cohort: str | None = None,
) -> list[Standing]:
    result = []
    for quiz in catalogue.quizzes.values():
        mine = [r for r in rows if r["quiz_id"] == quiz.id]
        done = [r for r in mine if r["status"] == "submitted"]
        best = max((r["score_percent"] for r in done), default=None)
        opened = next((r["id"] for r in mine if r["status"] == "open"), None)
        result.append(
            Standing(
                quiz,
                sum(d.count for d in quiz.draw),
                len(mine),
                best,
                any(r["passed"] for r in done) if done else None,
                opened,
                accommodations.attempt_limit(quiz, given),
                examwindows.window_for(held or [], quiz.id, cohort),
                accommodations.time_limit(quiz, given),
            )
        )
    return result


@dataclass(frozen=True)
class ProgressOverview:
    """Everything the home page shows, from one read of the user's attempts."""

    open_attempts: list[dict[str, Any]]
    standings: list[Standing]
    certifications: list[Certification]
    accommodation: Accommodation = accommodations.NONE


def overview(
    engine: Engine, actor: User, catalogue: Catalogue, now: datetime | None = None
) -> ProgressOverview:
    """The actor's open attempts, standings and certifications (as the functions of those names)."""
    now = now or clock.now()
    rows = _settled(engine, actor, actor.id, now)
    given, held = _arrangements(engine, actor)
    return ProgressOverview(
        [r for r in rows if r["status"] == "open"],
        _standings(rows, catalogue, given, held, actor.cohort),
        certifications_from(rows, catalogue, now),
        given,
    )


def open_attempts(engine: Engine, actor: User, now: datetime | None = None) -> list[dict[str, Any]]:
    """The actor's attempts still open (expired ones are closed first), newest first."""
    return [r for r in _settled(engine, actor, actor.id, now) if r["status"] == "open"]


def history(
    engine: Engine, actor: User, user_id: int, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Submitted attempts of a user, newest first. Raises AttemptNotFound for a hidden user."""
    return [r for r in _settled(engine, actor, user_id, now) if r["status"] == "submitted"]


def certifications(
    engine: Engine, actor: User, user_id: int, catalogue: Catalogue, now: datetime | None = None
) -> list[Certification]:
    """Each certification a quiz grants, with the user's latest pass and how long it holds.

    A pass holds for the months the quiz said when it was taken. Raises AttemptNotFound.
    """
    now = now or clock.now()
    return certifications_from(_settled(engine, actor, user_id, now), catalogue, now)


def recent_mistakes(
    engine: Engine, actor: User, catalogue: Catalogue, limit: int = MISTAKES_LIMIT
) -> list[str]:
    """Question ids the actor got wrong (or left blank) the last time each was asked, newest first.

    Only questions still in the banks count; a question answered right since is not a mistake;
    secure (exam-only) and retired questions are never offered for practice.
    """
    with engine.connect() as conn:
        rows = attempt_store.scored_questions(conn, actor.id)
    latest: dict[str, float | None] = {}
    for row in rows:
        latest.setdefault(row["qid"], row["points"])
    wrong = [
        qid
        for qid, points in latest.items()
        if not is_correct(points or 0)
        and qid in catalogue.entries
        and not catalogue.entries[qid].question.exam_only  # secure: never practised
        and catalogue.entries[qid].question.drawable  # retired or draft: never drawn
    ]
    return wrong[:limit]


def mistakes_quiz(qids: list[str], catalogue: Catalogue) -> Quiz:
    """A practice quiz with immediate feedback, described by the topics the questions come from."""
    per_topic = Counter(catalogue.entries[qid].topic for qid in qids)
    return Quiz(
        id=MISTAKES_QUIZ_ID,
        title="Practise my mistakes",
        description="The questions you got wrong the last time you saw them, with feedback.",
        mode="practice",
        draw=[Draw(topic=topic, count=count) for topic, count in per_topic.items()],
        pass_mark=80,
        feedback="immediate",
        review="full",
    )


def start_mistakes(
    engine: Engine, actor: User, catalogue: Catalogue, now: datetime | None = None
) -> attempts.AttemptView:
    """Resume the actor's open mistakes practice, or start one. Raises NoMistakes, Forbidden."""
    with engine.connect() as conn:
        actor = recheck(conn, actor, now)
    existing = attempts.open_attempt(engine, actor, MISTAKES_QUIZ_ID, now)
    if existing is not None:
        return existing
    qids = recent_mistakes(engine, actor, catalogue)
    if not qids:
        raise NoMistakes("no mistakes to practise: every question you have seen was answered right")
    quiz = mistakes_quiz(qids, catalogue)
    return attempts.start_questions(engine, actor, quiz, qids, catalogue, now)


def _settled(
    engine: Engine, actor: User, user_id: int, now: datetime | None
) -> list[dict[str, Any]]:
    """A user's attempts, any open one past its deadline closed (and scored) first."""
    return attempts.settled(
        engine, actor, lambda: attempts.attempts_of(engine, actor, user_id), now or clock.now()
    )
