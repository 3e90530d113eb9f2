"""Fair exam arrangements on a real database: exam windows, accommodations, the start terms."""

from __future__ import annotations

import csv
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import (
    accommodations,
    accounts,
    attempts,
    config,
    examwindows,
    exports,
    feedback,
    progress,
    startterms,
    useradmin,
)
from app.accommodations import BadAccommodation
from app.accounts import AccountInactive, Forbidden, NotFound
from app.attempts import AttemptClosed, NoAttemptsLeft
from app.bank import load
from app.examwindows import BadWindow, QuizNotOpen
from app.store import audit as audit_store
from app.store.tables import accommodations as accommodation_table
from app.store.tables import attempts as attempt_table
from conftest import PW, clock_at

JAN = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def exam(catalogue):
    return catalogue.quizzes["certification-exam"]  # 45 minutes, 3 attempts


def audit_actions(engine, prefix):
    """The audit log's lines whose action starts with ``prefix``, oldest first."""
    with engine.connect() as conn:
        return [e for e in audit_store.lines(conn) if e["action"].startswith(prefix)]


# --- windows --------------------------------------------------------------------------------


def test_a_window_refuses_a_start_before_it_opens_and_after_it_closes(fresh_db, people, exam,
                                                                      catalogue):  # fmt: skip
    examwindows.set_window(fresh_db, None, catalogue, exam.id, None, JAN, JAN + timedelta(days=7))
    ann = people["ann"]
    with clock_at(JAN - timedelta(minutes=1)), pytest.raises(QuizNotOpen, match="opens on 10 Jan"):
        attempts.start(fresh_db, ann, exam, catalogue)
    with clock_at(JAN + timedelta(days=7)), pytest.raises(QuizNotOpen, match="closed on 17 Jan"):
        attempts.start(fresh_db, ann, exam, catalogue)
    with fresh_db.connect() as conn:
        assert conn.execute(select(attempt_table.c.id)).all() == [], "nothing was created"
    with clock_at(JAN):
        assert attempts.start(fresh_db, ann, exam, catalogue).is_open


def test_a_cohorts_own_window_beats_the_window_for_everyone(fresh_db, people, exam, catalogue):
    week = timedelta(days=7)
    examwindows.set_window(fresh_db, None, catalogue, exam.id, None, JAN, JAN + week)
    examwindows.set_window(fresh_db, people["boss"], catalogue, exam.id, "south", JAN + week, None)
    with clock_at(JAN + timedelta(days=1)):
        assert attempts.start(fresh_db, people["ann"], exam, catalogue).is_open  # north: everyone's
        with pytest.raises(QuizNotOpen, match="opens on 17 Jan 2027 at 09:00"):
            attempts.start(fresh_db, people["cat"], exam, catalogue)  # south: its own
    with clock_at(JAN + timedelta(days=30)):
        assert attempts.start(fresh_db, people["cat"], exam, catalogue).is_open  # no close
        with pytest.raises(QuizNotOpen, match="closed"):
            attempts.start(fresh_db, people["bob"], exam, catalogue)
    # Cleared, the cohort falls back to the window for everyone (closed by then).
    assert examwindows.clear_window(fresh_db, people["boss"], exam.id, "south")
    assert not examwindows.clear_window(fresh_db, people["boss"], exam.id, "south")
    with clock_at(JAN + timedelta(days=30)):
        terms = startterms.terms(fresh_db, people["cat"], exam)
    assert (
        terms.refusal == "'Laser resurfacing certification exam' closed on 17 Jan 2027 at 09:00 UTC"
    )


def test_an_attempt_begun_inside_the_window_may_be_finished_after_it_closes(fresh_db, people,
                                                                            exam, catalogue):  # fmt: skip
    closes = JAN + timedelta(hours=8)
    examwindows.set_window(fresh_db, None, catalogue, exam.id, None, JAN, closes)
    ann = people["ann"]
    view = attempts.start(fresh_db, ann, exam, catalogue, now=closes - timedelta(minutes=10))
    first = view.questions[0].presented
    after = closes + timedelta(minutes=20)  # window closed, 30 of the 45 minutes used
    attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(first.snapshot), now=after)
    assert attempts.start(fresh_db, ann, exam, catalogue, now=after).id == view.id  # resumes
    done = attempts.submit(fresh_db, ann, view.id, now=after)
    assert done.status == "submitted"
    assert done.points == 1


def test_window_changes_are_checked_refused_for_trainers_and_audited(fresh_db, people, exam,
                                                                     catalogue):  # fmt: skip
    with pytest.raises(BadWindow, match="before it opens"):
        examwindows.set_window(fresh_db, None, catalogue, exam.id, None, JAN, JAN)
    with pytest.raises(BadWindow, match="no quiz 'nope'"):
        examwindows.set_window(fresh_db, None, catalogue, "nope", None, JAN, None)
    with pytest.raises(BadWindow, match="give when"):
        examwindows.set_window(fresh_db, None, catalogue, exam.id, None, None, None)
    with pytest.raises(Forbidden, match="only managers"):
        examwindows.set_window(fresh_db, people["tina"], catalogue, exam.id, "north", JAN, None)
    examwindows.set_window(fresh_db, people["boss"], catalogue, exam.id, "north", JAN, None)
    [entry] = audit_actions(fresh_db, "window.")
    assert entry["action"] == "window.set"
    assert entry["target"] == exam.id
    assert entry["detail"]["cohort"] == "north"
    assert entry["detail"]["after"] == ["2027-01-10T09:00:00Z", None]
    other = accounts.create_user(fresh_db, None, "max", PW, "manager", None)
    useradmin.set_active(fresh_db, None, "max", False)
    with pytest.raises(AccountInactive):
        examwindows.clear_window(fresh_db, other, exam.id, "north")
    assert examwindows.clear_window(fresh_db, None, exam.id, "north")  # the console may


def test_two_managers_saving_the_same_new_window_at_once_both_succeed(
    fresh_db, people, exam, catalogue
):
    second = accounts.create_user(fresh_db, people["boss"], "max", PW, "manager", None)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def save(who, days):
        barrier.wait()
        try:
            examwindows.set_window(
                fresh_db, who, catalogue, exam.id, "north", JAN, JAN + timedelta(days=days)
            )
        except Exception as exc:  # collected and asserted empty below
            errors.append(exc)

    for _ in range(5):  # each round a window that does not exist yet
        threads = [
            threading.Thread(target=save, args=(who, days))
            for who, days in ((people["boss"], 7), (second, 14))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        [window] = [w for w in examwindows.windows(fresh_db, None) if w.cohort == "north"]
        assert window.closes_at in (JAN + timedelta(days=7), JAN + timedelta(days=14))
        examwindows.clear_window(fresh_db, None, exam.id, "north")


# --- accommodations ---------------------------------------------------------------------------


def test_extra_time_extends_the_deadline_and_the_server_enforces_it(fresh_db, people, exam,
                                                                    catalogue):  # fmt: skip
    ann = people["ann"]
    accommodations.set_accommodation(
        fresh_db, people["tina"], ann.id, extra_minutes=15, reason="dyslexia assessment"
    )
    view = attempts.start(fresh_db, ann, exam, catalogue, now=JAN)
    assert view.deadline == JAN + timedelta(minutes=45 + 15)
    snaps = [q.presented.snapshot for q in view.questions]
    # After the quiz's own 45 minutes but inside the extra 15: saved, and scored.
    late = JAN + timedelta(minutes=50)
    attempts.save_answer(fresh_db, ann, view.id, 0, feedback.key_of(snaps[0]), now=late)
    # After the extended deadline: refused, and the attempt closes with what was saved in time.
    with pytest.raises(AttemptClosed, match="time is up"):
        attempts.save_answer(
            fresh_db, ann, view.id, 1, feedback.key_of(snaps[1]), now=JAN + timedelta(minutes=61)
        )
    done = attempts.get(fresh_db, ann, view.id)
    assert (done.status, done.closed_by, done.points) == ("submitted", "deadline", 1)
    with fresh_db.connect() as conn:
        row = conn.execute(select(attempt_table).where(attempt_table.c.id == view.id)).one()
    assert (row.extra_minutes, row.extra_attempts) == (15, None)


def test_a_time_factor_rounds_up_to_a_whole_minute_and_adds_minutes(fresh_db, people, exam,
                                                                    catalogue):  # fmt: skip
    accommodations.set_accommodation(
        fresh_db, None, people["bob"].id, time_factor=1.5, extra_minutes=2, reason="agreed plan"
    )
    view = attempts.start(fresh_db, people["bob"], exam, catalogue, now=JAN)
    assert view.deadline == JAN + timedelta(minutes=68 + 2)  # 45 * 1.5 = 67.5, rounded up
    practice = catalogue.quizzes["practice-aftercare"]
    assert attempts.start(fresh_db, people["bob"], practice, catalogue).deadline is None


def test_extra_attempts_allow_exactly_that_many_more(fresh_db, people, exam, catalogue):
    ann = people["ann"]
    accommodations.set_accommodation(
        fresh_db, people["boss"], ann.id, extra_attempts=2, reason="illness during attempt 1"
    )
    for n in range(1, 6):
        terms = startterms.terms(fresh_db, ann, exam)
        assert (terms.attempt_number, terms.attempt_limit, terms.refusal) == (n, 5, None)
        attempts.submit(fresh_db, ann, attempts.start(fresh_db, ann, exam, catalogue).id)
    with pytest.raises(NoAttemptsLeft, match="allows 5 attempts"):
        attempts.start(fresh_db, ann, exam, catalogue)
    assert "allows 5 attempts" in str(startterms.terms(fresh_db, ann, exam).refusal)
    [standing] = [s for s in progress.standings(fresh_db, ann, catalogue) if s.quiz.id == exam.id]
    assert (standing.attempt_limit, standing.attempts_left) == (5, 0)
    # Taken away again, the quiz's own 3 hold: still none left.
    accommodations.set_accommodation(fresh_db, people["boss"], ann.id, reason="plan ended")
    with pytest.raises(NoAttemptsLeft, match="allows 3 attempts"):
        attempts.start(fresh_db, ann, exam, catalogue)


def test_who_may_set_an_accommodation(fresh_db, people):
    ann, cat = people["ann"], people["cat"]
    with pytest.raises(NotFound):  # another cohort's trainer: not even told the trainee exists
        accommodations.set_accommodation(
            fresh_db, people["tom"], ann.id, extra_minutes=10, reason="x"
        )
    with pytest.raises(NotFound):  # a trainee, even for themselves; others are not seen
        accommodations.set_accommodation(fresh_db, ann, cat.id, extra_minutes=10, reason="x")
    with pytest.raises(Forbidden):
        accommodations.set_accommodation(fresh_db, ann, ann.id, extra_minutes=10, reason="x")
    with pytest.raises(Forbidden):  # trainers are not accommodated
        accommodations.set_accommodation(
            fresh_db, people["boss"], people["tina"].id, extra_minutes=10, reason="x"
        )
    useradmin.set_active(fresh_db, None, "tom", False)
    with pytest.raises(AccountInactive):
        accommodations.set_accommodation(
            fresh_db, people["tom"], cat.id, extra_minutes=10, reason="x"
        )
    with fresh_db.connect() as conn:
        assert conn.execute(select(accommodation_table)).all() == []
    accommodations.set_accommodation(fresh_db, None, cat.id, extra_minutes=10, reason="console")
    assert accommodations.accommodation_of(fresh_db, cat, cat.id).extra_minutes == 10


def test_an_accommodation_needs_a_reason_and_sane_values_and_is_audited(fresh_db, people):
    ann, tina = people["ann"], people["tina"]
    for bad, message in (
        ({"extra_minutes": 5, "reason": "  "}, "reason"),
        ({"extra_minutes": -1, "reason": "r"}, "extra minutes"),
        ({"time_factor": 0.5, "reason": "r"}, "time factor"),
        ({"extra_attempts": 21, "reason": "r"}, "extra attempts"),
    ):
        with pytest.raises(BadAccommodation, match=message):
            accommodations.set_accommodation(fresh_db, tina, ann.id, **bad)
    accommodations.set_accommodation(fresh_db, tina, ann.id, extra_minutes=15, reason="plan")
    accommodations.set_accommodation(fresh_db, tina, ann.id, reason="plan ended")
    given, cleared = audit_actions(fresh_db, "accommodation.")
    assert (given["action"], given["target"]) == ("accommodation.set", "ann")
    assert given["actor_id"] == tina.id
    assert given["detail"]["after"]["extra_minutes"] == 15
    assert given["detail"]["reason"] == "plan"
    assert cleared["action"] == "accommodation.clear"
    assert cleared["detail"]["before"]["extra_minutes"] == 15
    assert accommodations.accommodation_of(fresh_db, tina, ann.id) == accommodations.NONE


def test_what_the_trainee_reads_and_what_a_start_asks():
    given = accommodations.Accommodation(extra_minutes=15, extra_attempts=1)
    assert accommodations.notices(given) == [
        "You have 15 extra minutes on timed exams.",
        "You have 1 extra attempt at exams with an attempt limit.",
    ]
    assert accommodations.notices(accommodations.Accommodation(time_factor=1.25)) == [
        "You have 25% more time on timed exams."
    ]
    assert accommodations.notices(accommodations.NONE) == []


def test_start_terms_say_the_time_and_the_attempt(fresh_db, people, exam, catalogue):
    ann = people["ann"]
    terms = startterms.terms(fresh_db, ann, exam)
    assert terms.asks_first
    assert (
        terms.words()
        == "45 minutes, attempt 1 of 3; the clock starts now and does not stop if you leave."
    )
    attempts.submit(fresh_db, ann, attempts.start(fresh_db, ann, exam, catalogue).id)
    accommodations.set_accommodation(fresh_db, None, ann.id, extra_minutes=15, reason="plan")
    assert (
        startterms.terms(fresh_db, ann, exam)
        .words()
        .startswith("60 minutes (15 extra), attempt 2 of 3;")
    )
    practice = startterms.terms(fresh_db, ann, catalogue.quizzes["practice-aftercare"])
    assert not practice.asks_first


def test_the_attempts_export_says_what_each_attempt_was_given(fresh_db, people, exam, catalogue):
    ann, bob = people["ann"], people["bob"]
    accommodations.set_accommodation(
        fresh_db, None, ann.id, time_factor=1.25, extra_minutes=5, extra_attempts=2, reason="plan"
    )
    given = attempts.start(fresh_db, ann, exam, catalogue, now=JAN)
    plain = attempts.start(fresh_db, bob, exam, catalogue, now=JAN)
    practice = attempts.start(fresh_db, ann, catalogue.quizzes["practice-aftercare"], catalogue)
    data, _ = exports.export(fresh_db, people["boss"], "attempts")
    rows = {int(r["attempt_id"]): r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    # 45 * 1.25 = 56.25, rounded up to 57, and 5 more: 17 beyond the quiz's 45.
    assert (rows[given.id]["extra_minutes"], rows[given.id]["extra_attempts"]) == ("17", "2")
    assert (rows[plain.id]["extra_minutes"], rows[plain.id]["extra_attempts"]) == ("", "")
    # An untimed quiz without an attempt limit gives nothing extra, whoever takes it.
    assert (rows[practice.id]["extra_minutes"], rows[practice.id]["extra_attempts"]) == ("", "")
