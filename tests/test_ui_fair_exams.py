"""Fair exam arrangements in the app: the start confirmation, the Home notices, the
accommodation form on a trainee's record (AppTest, widgets by key, a real database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from ui_helpers import attempt_id, open_page, sign_in, submit_form, values

from app import accommodations, attempts, clock, config, examwindows
from app.bank import load
from app.store import audit as audit_store
from app.store.tables import attempts as attempt_table
from app.ui import keys

EXAM = "certification-exam"  # 45 minutes, 3 attempts
TITLE = "Laser resurfacing certification exam"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def attempt_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(attempt_table)).scalar_one()


def texts(at) -> str:
    return "\n".join(values(at.markdown) + values(at.info) + values(at.caption))


def test_starting_a_timed_exam_asks_first_and_cancel_creates_nothing(ui, fresh_db):
    at = sign_in("ann")
    at.button(key=keys.home_start(EXAM)).click().run()
    assert not at.exception
    assert attempt_count(fresh_db) == 0, "a click on Start alone spends nothing"
    confirm = at.button(key=keys.home_confirm(EXAM))
    assert confirm.label == f"Start {TITLE} now"
    assert "45 minutes, attempt 1 of 3; the clock starts now" in texts(at)
    assert not [b for b in at.button if b.key == keys.home_start(EXAM)]

    at.button(key=keys.home_cancel(EXAM)).click().run()
    assert attempt_count(fresh_db) == 0
    assert not [b for b in at.button if b.key == keys.home_confirm(EXAM)]
    assert at.button(key=keys.home_start(EXAM))

    at.button(key=keys.home_start(EXAM)).click().run()
    at.button(key=keys.home_confirm(EXAM)).click().run()
    assert not at.exception
    assert attempt_count(fresh_db) == 1
    view = attempts.get(fresh_db, ui["ann"], attempt_id(at))
    assert (view.quiz.id, view.status) == (EXAM, "open")
    assert values(at.subheader) == [TITLE]


def test_a_practice_quiz_without_limits_starts_at_once(ui, fresh_db):
    at = sign_in("ann")
    at.button(key=keys.home_start("practice-aftercare")).click().run()
    assert attempt_count(fresh_db) == 1
    assert attempts.get(fresh_db, ui["ann"], attempt_id(at)).quiz.id == "practice-aftercare"


def test_home_tells_the_trainee_their_accommodation_and_the_start_counts_it(ui, fresh_db):
    ann = ui["ann"]
    accommodations.set_accommodation(
        fresh_db, ui["tina"], ann.id, extra_minutes=15, extra_attempts=1, reason="support plan"
    )
    at = sign_in("ann")
    assert values(at.info)[0] == (
        "You have 15 extra minutes on timed exams.  \n"
        "You have 1 extra attempt at exams with an attempt limit."
    )
    assert "30 questions · 60 min (15 extra) · attempts 0 of 4 · pass mark 80%" in texts(at)
    at.button(key=keys.home_start(EXAM)).click().run()
    assert "60 minutes (15 extra), attempt 1 of 4;" in texts(at)
    at.button(key=keys.home_confirm(EXAM)).click().run()
    view = attempts.get(fresh_db, ann, attempt_id(at))
    assert view.deadline - view.started_at == timedelta(minutes=60)
    assert not [i for i in values(sign_in("bob").info) if "extra" in i], "bob has none"


def test_home_says_when_a_quiz_opens_and_offers_no_start_outside_its_window(ui, fresh_db,
                                                                            catalogue):  # fmt: skip
    now = clock.now()
    examwindows.set_window(fresh_db, None, catalogue, EXAM, "north", now + timedelta(days=2), None)
    examwindows.set_window(
        fresh_db, None, catalogue, "quick-check", None, now - timedelta(days=9),
        now - timedelta(days=2),
    )  # fmt: skip
    at = sign_in("ann")
    shown = texts(at)
    assert "Opens " in shown
    assert "Closed " in shown
    assert values(at.caption).count("Not open now") == 2
    assert not [
        b for b in at.button if b.key in (keys.home_start(EXAM), keys.home_start("quick-check"))
    ]
    # South has no window of its own for the exam: it may start it.
    assert sign_in("cat").button(key=keys.home_start(EXAM))


def fill(at, minutes=0, factor=1.0, extra=0, reason=""):
    at.number_input(key=keys.ACCOMMODATION_MINUTES).set_value(minutes)
    at.number_input(key=keys.ACCOMMODATION_FACTOR).set_value(factor)
    at.number_input(key=keys.ACCOMMODATION_ATTEMPTS).set_value(extra)
    at.text_input(key=keys.ACCOMMODATION_REASON).input(reason)
    return submit_form(at, keys.ACCOMMODATION_FORM)


def test_a_trainer_sets_an_accommodation_on_the_trainee_record(ui, fresh_db):
    ann = ui["ann"]
    at = open_page(sign_in("tina"), "trainee", user=ann.id)
    assert "None: the quizzes' own time limits and attempts apply." in values(at.caption)
    fill(at, minutes=20, extra=1, reason="")  # no reason: refused, nothing saved
    assert any("reason" in e for e in values(at.error))
    assert accommodations.accommodation_of(fresh_db, None, ann.id) == accommodations.NONE

    fill(at, minutes=20, extra=1, reason="learning support plan")
    assert not at.exception
    assert values(at.success) == ["Accommodation saved."]
    given = accommodations.accommodation_of(fresh_db, None, ann.id)
    assert (given.extra_minutes, given.extra_attempts, given.reason) == (
        20, 1, "learning support plan"
    )  # fmt: skip
    assert given.set_by == ui["tina"].id
    assert "Has 20 extra minutes on timed exams." in texts(at)
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "accommodation.set")
    assert line["actor_id"] == ui["tina"].id
    assert line["target"] == "ann"


def test_the_form_is_only_for_those_who_may_set_it(ui, fresh_db):
    # A manager sees it for any trainee; a trainer on another cohort's trainee sees no record.
    at = open_page(sign_in("boss"), "trainee", user=ui["cat"].id)
    assert at.form(key=keys.ACCOMMODATION_FORM)
    at = open_page(sign_in("tom"), "trainee", user=ui["ann"].id)
    assert keys.ACCOMMODATION_FORM not in [f.key for f in at.form]


def test_a_manager_sets_and_removes_a_cohorts_window_on_the_certification_page(ui, fresh_db):
    at = open_page(sign_in("boss"), "certification")
    assert "No windows: every quiz may be started at any time." in values(at.caption)
    at.selectbox(key=keys.WINDOW_QUIZ).set_value(EXAM)
    at.selectbox(key=keys.WINDOW_COHORT).set_value("north")
    at.date_input(key=keys.WINDOW_OPENS).set_value(date(2027, 1, 10))
    at.time_input(key=keys.WINDOW_OPENS_AT).set_value(time(9, 0))
    at.date_input(key=keys.WINDOW_CLOSES).set_value(date(2027, 1, 9))  # before it opens
    submit_form(at, keys.WINDOW_FORM)
    assert any("before it opens" in e for e in values(at.error))
    assert examwindows.windows(fresh_db, None) == []

    at.date_input(key=keys.WINDOW_CLOSES).set_value(date(2027, 1, 17))
    submit_form(at, keys.WINDOW_FORM)
    assert not at.exception
    assert values(at.success) == [f"Window saved: {EXAM} · north."]
    [window] = examwindows.windows(fresh_db, None)
    # No browser zone in AppTest: the times are UTC; a closing day runs to the minute chosen.
    assert (window.quiz_id, window.cohort, window.opens_at, window.closes_at) == (
        EXAM,
        "north",
        datetime(2027, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2027, 1, 17, 23, 59, tzinfo=UTC),
    )
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "window.set")
    assert line["actor_id"] == ui["boss"].id

    at.button(key=keys.WINDOW_REMOVE).click().run()
    assert values(at.success) == [f"Window removed: {EXAM} · north."]
    assert examwindows.windows(fresh_db, None) == []


def test_trainers_read_the_windows_but_have_no_form(ui, fresh_db, catalogue):
    examwindows.set_window(fresh_db, None, catalogue, EXAM, None, None, clock.now())
    at = open_page(sign_in("tina"), "certification")
    [panel] = [e for e in at.expander if e.label == "Exam windows"]
    assert panel.dataframe[0].value["Quiz"].tolist() == [TITLE]
    assert keys.WINDOW_FORM not in [f.key for f in at.form]


def test_a_window_closed_while_the_question_is_on_screen_refuses_the_start(ui, fresh_db,
                                                                           catalogue):  # fmt: skip
    at = sign_in("ann")
    at.button(key=keys.home_start(EXAM)).click().run()
    assert at.button(key=keys.home_confirm(EXAM))
    examwindows.set_window(fresh_db, None, catalogue, EXAM, "north", None, clock.now())
    at.button(key=keys.home_confirm(EXAM)).click().run()
    assert not at.exception
    assert attempt_count(fresh_db) == 0
    [error] = values(at.error)
    assert error.startswith(f"'{TITLE}' closed on ")
