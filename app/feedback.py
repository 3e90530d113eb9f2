"""What a trainee may be shown about right and wrong answers, and when: the quiz decides.

Practice quizzes with ``feedback: immediate`` reveal each verdict as soon as the answer is saved;
everything else reveals nothing until the attempt is closed, and then only what ``review`` allows.
A secure (exam-only) question's key, explanation and sources stay hidden unless the attempt
passed: a trainee who failed retakes from the same secure pool, so its keys must not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.attempts import AttemptView, QuestionState
from app.engine import Snapshot, score_question
from app.present import is_correct


@dataclass(frozen=True)
class Verdict:
    """How one answer went, with the key and the reasons."""

    position: int
    snapshot: Snapshot
    answer: Any
    points: float
    key: Any  # canonical form, as answers are; None when withheld
    withheld: bool = False  # a secure question of an attempt that did not pass

    @property
    def correct(self) -> bool:
        return is_correct(self.points)

    @property
    def answered(self) -> bool:
        return self.answer is not None


def key_of(snap: Snapshot) -> Any:
    """The right answer in canonical form (see app.engine)."""
    if snap.type == "single":
        return next(i for i, o in enumerate(snap.options) if o.correct)
    if snap.type == "multiple":
        return [i for i, o in enumerate(snap.options) if o.correct]
    if snap.type == "true_false":
        return snap.answer
    return list(range(len(snap.pairs)))


def _verdict(view: AttemptView, state: QuestionState) -> Verdict:
    snap = state.presented.snapshot
    points = (
        state.points
        if state.points is not None
        else float(score_question(snap, state.answer, view.quiz.scoring))
    )
    return Verdict(state.presented.position, snap, state.answer, points, key_of(snap))


def immediate(view: AttemptView, position: int) -> Verdict | None:
    """The verdict on an answered question of an immediate-feedback attempt, else None."""
    if view.quiz.feedback != "immediate":
        return None
    state = view.questions[position]
    if state.answered_at is None:
        return None
    return _verdict(view, state)


def review(view: AttemptView) -> list[Verdict]:
    """The questions a closed attempt's review shows: none, the mistakes, or all (``review``)."""
    if view.is_open or view.quiz.review == "score_only":
        return []
    verdicts = [_withhold(view, _verdict(view, state)) for state in view.questions]
    if view.quiz.review == "mistakes":
        return [v for v in verdicts if not v.correct]
    return verdicts


def _withhold(view: AttemptView, verdict: Verdict) -> Verdict:
    if not verdict.snapshot.secure or view.passed:
        return verdict
    return replace(verdict, key=None, withheld=True)
