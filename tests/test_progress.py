"""Where a trainee stands, on a real database: standings, open attempts, history, certifications
and the mistakes they can practise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import attempts, config, feedback, progress, useradmin
from app.accounts import AccountInactive
from app.attempts import AttemptNotFound
from app.bank import load
from app.bank.schema import Certifies, Draw, Quiz
from app.progress import NoMistakes
from conftest import BANK, wrong

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# One question of each type, none in a case; in catalogue order.
DRILL = [
    "recovery-downtime-001",  # matching
    "recovery-downtime-002",  # single
    "recovery-downtime-003",  # true_false
    "recovery-attribution-001",  # multiple
]


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def exam(catalogue) -> Quiz:
    return catalogue.quizzes["certification-exam"]


def drill_quiz(topic: str = "recovery") -> Quiz:
    """A quiz of set questions, in catalogue order, scored all or nothing."""
    return Quiz(
        id="drill",
        title="Drill",
        description="Set questions.",
        mode="practice",
        draw=[Draw(topic=topic, count=1)],
        pass_mark=50,
        shuffle_questions=False,
    )


def answer(engine, user, view, marks, now):
    """Answer an open attempt: ``marks`` is "right", "wrong", or qid -> either (absent: blank)."""
    for state in view.questions:
        snap = state.presented.snapshot
        mark = marks if isinstance(marks, str) else marks.get(snap.qid)
        if mark is not None:
            given = feedback.key_of(snap) if mark == "right" else wrong(snap)
            attempts.save_answer(engine, user, view.id, state.presented.position, given, now=now)


def take(engine, user, quiz, catalogue, marks, at):
    """Start, answer and submit an attempt at ``quiz``; it is submitted 30 minutes after ``at``."""
    view = attempts.start(engine, user, quiz, catalogue, now=at)
    answer(engine, user, view, marks, at + timedelta(minutes=1))
    return attempts.submit(engine, user, view.id, now=at + timedelta(minutes=30))


def drill(engine, user, catalogue, marks: dict[str, str | None], at, quiz=None):
    """Start, answer and submit an attempt of exactly the questions in ``marks``."""
    view = attempts.start_questions(engine, user, quiz or drill_quiz(), list(marks), catalogue, at)
    answer(engine, user, view, marks, at + timedelta(minutes=1))
    return attempts.submit(engine, user, view.id, now=at + timedelta(minutes=2))


def by_quiz(standings):
    return {s.quiz.id: s for s in standings}


# --- standings and open attempts -----------------------------------------------------------------


def test_standings_count_attempts_best_score_pass_and_the_open_attempt(fresh_db, people, catalogue):
    ann, quick = people["ann"], catalogue.quizzes["quick-check"]
    take(fresh_db, ann, quick, catalogue, "right", T0)
    take(fresh_db, ann, quick, catalogue, "wrong", T0 + timedelta(hours=1))
    still_open = attempts.start(fresh_db, ann, quick, catalogue, now=T0 + timedelta(hours=2))
    take(fresh_db, people["bob"], quick, catalogue, "right", T0)  # someone else's

    s = by_quiz(progress.standings(fresh_db, ann, catalogue, now=T0 + timedelta(hours=3)))
    assert list(s) == list(catalogue.quizzes)  # every shipped quiz, in catalogue order
    quick_s = s["quick-check"]
    assert (quick_s.questions, quick_s.attempts_used, quick_s.best_percent, quick_s.passed) == (
        10, 3, 100.0, True,
    )  # fmt: skip
    assert quick_s.open_attempt_id == still_open.id
    assert quick_s.attempts_left is None  # no limit


def test_standings_of_an_untouched_and_a_failed_limited_quiz(fresh_db, people, catalogue, exam):
    ann = people["ann"]
    untouched = by_quiz(progress.standings(fresh_db, ann, catalogue, now=T0))["certification-exam"]
    assert (untouched.questions, untouched.attempts_used, untouched.attempts_left) == (30, 0, 3)
    assert (untouched.best_percent, untouched.passed, untouched.open_attempt_id) == (
        None, None, None,
    )  # fmt: skip

    take(fresh_db, ann, exam, catalogue, "wrong", T0)
    failed = by_quiz(progress.standings(fresh_db, ann, catalogue, now=T0 + timedelta(hours=1)))
    exam_s = failed["certification-exam"]
    assert (exam_s.attempts_used, exam_s.attempts_left, exam_s.best_percent, exam_s.passed) == (
        1, 2, 0.0, False,
    )  # fmt: skip


def test_an_open_attempt_counts_against_the_attempt_limit(fresh_db, people, catalogue, exam):
    attempts.start(fresh_db, people["ann"], exam, catalogue, now=T0)
    s = by_quiz(progress.standings(fresh_db, people["ann"], catalogue, now=T0))
    assert (s["certification-exam"].attempts_used, s["certification-exam"].attempts_left) == (1, 2)


def test_standings_close_an_open_timed_attempt_past_its_deadline(fresh_db, people, catalogue, exam):
    ann = people["ann"]
    view = attempts.start(fresh_db, ann, exam, catalogue, now=T0)
    first = view.questions[0].presented
    attempts.save_answer(
        fresh_db, ann, view.id, 0, feedback.key_of(first.snapshot), now=T0 + timedelta(minutes=1)
    )
    late = T0 + timedelta(minutes=46)
    s = by_quiz(progress.standings(fresh_db, ann, catalogue, now=late))["certification-exam"]
    assert (s.open_attempt_id, s.attempts_used, s.passed) == (None, 1, False)
    assert s.best_percent == pytest.approx(100 / 30)
    [row] = attempts.attempts_of(fresh_db, ann, ann.id)  # summaries: read, never closed here
    assert (row["status"], row["closed_by"], row["submitted_at"]) == (
        "submitted", "deadline", view.deadline,
    )  # fmt: skip


def test_open_attempts_close_expired_ones_and_list_the_rest_newest_first(
    fresh_db, people, catalogue, exam
):
    ann = people["ann"]
    timed = attempts.start(fresh_db, ann, exam, catalogue, now=T0)
    quick = attempts.start(
        fresh_db, ann, catalogue.quizzes["quick-check"], catalogue, now=T0 + timedelta(minutes=1)
    )
    practice = attempts.start(
        fresh_db, ann, catalogue.quizzes["practice-aftercare"], catalogue, T0 + timedelta(minutes=2)
    )
    attempts.start(fresh_db, people["bob"], exam, catalogue, now=T0)  # someone else's

    during = progress.open_attempts(fresh_db, ann, now=T0 + timedelta(minutes=10))
    assert [r["id"] for r in during] == [practice.id, quick.id, timed.id]

    after = progress.open_attempts(fresh_db, ann, now=T0 + timedelta(minutes=46))
    assert [r["id"] for r in after] == [practice.id, quick.id]
    closed = {r["id"]: r for r in attempts.attempts_of(fresh_db, ann, ann.id)}[timed.id]
    assert (closed["status"], closed["closed_by"]) == ("submitted", "deadline")


# --- history -------------------------------------------------------------------------------------


def test_history_lists_submitted_attempts_newest_first(fresh_db, people, catalogue):
    ann, quick = people["ann"], catalogue.quizzes["quick-check"]
    first = take(fresh_db, ann, quick, catalogue, "right", T0)
    second = take(fresh_db, ann, quick, catalogue, "wrong", T0 + timedelta(hours=1))
    attempts.start(fresh_db, ann, quick, catalogue, now=T0 + timedelta(hours=2))
    rows = progress.history(fresh_db, ann, ann.id)
    assert [(r["id"], r["score_percent"]) for r in rows] == [(second.id, 0.0), (first.id, 100.0)]
    assert [r["id"] for r in progress.history(fresh_db, people["tina"], ann.id)] == [
        second.id, first.id,
    ]  # fmt: skip


@pytest.mark.parametrize("viewer", ["bob", "tom"])
def test_history_of_someone_you_may_not_see_is_not_found(fresh_db, people, viewer):
    with pytest.raises(AttemptNotFound):
        progress.history(fresh_db, people[viewer], people["ann"].id)


# --- certifications ------------------------------------------------------------------------------

PASSED = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)  # submitted 30 minutes later


def only_cert(engine, actor, user_id, catalogue, now):
    [cert] = progress.certifications(engine, actor, user_id, catalogue, now=now)
    return cert


def test_without_a_pass_the_certification_is_not_yet_earned(fresh_db, people, catalogue, exam):
    ann = people["ann"]
    cert = only_cert(fresh_db, ann, ann.id, catalogue, T0)
    assert (cert.name, cert.quiz_id, cert.quiz_title) == (
        "Laser resurfacing technician", "certification-exam", exam.title,
    )  # fmt: skip
    assert (cert.status, cert.earned_at, cert.valid_until) == ("never", None, None)
    take(fresh_db, ann, exam, catalogue, "wrong", T0)
    assert only_cert(fresh_db, ann, ann.id, catalogue, T0 + timedelta(hours=1)).status == "never"


def test_a_pass_is_valid_for_twelve_months_then_expired(fresh_db, people, catalogue, exam):
    ann = people["ann"]
    done = take(fresh_db, ann, exam, catalogue, "right", PASSED)
    assert done.passed
    earned = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    until = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)

    # 31 days before the end: current; in the last 30 days: expiring (still certified).
    current = only_cert(fresh_db, ann, ann.id, catalogue, until - timedelta(days=31))
    assert (current.status, current.earned_at, current.valid_until) == ("current", earned, until)
    valid = only_cert(fresh_db, ann, ann.id, catalogue, until - timedelta(seconds=1))
    assert (valid.status, valid.earned_at, valid.valid_until) == ("expiring", earned, until)
    expired = only_cert(fresh_db, ann, ann.id, catalogue, until + timedelta(seconds=1))
    assert (expired.status, expired.earned_at, expired.valid_until) == ("expired", earned, until)


def test_validity_comes_from_the_quiz_as_it_was_when_taken(fresh_db, people, catalogue, exam):
    ann = people["ann"]
    monthly = exam.model_copy(
        update={"certifies": Certifies(name="Laser resurfacing technician", valid_months=1)}
    )
    take(fresh_db, ann, monthly, catalogue, "right", PASSED)
    # The catalogue now says 12 months; the pass was earned under 1 (and February is short).
    cert = only_cert(fresh_db, ann, ann.id, catalogue, datetime(2026, 3, 1, tzinfo=UTC))
    assert (cert.status, cert.valid_until) == ("expired", datetime(2026, 2, 28, 10, 0, tzinfo=UTC))


def test_the_latest_pass_counts_and_a_later_fail_does_not_revoke_it(
    fresh_db, people, catalogue, exam
):
    ann = people["ann"]
    take(fresh_db, ann, exam, catalogue, "right", datetime(2025, 1, 15, 9, 30, tzinfo=UTC))
    take(fresh_db, ann, exam, catalogue, "right", PASSED)
    take(fresh_db, ann, exam, catalogue, "wrong", datetime(2026, 6, 1, 9, 30, tzinfo=UTC))
    cert = only_cert(fresh_db, ann, ann.id, catalogue, datetime(2026, 7, 1, tzinfo=UTC))
    assert (cert.status, cert.valid_until) == ("current", datetime(2027, 1, 31, 10, 0, tzinfo=UTC))


def test_trainer_sees_certifications_of_own_cohort_only(fresh_db, people, catalogue, exam):
    take(fresh_db, people["ann"], exam, catalogue, "right", PASSED)
    seen = only_cert(
        fresh_db, people["tina"], people["ann"].id, catalogue, PASSED + timedelta(days=1)
    )
    assert seen.status == "current"
    with pytest.raises(AttemptNotFound):
        progress.certifications(fresh_db, people["tom"], people["ann"].id, catalogue, now=T0)


# --- recent mistakes -----------------------------------------------------------------------------


def test_wrong_and_blank_answers_are_mistakes_right_ones_are_not(fresh_db, people, catalogue):
    ann = people["ann"]
    marks = dict(zip(DRILL, ["right", "wrong", None, "wrong"], strict=True))
    drill(fresh_db, ann, catalogue, marks, T0)
    assert progress.recent_mistakes(fresh_db, ann, catalogue) == [DRILL[1], DRILL[2], DRILL[3]]
    assert progress.recent_mistakes(fresh_db, people["bob"], catalogue) == []


def test_a_partly_right_answer_is_a_mistake(fresh_db, people, catalogue):
    ann, matching = people["ann"], DRILL[0]
    partial = drill_quiz().model_copy(update={"scoring": "partial"})
    view = attempts.start_questions(fresh_db, ann, partial, [matching], catalogue, T0)
    snap = view.questions[0].presented.snapshot
    one_of_them = [0, *[None] * (len(snap.pairs) - 1)]
    attempts.save_answer(fresh_db, ann, view.id, 0, one_of_them, now=T0)
    done = attempts.submit(fresh_db, ann, view.id, now=T0)
    assert 0 < done.points < 1
    assert progress.recent_mistakes(fresh_db, ann, catalogue) == [matching]


def test_the_latest_verdict_per_question_wins(fresh_db, people, catalogue):
    ann = people["ann"]
    drill(fresh_db, ann, catalogue, {DRILL[0]: "wrong", DRILL[1]: "right"}, T0)
    drill(fresh_db, ann, catalogue, {DRILL[0]: "right", DRILL[1]: "wrong"}, T0 + timedelta(days=1))
    assert progress.recent_mistakes(fresh_db, ann, catalogue) == [DRILL[1]]


def test_mistakes_come_newest_first_and_the_limit_keeps_the_newest(fresh_db, people, catalogue):
    ann = people["ann"]
    drill(fresh_db, ann, catalogue, {DRILL[0]: "wrong"}, T0)
    drill(fresh_db, ann, catalogue, {DRILL[1]: "wrong"}, T0 + timedelta(days=1))
    assert progress.recent_mistakes(fresh_db, ann, catalogue) == [DRILL[1], DRILL[0]]
    assert progress.recent_mistakes(fresh_db, ann, catalogue, limit=1) == [DRILL[1]]


def test_answers_in_an_open_attempt_are_not_mistakes_yet(fresh_db, people, catalogue):
    ann = people["ann"]
    view = attempts.start_questions(fresh_db, ann, drill_quiz(), DRILL, catalogue, now=T0)
    answer(fresh_db, ann, view, "wrong", T0)
    assert progress.recent_mistakes(fresh_db, ann, catalogue) == []


SECOND_QUESTION = """\
  - id: care-sun-002
    type: true_false
    difficulty: 1
    stem: The treated skin is very sensitive to light.
    answer: true
    explanation: The new skin is very sensitive to light and can burn easily.
    sources:
      - {doc: doc1, quote: "the new skin is very sensitive to light"}
    tags: [sun]
"""


def test_only_questions_still_in_the_banks_are_mistakes(fresh_db, people, content):
    ann, bank = people["ann"], content / "quizzes" / "banks" / "care.yaml"
    bank.write_text(BANK + SECOND_QUESTION)
    before = load([content / "quizzes"])
    assert set(before.entries) == {"care-sun-001", "care-sun-002"}
    marks = {"care-sun-001": "wrong", "care-sun-002": "wrong"}
    drill(fresh_db, ann, before, marks, T0, quiz=drill_quiz("care"))

    bank.write_text(BANK)  # care-sun-002 is deleted from the bank
    after = load([content / "quizzes"])
    assert progress.recent_mistakes(fresh_db, ann, after) == ["care-sun-001"]
    view = progress.start_mistakes(fresh_db, ann, after, now=T0 + timedelta(days=1))
    assert [q.presented.snapshot.qid for q in view.questions] == ["care-sun-001"]


# --- practising mistakes -------------------------------------------------------------------------


def test_mistakes_quiz_is_practice_with_immediate_feedback_by_topic(catalogue):
    qids = [DRILL[0], DRILL[1], "aftercare-beach-sun-001"]
    quiz = progress.mistakes_quiz(qids, catalogue)
    assert (quiz.id, quiz.mode, quiz.feedback, quiz.review) == (
        progress.MISTAKES_QUIZ_ID, "practice", "immediate", "full",
    )  # fmt: skip
    assert {d.topic: d.count for d in quiz.draw} == {"recovery": 2, "aftercare": 1}


def test_start_mistakes_asks_exactly_the_mistakes(fresh_db, people, catalogue):
    ann = people["ann"]
    marks = dict(zip(DRILL, ["right", "wrong", None, "wrong"], strict=True))
    drill(fresh_db, ann, catalogue, marks, T0)
    view = progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=1))
    assert view.is_open
    assert (view.quiz.id, view.quiz.feedback) == (progress.MISTAKES_QUIZ_ID, "immediate")
    assert sorted(q.presented.snapshot.qid for q in view.questions) == sorted(DRILL[1:])


def test_start_mistakes_twice_returns_the_same_open_attempt(fresh_db, people, catalogue):
    ann = people["ann"]
    drill(fresh_db, ann, catalogue, {DRILL[0]: "wrong"}, T0)
    first = progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=1))
    drill(fresh_db, ann, catalogue, {DRILL[1]: "wrong"}, T0 + timedelta(hours=2))  # a new mistake
    again = progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=3))
    assert again.id == first.id
    assert [q.presented.snapshot.qid for q in again.questions] == [DRILL[0]]
    assert progress.MISTAKES_QUIZ_ID not in {
        s.quiz.id for s in progress.standings(fresh_db, ann, catalogue, now=T0 + timedelta(hours=3))
    }


def test_no_mistakes_without_any_attempt(fresh_db, people, catalogue):
    with pytest.raises(NoMistakes, match="no mistakes to practise"):
        progress.start_mistakes(fresh_db, people["ann"], catalogue, now=T0)


def test_no_mistakes_when_everything_was_answered_right(fresh_db, people, catalogue):
    ann = people["ann"]
    drill(fresh_db, ann, catalogue, dict.fromkeys(DRILL, "right"), T0)
    with pytest.raises(NoMistakes):
        progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=1))
    assert attempts.open_attempt(fresh_db, ann, progress.MISTAKES_QUIZ_ID, now=T0) is None


def test_putting_mistakes_right_in_practice_clears_them(fresh_db, people, catalogue):
    ann = people["ann"]
    drill(fresh_db, ann, catalogue, {DRILL[1]: "wrong", DRILL[3]: "wrong"}, T0)
    view = progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=1))
    answer(fresh_db, ann, view, "right", T0 + timedelta(hours=1))
    done = attempts.submit(fresh_db, ann, view.id, now=T0 + timedelta(hours=1, minutes=5))
    assert (done.score_percent, done.passed) == (100.0, True)
    with pytest.raises(NoMistakes):
        progress.start_mistakes(fresh_db, ann, catalogue, now=T0 + timedelta(hours=2))


def test_a_trainers_view_of_history_closes_an_attempt_past_its_deadline(
    fresh_db, people, catalogue, exam
):
    ann = people["ann"]
    view = attempts.start(fresh_db, ann, exam, catalogue, now=T0)
    late = T0 + timedelta(minutes=46)
    [row] = progress.history(fresh_db, people["tina"], ann.id, now=late)
    assert (row["id"], row["closed_by"], row["submitted_at"]) == (
        view.id,
        "deadline",
        view.deadline,
    )


def test_a_deactivated_trainee_cannot_start_practising_mistakes(fresh_db, people, catalogue):
    ann = people["ann"]
    useradmin.set_active(fresh_db, people["boss"], "ann", False)
    with pytest.raises(AccountInactive):
        progress.start_mistakes(fresh_db, ann, catalogue, now=T0)
