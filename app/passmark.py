"""Standard setting for an exam's pass mark: trainers rate its questions (modified Angoff), and
everyone who may rate sees the recommended mark, how far the raters agree, and what the mark would
have done to past attempts. The arithmetic is app.standard's; this module reads and writes.

Ratings are about content, which every cohort shares, so every trainer and manager rates the same
pool and sees every rater's cut score. Past attempts are counted within the actor's report scope
(a trainer: their own cohort; a manager: every cohort).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from app import clock, contentedit, feedback, present, standard
from app.accounts import User, recheck, report_scope, require
from app.bank import Catalogue, editing, forms
from app.bank.schema import Quiz
from app.engine.snapshot import snapshot_of
from app.errors import ResurfaceError
from app.permissions import Action
from app.standard import Impact, NoPassMark, Recommendation
from app.store import audit as audit_store
from app.store import ratings as rating_store
from app.store import reports as report_store
from app.store.db import writing


class InvalidRating(ResurfaceError):
    """A rating is out of range, or of a question the exam cannot draw, or of no such quiz."""


@dataclass(frozen=True)
class Standing:
    """Where standard setting for one quiz stands, as the actor may see it."""

    quiz_id: str
    quiz_title: str
    pass_mark: float  # the mark the quiz has now
    pool: tuple[str, ...]  # the questions the quiz can draw, which the raters rate
    ratings: Mapping[str, Mapping[str, float]]  # rater username -> qid -> rating
    rater_names: Mapping[str, str]  # rater username -> display name
    mine: Mapping[str, float]  # the actor's own ratings
    # The mark from the raters who have rated the whole pool (a rater part-way through counts
    # once they finish), or why there is none yet.
    recommendation: Recommendation | None
    why_none: str | None
    now_impact: tuple[list[Impact], Impact]  # past attempts at the mark the quiz has
    recommended_impact: tuple[list[Impact], Impact] | None


def pool(quiz: Quiz, catalogue: Catalogue) -> tuple[str, ...]:
    """The questions a quiz can draw (a case's questions each), in the order its lines list them."""
    return tuple(
        dict.fromkeys(q for line in forms.pools(quiz, catalogue) for u in line for q in u.qids)
    )


def _quiz(catalogue: Catalogue, quiz_id: str) -> Quiz:
    quiz = catalogue.quizzes.get(quiz_id)
    if quiz is None:
        raise InvalidRating(f"no quiz '{quiz_id}'")
    return quiz


def rate(
    engine: Engine,
    actor: User,
    catalogue: Catalogue,
    quiz_id: str,
    ratings: Mapping[str, float],
    now: datetime | None = None,
) -> None:
    """Record the actor's ratings (0 to 1) of some of a quiz's questions, replacing earlier ones.

    Raises InvalidRating (no such quiz, a question it cannot draw, a rating outside 0 to 1),
    AccountInactive, SessionEnded, Forbidden (trainees).
    """
    quiz = _quiz(catalogue, quiz_id)
    drawn = set(pool(quiz, catalogue))
    for qid, rating in ratings.items():
        if qid not in drawn:
            raise InvalidRating(f"'{quiz.title}' cannot draw question '{qid}'")
        if not 0 <= rating <= 1:
            raise InvalidRating(f"{qid}: a rating is a chance from 0 to 1, not {rating}")
    now = now or clock.now()
    with writing(engine) as conn:
        actor = recheck(conn, actor, now)
        require(actor, Action.RATE_QUESTIONS)
        rating_store.replace(conn, quiz_id, actor.id, ratings, now)
        audit_store.record(conn, now, actor.id, "passmark.rate", quiz_id, questions=len(ratings))


def standing(engine: Engine, actor: User, catalogue: Catalogue, quiz_id: str) -> Standing:
    """The ratings of a quiz's pool, the recommended mark (if every rater has rated every
    question) and the impact on past attempts within the actor's scope.

    Raises Forbidden (trainees), InvalidRating (no such quiz).
    """
    require(actor, Action.RATE_QUESTIONS)
    quiz = _quiz(catalogue, quiz_id)
    questions = pool(quiz, catalogue)
    scope = report_scope(actor)
    with engine.connect() as conn:
        rows = rating_store.of_quiz(conn, quiz_id)
        scores = report_store.scores_at(conn, quiz_id, scope)
    drawn = set(questions)
    ratings: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    for r in rows:
        if r["qid"] in drawn:  # a question since removed from the pool no longer counts
            ratings.setdefault(r["rater"], {})[r["qid"]] = r["rating"]
            names[r["rater"]] = r["rater_name"]
    finished = {r: given for r, given in ratings.items() if len(given) == len(questions)}
    recommendation, why = None, None
    if len(finished) < standard.MIN_RATERS:
        why = (
            f"{len(finished)} rater(s) have rated every question so far; a pass mark needs at "
            f"least {standard.MIN_RATERS}"
        )
    else:
        try:
            recommendation = standard.recommend(finished, questions)
        except NoPassMark as exc:  # a pool with no questions
            why = str(exc)
    return Standing(
        quiz_id=quiz.id,
        quiz_title=quiz.title,
        pass_mark=quiz.pass_mark,
        pool=questions,
        ratings=ratings,
        rater_names=names,
        mine=ratings.get(actor.username, {}),
        recommendation=recommendation,
        why_none=why,
        now_impact=standard.impact(scores, quiz.pass_mark),
        recommended_impact=(
            standard.impact(scores, recommendation.pass_mark) if recommendation else None
        ),
    )


RATING_COLUMNS = ["Question", "Topic", "Difficulty", "Stem", "Right answer", "Raters", "Your %"]


def rating_rows(view: Standing, catalogue: Catalogue) -> list[dict[str, object]]:
    """One row per question of the pool, in pool order, for a rater to judge: the question, its
    right answer in words, how many raters have rated it, and the actor's own estimate as a
    percentage (None: not yet). Columns as RATING_COLUMNS."""
    rows: list[dict[str, object]] = []
    for qid in view.pool:
        entry = catalogue.entries[qid]
        snap = snapshot_of(entry)
        topic = catalogue.topics.get(entry.topic)
        mine = view.mine.get(qid)
        rows.append(
            {
                "Question": qid,
                "Topic": topic.title if topic else entry.topic,
                "Difficulty": entry.question.difficulty,
                "Stem": snap.stem,
                "Right answer": present.SEPARATOR.join(
                    present.answer_lines(snap, feedback.key_of(snap))
                ),
                "Raters": sum(1 for given in view.ratings.values() if qid in given),
                "Your %": None if mine is None else round(mine * 100, 1),
            }
        )
    return rows


def quizzes_version(content: Path) -> str:
    """The digest of quizzes.yaml now: an adoption is made against it (a change meanwhile, by
    anyone, refuses the adoption and says who). Raises EditError."""
    return editing.open_quizzes(content)


def adopt(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    content: Path,
    opened: str,
    quiz_id: str,
    pass_mark: float,
    now: datetime | None = None,
) -> contentedit.Saved:
    """Write ``pass_mark`` (a percentage, at most 2 decimals) as the quiz's pass mark in
    quizzes.yaml, through the editor's checks, lock, atomic write and audit line. Attempts keep
    the mark they started with.

    Raises InvalidRating (no such quiz, a mark outside 0 to 100), Forbidden (all but managers),
    ChangedMeanwhile (quizzes.yaml changed since ``opened``), Refused, EditError.
    """
    quiz = _quiz(catalogue, quiz_id)
    if not 0 <= pass_mark <= 100:
        raise InvalidRating(f"a pass mark is a percentage from 0 to 100, not {pass_mark}")
    mark = round(float(pass_mark), 2)
    return contentedit.set_quiz_value(
        engine,
        actor,
        content,
        opened,
        quiz_id,
        "pass_mark",
        mark,
        Action.ADOPT_PASS_MARK,
        now=now,
        pass_mark=[quiz.pass_mark, mark],
    )
