"""The attempt lifecycle on a real database: start, save, flag, submit, deadlines, permissions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app import attempts, clock, config, feedback, useradmin
from app.accounts import Forbidden
from app.attempts import (
    AnswerFinal,
    AttemptClosed,
    AttemptNotFound,
    NoAttemptsLeft,
    NoSuchQuestion,
)
from app.bank import load
from app.bank.schema import Draw, Quiz
from app.engine import InvalidAnswer
from app.store import audit as audit_store
from conftest import BANK


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def exam(catalogue) -> Quiz:
    return catalogue.quizzes["certification-exam"]


def right_answer(presented):
    """The correct answer to a presented question, in canonical indices."""
    return feedback.key_of(presented.snapshot)


def wrong_answer(presented):
    snap = presented.snapshot
    if snap.type == "single":
        return next(i for i, o in enumerate(snap.options) if not o.correct)
    if snap.type == "multiple":
        return [next(i for i, o in enumerate(snap.options) if not o.correct)]
    if snap.type == "true_false":
        return not snap.answer
    return [None] * len(snap.pairs)


def test_start_twice_resumes_the_same_attempt(fresh_db, people, exam, catalogue):
    first = attempts.start(fresh_db, people["ann"], exam, catalogue)
    again = attempts.start(fresh_db, people["ann"], exam, catalogue)
    assert again.id == first.id
    assert len(first.questions) == 30
    assert first.deadline == first.started_at + timedelta(minutes=45)
    assert [q.presented.snapshot.qid for q in again.questions] == [
        q.presented.snapshot.qid for q in first.questions
    ]


def test_max_attempts_is_enforced(fresh_db, people, exam, catalogue):
    for _ in range(3):
        view = attempts.start(fresh_db, people["ann"], exam, catalogue)
        attempts.submit(fresh_db, people["ann"], view.id)
    with pytest.raises(NoAttemptsLeft, match="allows 3 attempts"):
        attempts.start(fresh_db, people["ann"], exam, catalogue)
    assert attempts.start(fresh_db, people["bob"], exam, catalogue).is_open  # others are unaffected


def test_answers_are_saved_and_replaced_not_duplicated(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    first = view.questions[0].presented
    attempts.save_answer(fresh_db, people["ann"], view.id, 0, wrong_answer(first))
    attempts.save_answer(fresh_db, people["ann"], view.id, 0, right_answer(first))
    again = attempts.get(fresh_db, people["ann"], view.id)
    answered = [q for q in again.questions if q.answered_at is not None]
    assert len(answered) == 1
    assert (
        answered[0].answer == right_answer(first)
        if first.snapshot.type != "multiple"
        else sorted(right_answer(first))
    )


def test_malformed_answers_are_refused_and_nothing_is_saved(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    with pytest.raises(InvalidAnswer):
        attempts.save_answer(fresh_db, people["ann"], view.id, 0, {"not": "an answer"})
    with pytest.raises(NoSuchQuestion):
        attempts.save_answer(fresh_db, people["ann"], view.id, 99, 0)
    assert all(
        q.answered_at is None for q in attempts.get(fresh_db, people["ann"], view.id).questions
    )


def test_full_marks_pass_and_score_by_topic(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    for q in view.questions:
        attempts.save_answer(
            fresh_db, people["ann"], view.id, q.presented.position, right_answer(q.presented)
        )
    done = attempts.submit(fresh_db, people["ann"], view.id)
    assert (done.status, done.closed_by, done.points, done.max_points, done.score_percent, done.passed) == (
        "submitted", "user", 30.0, 30, 100.0, True,
    )  # fmt: skip
    assert sum(max_points for _, max_points in done.by_topic.values()) == 30
    assert all(q.points == 1.0 for q in done.questions)


def test_unanswered_exam_scores_zero_and_fails(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    attempts.save_answer(
        fresh_db, people["ann"], view.id, 0, right_answer(view.questions[0].presented)
    )
    done = attempts.submit(fresh_db, people["ann"], view.id)
    assert (done.points, done.passed) == (1.0, False)


def test_no_answers_after_submit_and_double_submit_counts_once(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    first = attempts.submit(fresh_db, people["ann"], view.id)
    second = attempts.submit(fresh_db, people["ann"], view.id)
    assert first.submitted_at == second.submitted_at
    with pytest.raises(AttemptClosed):
        attempts.save_answer(fresh_db, people["ann"], view.id, 0, 0)
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "attempt.submit")) == 1


def test_double_submit_from_two_threads_records_one_result(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    attempts.save_answer(
        fresh_db, people["ann"], view.id, 0, right_answer(view.questions[0].presented)
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def go():
        barrier.wait()
        try:
            results.append(attempts.submit(fresh_db, people["ann"], view.id))
        except Exception as exc:  # collected, then asserted empty
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results[0].submitted_at == results[1].submitted_at
    assert results[0].points == results[1].points == 1.0
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "attempt.submit")) == 1


def test_deadline_closes_with_answers_saved_before_it(fresh_db, people, exam, catalogue):
    start = clock.now()
    view = attempts.start(fresh_db, people["ann"], exam, catalogue, now=start)
    p0, p1 = view.questions[0].presented, view.questions[1].presented
    attempts.save_answer(
        fresh_db, people["ann"], view.id, 0, right_answer(p0), now=start + timedelta(minutes=44)
    )
    late = view.deadline + timedelta(seconds=1)
    with pytest.raises(AttemptClosed, match="time is up"):
        attempts.save_answer(fresh_db, people["ann"], view.id, 1, right_answer(p1), now=late)
    done = attempts.get(fresh_db, people["ann"], view.id, now=late)
    assert (done.status, done.closed_by, done.submitted_at, done.points) == (
        "submitted",
        "deadline",
        view.deadline,
        1.0,
    )


def test_deadline_passing_while_offline_closes_on_next_look(fresh_db, people, exam, catalogue):
    start = clock.now()
    view = attempts.start(fresh_db, people["ann"], exam, catalogue, now=start)
    attempts.save_answer(
        fresh_db, people["ann"], view.id, 0, right_answer(view.questions[0].presented), now=start
    )
    later = start + timedelta(hours=3)
    assert attempts.open_attempt(fresh_db, people["ann"], exam.id, now=later) is None
    done = attempts.get(fresh_db, people["ann"], view.id, now=later)
    assert (done.closed_by, done.points) == ("deadline", 1.0)
    fresh = attempts.start(fresh_db, people["ann"], exam, catalogue, now=later)
    assert fresh.id != view.id


def test_flags_are_kept(fresh_db, people, exam, catalogue):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    attempts.set_flag(fresh_db, people["ann"], view.id, 3, True)
    assert [q.flagged for q in attempts.get(fresh_db, people["ann"], view.id).questions].index(
        True
    ) == 3


@pytest.mark.parametrize(
    ("viewer", "allowed"),
    [("ann", True), ("bob", False), ("cat", False), ("tina", True), ("tom", False), ("boss", True)],
)
def test_who_may_read_an_attempt(fresh_db, people, exam, catalogue, viewer, allowed):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    if allowed:
        assert attempts.get(fresh_db, people[viewer], view.id).id == view.id
        assert [
            a["id"] for a in attempts.attempts_of(fresh_db, people[viewer], people["ann"].id)
        ] == [view.id]
    else:
        with pytest.raises(AttemptNotFound):
            attempts.get(fresh_db, people[viewer], view.id)
        with pytest.raises(AttemptNotFound):
            attempts.attempts_of(fresh_db, people[viewer], people["ann"].id)


@pytest.mark.parametrize("actor", ["bob", "tina", "boss"])
def test_only_the_owner_answers_flags_or_submits(fresh_db, people, exam, catalogue, actor):
    view = attempts.start(fresh_db, people["ann"], exam, catalogue)
    with pytest.raises(AttemptNotFound):
        attempts.save_answer(fresh_db, people[actor], view.id, 0, 0)
    with pytest.raises(AttemptNotFound):
        attempts.set_flag(fresh_db, people[actor], view.id, 0, True)
    with pytest.raises(AttemptNotFound):
        attempts.submit(fresh_db, people[actor], view.id)


def test_deactivated_user_cannot_start(fresh_db, people, exam, catalogue):
    inactive = useradmin.set_active(fresh_db, people["boss"], "ann", False)
    with pytest.raises(Forbidden):
        attempts.start(fresh_db, inactive, exam, catalogue)


def test_bank_edited_after_an_attempt_keeps_the_old_question(fresh_db, people, content):
    quizzes = content / "quizzes"
    (quizzes / "quizzes.yaml").write_text(
        "quizzes:\n  - {id: q, title: Q, description: D, mode: exam, pass_mark: 100,"
        " draw: [{topic: care, count: 1}], shuffle_options: false}\n"
    )
    before = load([quizzes])
    view = attempts.start(fresh_db, people["ann"], before.quizzes["q"], before)
    attempts.save_answer(fresh_db, people["ann"], view.id, 0, 0)  # option 0 is the key as shown
    edited = BANK.replace(
        "{text: Sun on the skin, correct: true}", "{text: Sunbathing, correct: false}"
    )
    edited = edited.replace("{text: Cold water}", "{text: Cold water, correct: true}")
    (quizzes / "banks" / "care.yaml").write_text(edited)
    assert (
        load([quizzes]).entries["care-sun-001"].question.options[1].correct
    )  # the bank really changed
    done = attempts.submit(fresh_db, people["ann"], view.id)
    shown = done.questions[0].presented.snapshot
    assert shown.options[0].text == "Sun on the skin"
    assert (done.points, done.passed) == (1.0, True)


# --- attempts of set questions, and answers that are final -------------------------------------


def set_questions(feedback_when: str = "on_submit") -> Quiz:
    """A quiz whose attempts are made of given questions, in catalogue order."""
    return Quiz(
        id="set",
        title="Set questions",
        description="Given questions.",
        mode="practice",
        draw=[Draw(topic="recovery", count=1)],
        pass_mark=50,
        shuffle_questions=False,
        feedback=feedback_when,
    )


def test_start_questions_asks_exactly_the_given_questions_once_each(fresh_db, people, catalogue):
    qids = ["recovery-downtime-003", "recovery-downtime-001", "recovery-downtime-003"]
    view = attempts.start_questions(fresh_db, people["ann"], set_questions(), qids, catalogue)
    assert [q.presented.snapshot.qid for q in view.questions] == [
        "recovery-downtime-001",
        "recovery-downtime-003",
    ]
    assert (view.quiz.id, view.deadline) == ("set", None)


def test_start_questions_with_an_unknown_question_stores_nothing(fresh_db, people, catalogue):
    ann = people["ann"]
    with pytest.raises(KeyError, match="no-such-question"):
        attempts.start_questions(
            fresh_db, ann, set_questions(), ["recovery-downtime-001", "no-such-question"], catalogue
        )
    assert attempts.attempts_of(fresh_db, ann, ann.id) == []


def test_start_questions_resumes_the_open_attempt_whatever_is_asked(fresh_db, people, catalogue):
    ann = people["ann"]
    first = attempts.start_questions(
        fresh_db, ann, set_questions(), ["recovery-downtime-001"], catalogue
    )
    again = attempts.start_questions(
        fresh_db, ann, set_questions(), ["recovery-downtime-002", "unknown"], catalogue
    )
    assert again.id == first.id
    assert [q.presented.snapshot.qid for q in again.questions] == ["recovery-downtime-001"]


def test_start_resumes_the_open_attempt_without_drawing_again(
    fresh_db, people, exam, catalogue, content
):
    first = attempts.start(fresh_db, people["ann"], exam, catalogue)
    too_small = load([content / "quizzes"])  # one question: the exam could not be drawn from it
    with pytest.raises(ValueError, match="cannot be drawn"):
        attempts.start(fresh_db, people["bob"], exam, too_small)
    assert attempts.start(fresh_db, people["ann"], exam, too_small).id == first.id


def test_with_immediate_feedback_a_saved_answer_is_final(fresh_db, people, catalogue):
    ann, qids = people["ann"], ["recovery-downtime-002", "recovery-downtime-003"]
    view = attempts.start_questions(fresh_db, ann, set_questions("immediate"), qids, catalogue)
    snap = view.questions[0].presented.snapshot
    attempts.save_answer(fresh_db, ann, view.id, 0, wrong_answer(view.questions[0].presented))
    with pytest.raises(AnswerFinal):
        attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(snap))
    attempts.set_flag(fresh_db, ann, view.id, 0, True)  # flags are not answers
    attempts.save_answer(
        fresh_db, ann, view.id, 1, feedback.key_of(view.questions[1].presented.snapshot)
    )
    done = attempts.submit(fresh_db, ann, view.id)
    assert [q.points for q in done.questions] == [0.0, 1.0]
    assert done.questions[0].flagged


def test_with_feedback_on_submit_an_answer_can_be_changed(fresh_db, people, catalogue):
    ann = people["ann"]
    view = attempts.start_questions(
        fresh_db, ann, set_questions(), ["recovery-downtime-002"], catalogue
    )
    presented = view.questions[0].presented
    attempts.save_answer(fresh_db, ann, view.id, 0, wrong_answer(presented))
    attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(presented.snapshot))
    assert attempts.submit(fresh_db, ann, view.id).points == 1.0


def test_with_immediate_feedback_a_blank_check_is_refused_and_reveals_nothing(
    fresh_db, people, catalogue
):
    ann = people["ann"]
    view = attempts.start_questions(
        fresh_db, ann, set_questions("immediate"), ["recovery-attribution-001"], catalogue
    )
    with pytest.raises(InvalidAnswer):
        attempts.save_answer(fresh_db, ann, view.id, 0, [])  # "Check answer" with nothing ticked
    again = attempts.get(fresh_db, ann, view.id)
    assert again.questions[0].answered_at is None
    assert feedback.immediate(again, 0) is None
    key = feedback.key_of(view.questions[0].presented.snapshot)
    attempts.save_answer(fresh_db, ann, view.id, 0, key)  # the real answer is still taken
    assert feedback.immediate(attempts.get(fresh_db, ann, view.id), 0).correct
