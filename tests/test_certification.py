"""Certification tracking: the roster per trainee and certification, as of a moment, and the
manager's overview per cohort with its funnel. On SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from app import accounts, attempts, certification, clock, config, dashboard, feedback, useradmin
from app.accounts import Forbidden
from app.bank import load
from app.bank.schema import Certifies
from app.certification import NotACertification
from conftest import PW, finish

# After the accounts of the ``people`` fixture exist: a trainee is listed from their creation on.
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
EXAM = "certification-exam"  # 30 questions, 80% to pass, 45 minutes, 3 attempts, 12 months
NAME = "Laser resurfacing technician"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def take(fresh_db, people, catalogue):
    """take(name, right, at): an exam attempt begun ``at`` and submitted 5 minutes later."""

    def run(name: str, right: int | None = None, at: datetime = T0, quiz: str = EXAM) -> int:
        return finish(fresh_db, people[name], catalogue, quiz, right, at)

    return run


def roster(engine, people, catalogue, who="boss", now=T0 + timedelta(days=1), **kw):
    actor = people[who] if who else None
    return certification.trainee_statuses(engine, actor, catalogue, now=now, **kw)


def row(frame, **where):
    found = frame
    for column, value in where.items():
        found = found[found[column] == value]
    assert len(found) == 1, f"expected one row for {where}, got {len(found)}"
    return found.iloc[0]


def status(engine, people, catalogue, now, name="ann") -> str:
    return row(roster(engine, people, catalogue, now=now), username=name)["status"]


# --- the roster ---------------------------------------------------------------------------------


def test_every_trainee_in_scope_has_a_row_with_or_without_attempts(fresh_db, people, catalogue):
    frame = roster(fresh_db, people, catalogue)
    assert list(frame.columns) == certification.ROSTER_COLUMNS
    assert frame["username"].tolist() == ["ann", "bob", "cat"]  # by cohort, then username
    assert set(frame["status"]) == {"never"}
    assert set(frame["certification"]) == {NAME}
    assert set(frame["quiz_id"]) == {EXAM}
    assert frame["attempts"].tolist() == [0, 0, 0]
    assert frame["best_score_percent"].isna().all()
    assert frame["passed_at"].isna().all()
    assert frame["expires_at"].isna().all()
    assert str(frame["passed_at"].dtype) == str(frame["expires_at"].dtype) == "datetime64[us, UTC]"
    assert frame["active"].tolist() == [True, True, True]


def test_current_then_expiring_then_expired_at_the_exact_boundaries(
    fresh_db, people, catalogue, take
):
    take("ann", at=T0)
    passed = T0 + timedelta(minutes=5)
    until = datetime(2031, 1, 7, 9, 5, tzinfo=UTC)  # 12 months, from the quiz
    window = timedelta(days=30)
    for now, expected in (
        (passed, "never"),  # submitted at that very moment: not yet before it
        (passed + timedelta(microseconds=1), "current"),
        (until - window - timedelta(seconds=1), "current"),
        (until - window, "expiring"),  # "within 30 days" includes the 30th
        (until - timedelta(seconds=1), "expiring"),
        (until, "expired"),
        (until + timedelta(days=400), "expired"),
    ):
        assert status(fresh_db, people, catalogue, now) == expected, now
    ann = row(roster(fresh_db, people, catalogue, now=until), username="ann")
    assert (ann["passed_at"], ann["expires_at"]) == (passed, until)
    assert (ann["best_score_percent"], ann["attempts"]) == (100.0, 1)


def test_expiring_means_the_same_as_on_the_trainees_dashboard(fresh_db, people, catalogue, take):
    take("ann", at=T0)
    until = datetime(2031, 1, 7, 9, 5, tzinfo=UTC)
    for now in (until - timedelta(days=30, seconds=1), until - timedelta(days=30)):
        board = dashboard.cohort_dashboard(fresh_db, people["boss"], catalogue, now=now)
        shown = row(board.trainees, username="ann")["status"]
        assert shown == status(fresh_db, people, catalogue, now), now


def test_validity_comes_from_the_quiz_as_it_was_taken(fresh_db, people, catalogue):
    ann = people["ann"]
    exam = catalogue.quizzes[EXAM]
    monthly = exam.model_copy(update={"certifies": Certifies(name=NAME, valid_months=1)})
    at = datetime(2030, 1, 31, 9, 0, tzinfo=UTC)
    view = attempts.start(fresh_db, ann, monthly, catalogue, now=at)
    for state in view.questions:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(fresh_db, ann, view.id, state.presented.position, key, now=at)
    attempts.submit(fresh_db, ann, view.id, now=at + timedelta(minutes=5))
    # The banks say 12 months now; the pass was earned under 1, and February is short.
    frame = roster(fresh_db, people, catalogue, now=datetime(2030, 2, 20, tzinfo=UTC))
    ann_row = row(frame, username="ann")
    assert ann_row["expires_at"] == datetime(2030, 2, 28, 9, 5, tzinfo=UTC)
    assert ann_row["status"] == "expiring"
    assert status(fresh_db, people, catalogue, datetime(2030, 3, 1, tzinfo=UTC)) == "expired"


def test_the_latest_pass_counts_the_best_score_is_kept_and_every_attempt_is_counted(
    fresh_db, people, catalogue, take
):
    take("ann", 30, at=T0)  # 100%
    take("ann", 25, at=T0 + timedelta(days=10))  # 83.33%: a pass, and the latest one
    take("ann", 0, at=T0 + timedelta(days=20))  # a later fail does not revoke it
    take("ann", at=T0, quiz="practice-certification")  # another quiz: not counted
    now = T0 + timedelta(days=30)
    ann = row(roster(fresh_db, people, catalogue, now=now), username="ann")
    latest = T0 + timedelta(days=10, minutes=5)
    assert (ann["status"], ann["passed_at"]) == ("current", latest)
    assert ann["expires_at"] == latest + relativedelta(months=12)
    assert (ann["best_score_percent"], ann["attempts"]) == (100.0, 3)


def test_the_best_score_is_rounded_down_and_an_open_attempt_is_counted(
    fresh_db, people, catalogue, take
):
    take("bob", 23, at=T0)  # 76.666...%: a fail that must not read as 76.67
    attempts.start(fresh_db, people["bob"], catalogue.quizzes[EXAM], catalogue, now=T0)
    bob = row(roster(fresh_db, people, catalogue, now=T0 + timedelta(minutes=10)), username="bob")
    assert (bob["status"], bob["attempts"]) == ("never", 2)
    assert bob["best_score_percent"] == 76.66
    assert pd.isna(bob["passed_at"])


def test_a_report_as_of_a_past_date_ignores_later_attempts_and_stays_the_same(
    fresh_db, people, catalogue, take
):
    take("ann", 0, at=T0)
    before = roster(fresh_db, people, catalogue, now=T0 + timedelta(days=5))
    take("ann", 30, at=T0 + timedelta(days=10))
    again = roster(fresh_db, people, catalogue, now=T0 + timedelta(days=5))
    pd.testing.assert_frame_equal(before, again)
    ann = row(again, username="ann")
    assert (ann["status"], ann["attempts"], ann["best_score_percent"]) == ("never", 1, 0.0)
    # Begun but not yet submitted at that moment: counted as an attempt, not as a result.
    mid = row(
        roster(fresh_db, people, catalogue, now=T0 + timedelta(days=10, minutes=1)),
        username="ann",
    )
    assert (mid["status"], mid["attempts"], mid["best_score_percent"]) == ("never", 2, 0.0)
    assert status(fresh_db, people, catalogue, T0 + timedelta(days=11)) == "current"


def answer_all(engine, user, catalogue, at):
    """An exam attempt begun ``at`` with every answer right, left open."""
    view = attempts.start(engine, user, catalogue.quizzes[EXAM], catalogue, now=at)
    for state in view.questions:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(engine, user, view.id, state.presented.position, key, now=at)
    return view.id


def test_an_open_attempt_past_its_deadline_counts_as_of_its_deadline(
    fresh_db, people, catalogue, monkeypatch
):
    ann = people["ann"]
    attempt = answer_all(fresh_db, ann, catalogue, T0)
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(hours=2))
    deadline = T0 + timedelta(minutes=45)
    assert status(fresh_db, people, catalogue, T0 + timedelta(minutes=30)) == "never"
    late = row(roster(fresh_db, people, catalogue, now=T0 + timedelta(hours=1)), username="ann")
    assert (late["status"], late["passed_at"]) == ("current", deadline)
    assert attempts.get(fresh_db, ann, attempt).closed_by == "deadline"
    # Closed since, it still was open half an hour in.
    assert status(fresh_db, people, catalogue, T0 + timedelta(minutes=30)) == "never"


def test_a_report_dated_ahead_never_closes_an_attempt_being_taken(
    fresh_db, people, catalogue, monkeypatch
):
    ann = people["ann"]
    attempt = answer_all(fresh_db, ann, catalogue, T0)
    monkeypatch.setattr(clock, "now", lambda: T0 + timedelta(minutes=10))
    ahead = row(roster(fresh_db, people, catalogue, now=T0 + timedelta(days=1)), username="ann")
    assert (ahead["status"], ahead["attempts"]) == ("never", 1)
    assert attempts.get(fresh_db, ann, attempt, now=T0 + timedelta(minutes=10)).is_open


def test_accounts_created_after_the_date_are_not_listed(fresh_db, people, catalogue):
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    frame = roster(fresh_db, people, catalogue, now=long_ago)
    assert frame.empty
    assert list(frame.columns) == certification.ROSTER_COLUMNS


def test_deactivated_trainees_are_listed_unless_left_out(fresh_db, people, catalogue, take):
    take("bob", at=T0)
    useradmin.set_active(fresh_db, people["boss"], "bob", False)
    frame = roster(fresh_db, people, catalogue)
    bob = row(frame, username="bob")
    assert (bool(bob["active"]), bob["status"]) == (False, "current")
    active = roster(fresh_db, people, catalogue, include_inactive=False)
    assert active["username"].tolist() == ["ann", "cat"]


@pytest.mark.parametrize(
    ("who", "cohort", "expected"),
    [
        ("boss", None, ["ann", "bob", "cat"]),
        ("boss", "south", ["cat"]),
        ("tina", None, ["ann", "bob"]),
        ("tina", "north", ["ann", "bob"]),
        (None, None, ["ann", "bob", "cat"]),  # the operator at the console
        (None, "north", ["ann", "bob"]),
    ],
)
def test_who_sees_which_trainees(fresh_db, people, catalogue, take, who, cohort, expected):
    take("tina", at=T0)  # a trainer's own pass is nobody's certification here
    frame = roster(fresh_db, people, catalogue, who=who, cohort=cohort)
    assert frame["username"].tolist() == expected


@pytest.mark.parametrize(("who", "cohort"), [("ann", None), ("tina", "south")])
def test_trainees_and_other_cohorts_are_refused(fresh_db, people, catalogue, who, cohort):
    with pytest.raises(Forbidden):
        roster(fresh_db, people, catalogue, who=who, cohort=cohort)
    with pytest.raises(Forbidden):
        certification.overview(fresh_db, people[who], catalogue, cohort=cohort, now=T0)


def test_a_deactivated_manager_is_refused(fresh_db, people, catalogue):
    boss = people["boss"]
    other = accounts.create_user(fresh_db, boss, "other", PW, "manager")
    useradmin.set_active(fresh_db, boss, "other", False)
    with pytest.raises(Forbidden):
        certification.trainee_statuses(
            fresh_db, dataclasses.replace(other, active=False), catalogue
        )


def test_one_row_per_certification_and_quiz_id_limits_to_one(fresh_db, people, catalogue, take):
    refresher = catalogue.quizzes["practice-aftercare"].model_copy(
        update={
            "id": "aftercare-refresher",
            "certifies": Certifies(name="Aftercare refresher", valid_months=6),
        }
    )
    both = dataclasses.replace(catalogue, quizzes={**catalogue.quizzes, refresher.id: refresher})
    finish(fresh_db, people["ann"], both, refresher.id, at=T0)
    frame = certification.trainee_statuses(
        fresh_db, people["boss"], both, now=T0 + timedelta(days=1)
    )
    assert len(frame) == 6
    ann = frame[frame["username"] == "ann"].set_index("quiz_id")["status"].to_dict()
    assert ann == {EXAM: "never", "aftercare-refresher": "current"}
    one = certification.trainee_statuses(
        fresh_db, people["boss"], both, quiz_id="aftercare-refresher", now=T0 + timedelta(days=1)
    )
    assert set(one["certification"]) == {"Aftercare refresher"}
    assert len(one) == 3
    with pytest.raises(NotACertification, match="quiz 'quick-check' grants no certification"):
        certification.trainee_statuses(fresh_db, people["boss"], both, quiz_id="quick-check")


# --- the overview -------------------------------------------------------------------------------

NOW = datetime(2031, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clinic(fresh_db, people, catalogue, take):
    """As of NOW: north has ann (current), bob (failed) and eve (never tried); south has cat
    (expired 3 days ago) and dan (expires in 10 days)."""
    boss = people["boss"]
    for name, cohort in (("dan", "south"), ("eve", "north")):
        people[name] = accounts.create_user(fresh_db, boss, name, PW, "trainee", cohort)
    minutes = timedelta(minutes=5)
    take("ann", at=NOW - timedelta(days=100))
    take("bob", 0, at=NOW - timedelta(days=5))
    take("cat", at=NOW - timedelta(days=3, hours=1) - relativedelta(months=12) - minutes)
    take("dan", at=NOW + timedelta(days=10, hours=1) - relativedelta(months=12) - minutes)
    return people


def test_overview_counts_each_cohort_and_the_whole_clinic(fresh_db, clinic, catalogue):
    view = certification.overview(fresh_db, clinic["boss"], catalogue, now=NOW)
    assert list(view.cohorts.columns) == certification.COHORT_COLUMNS
    north = row(view.cohorts, cohort="north")
    assert north[["trainees", "certified", "current", "expiring", "expired", "never"]].tolist() == [
        3, 1, 1, 0, 0, 2,
    ]  # fmt: skip
    assert north["share"] == pytest.approx(1 / 3)
    south = row(view.cohorts, cohort="south")
    assert south[["trainees", "certified", "expiring", "expired", "never"]].tolist() == [
        2, 1, 1, 1, 0,
    ]  # fmt: skip
    [total] = view.totals.to_dict("records")
    assert (total["cohort"], total["trainees"], total["certified"], total["share"]) == (
        None, 5, 2, 0.4,
    )  # fmt: skip
    assert view.expiring[["username", "days_left"]].values.tolist() == [["dan", 10]]
    assert view.expired[["username", "days_since"]].values.tolist() == [["cat", 3]]


def test_the_funnel_goes_from_invited_to_certified(fresh_db, clinic, catalogue):
    view = certification.overview(fresh_db, clinic["boss"], catalogue, now=NOW)
    funnel = view.funnel.set_index("stage")
    assert funnel["trainees"].to_dict() == {
        "invited": 5, "attempted": 4, "passed": 3, "certified": 2,
    }  # fmt: skip
    assert funnel.loc["certified", "share"] == 0.4
    assert list(funnel.index) == list(certification.FUNNEL_STAGES)


def test_the_overview_counts_active_trainees_unless_asked(fresh_db, clinic, catalogue):
    useradmin.set_active(fresh_db, clinic["boss"], "eve", False)
    view = certification.overview(fresh_db, clinic["boss"], catalogue, now=NOW)
    assert row(view.funnel, stage="invited")["trainees"] == 4
    assert row(view.cohorts, cohort="north")["trainees"] == 2
    everyone = certification.overview(
        fresh_db, clinic["boss"], catalogue, now=NOW, include_inactive=True
    )
    assert row(everyone.funnel, stage="invited")["trainees"] == 5


def test_a_trainer_overviews_their_own_cohort(fresh_db, clinic, catalogue):
    view = certification.overview(fresh_db, clinic["tina"], catalogue, now=NOW)
    assert view.cohort == "north"
    assert view.cohorts["cohort"].tolist() == ["north"]
    assert view.expiring.empty
    assert view.expired.empty
    assert row(view.funnel, stage="invited")["trainees"] == 3


def test_an_overview_without_trainees_is_empty_not_an_error(fresh_db, people, catalogue):
    view = certification.overview(
        fresh_db, people["boss"], catalogue, now=datetime(2020, 1, 1, tzinfo=UTC)
    )
    for part in ("roster", "cohorts", "totals", "funnel", "expiring", "expired"):
        assert getattr(view, part).empty, part
