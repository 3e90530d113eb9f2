"""What a trainee is shown about right and wrong, and when, on attempts in a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import attempts, config, feedback
from app.bank import load
from app.bank.schema import Draw, Quiz
from app.engine import normalize_answer, score_question, snapshot_of
from conftest import wrong

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def practice_set(scoring: str = "partial") -> Quiz:
    """A practice quiz with immediate feedback, for attempts of set questions."""
    return Quiz(
        id="practice-set",
        title="Practice set",
        description="Set questions with feedback after each answer.",
        mode="practice",
        draw=[Draw(topic="recovery", count=1)],
        pass_mark=70,
        feedback="immediate",
        scoring=scoring,
    )


def one_of_each_type(catalogue) -> list[str]:
    first = {}
    for qid, entry in catalogue.entries.items():
        if entry.case is None:
            first.setdefault(entry.question.type, qid)
    return list(first.values())


@pytest.mark.parametrize("scoring", ["all_or_nothing", "partial"])
def test_key_of_is_canonical_and_scores_full_marks_for_every_shipped_question(catalogue, scoring):
    for entry in catalogue.entries.values():
        snap = snapshot_of(entry)
        key = feedback.key_of(snap)
        assert normalize_answer(snap, key) == key, snap.qid
        assert score_question(snap, key, scoring) == 1, snap.qid
        assert score_question(snap, wrong(snap), scoring) == 0, snap.qid


# --- immediate feedback --------------------------------------------------------------------------


def test_immediate_verdict_shows_only_once_a_question_is_answered(fresh_db, people, catalogue):
    ann, qids = people["ann"], one_of_each_type(catalogue)
    view = attempts.start_questions(fresh_db, ann, practice_set(), qids, catalogue, now=T0)
    assert all(feedback.immediate(view, p) is None for p in range(len(qids)))

    right_at, wrong_at = view.questions[0].presented, view.questions[1].presented
    attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(right_at.snapshot), now=T0)
    attempts.save_answer(fresh_db, ann, view.id, 1, wrong(wrong_at.snapshot), now=T0)
    view = attempts.get(fresh_db, ann, view.id, now=T0)

    good = feedback.immediate(view, 0)
    assert (good.position, good.snapshot, good.points, good.correct, good.answered) == (
        0, right_at.snapshot, 1.0, True, True,
    )  # fmt: skip
    assert good.answer == good.key == feedback.key_of(right_at.snapshot)
    bad = feedback.immediate(view, 1)
    assert (bad.points, bad.correct, bad.answered) == (0.0, False, True)
    assert bad.answer == normalize_answer(wrong_at.snapshot, wrong(wrong_at.snapshot))
    assert bad.key == feedback.key_of(wrong_at.snapshot)
    assert all(feedback.immediate(view, p) is None for p in range(2, len(qids)))


def several_correct(catalogue) -> str:
    return next(
        qid
        for qid, e in catalogue.entries.items()
        if e.question.type == "multiple" and sum(o.correct for o in e.question.options) >= 2
    )


@pytest.mark.parametrize(("scoring", "share"), [("partial", 1), ("all_or_nothing", 0)])
def test_a_partly_right_answer_is_not_correct_and_scores_as_the_quiz_says(
    fresh_db, people, catalogue, scoring, share
):
    ann, qid = people["ann"], several_correct(catalogue)
    view = attempts.start_questions(fresh_db, ann, practice_set(scoring), [qid], catalogue, now=T0)
    key = feedback.key_of(view.questions[0].presented.snapshot)
    attempts.save_answer(fresh_db, ann, view.id, 0, key[:1], now=T0)
    verdict = feedback.immediate(attempts.get(fresh_db, ann, view.id, now=T0), 0)
    assert verdict.points == pytest.approx(share / len(key))
    assert not verdict.correct


def test_no_immediate_verdict_in_a_quiz_that_gives_feedback_on_submit(fresh_db, people, catalogue):
    ann, quick = people["ann"], catalogue.quizzes["quick-check"]
    view = attempts.start(fresh_db, ann, quick, catalogue, now=T0, seed=42)
    snap = view.questions[0].presented.snapshot
    attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(snap), now=T0)
    assert feedback.immediate(attempts.get(fresh_db, ann, view.id, now=T0), 0) is None


# --- review after the attempt --------------------------------------------------------------------


def answer_some(engine, user, view, now):
    """Positions 0, 3, 6, ... right; 1, 4, 7, ... wrong; the rest left blank."""
    for state in view.questions:
        snap, position = state.presented.snapshot, state.presented.position
        if position % 3 == 2:
            continue
        given = feedback.key_of(snap) if position % 3 == 0 else wrong(snap)
        attempts.save_answer(engine, user, view.id, position, given, now=now)


def taken(engine, user, quiz, catalogue, submit=True):
    view = attempts.start(engine, user, quiz, catalogue, now=T0, seed=42)
    answer_some(engine, user, view, T0 + timedelta(minutes=1))
    if submit:
        return attempts.submit(engine, user, view.id, now=T0 + timedelta(minutes=10))
    return attempts.get(engine, user, view.id, now=T0 + timedelta(minutes=10))


def test_review_shows_nothing_while_the_attempt_is_open(fresh_db, people, catalogue):
    quick = catalogue.quizzes["quick-check"]
    assert quick.review == "full"
    view = taken(fresh_db, people["ann"], quick, catalogue, submit=False)
    assert view.is_open
    assert feedback.review(view) == []


def test_review_full_shows_every_question_with_its_key(fresh_db, people, catalogue):
    quick = catalogue.quizzes["quick-check"]
    done = taken(fresh_db, people["ann"], quick, catalogue)
    shown = feedback.review(done)
    assert [v.position for v in shown] == list(range(10))
    assert [v.correct for v in shown] == [p % 3 == 0 for p in range(10)]
    assert [v.answered for v in shown] == [p % 3 != 2 for p in range(10)]
    assert [v.points for v in shown] == [q.points or 0.0 for q in done.questions]
    assert sum(v.points for v in shown) == done.points == 4.0
    assert all(v.key == feedback.key_of(v.snapshot) for v in shown)


def test_review_mistakes_shows_only_wrong_and_blank_answers(fresh_db, people, catalogue):
    exam = catalogue.quizzes["certification-exam"]
    assert exam.review == "mistakes"
    done = taken(fresh_db, people["ann"], exam, catalogue)
    shown = feedback.review(done)
    assert [v.position for v in shown] == [p for p in range(30) if p % 3 != 0]
    assert not any(v.correct for v in shown)
    assert [v.answered for v in shown] == [p % 3 == 1 for p in range(30) if p % 3 != 0]


def test_review_score_only_shows_no_question(fresh_db, people, catalogue):
    secretive = catalogue.quizzes["quick-check"].model_copy(update={"review": "score_only"})
    done = taken(fresh_db, people["ann"], secretive, catalogue)
    assert (done.is_open, done.points) == (False, 4.0)
    assert feedback.review(done) == []


def test_review_after_the_deadline_judges_the_answers_saved_in_time(fresh_db, people, catalogue):
    ann, exam = people["ann"], catalogue.quizzes["certification-exam"]
    view = attempts.start(fresh_db, ann, exam, catalogue, now=T0, seed=42)
    answer_some(fresh_db, ann, view, T0 + timedelta(minutes=44))
    closed = attempts.get(fresh_db, ann, view.id, now=T0 + timedelta(hours=2))
    assert (closed.closed_by, closed.points) == ("deadline", 10.0)
    assert len(feedback.review(closed)) == 20
