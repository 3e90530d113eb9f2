"""The trainer's dashboard: who is in scope, scores per quiz, topic mastery, certification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import attempts, config, dashboard
from app.accounts import Forbidden, NotFound
from app.bank import load
from app.dashboard import DashboardFilters
from conftest import finish

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def take(fresh_db, people, catalogue):
    """take(name, quiz, right, at): submit an attempt with the first ``right`` answered right."""

    def run(name: str, quiz: str, right: int | None = None, at: datetime = T0) -> int:
        return finish(fresh_db, people[name], catalogue, quiz, right, at)

    return run


def board(engine, people, catalogue, who="tina", now=T0 + timedelta(days=1), **filters):
    return dashboard.cohort_dashboard(
        engine, people[who], catalogue, DashboardFilters(**filters), now
    )


def row(frame, **where):
    found = frame
    for column, value in where.items():
        found = found[found[column] == value]
    assert len(found) == 1, f"expected one row for {where}, got {len(found)}"
    return found.iloc[0]


def test_a_trainer_sees_every_trainee_of_their_cohort_with_or_without_attempts(
    fresh_db, people, catalogue, take
):
    take("ann", "quick-check", 10)
    take("cat", "quick-check", 10)  # south
    take("tina", "quick-check", 10)  # a trainer's own attempt is not a trainee's
    result = board(fresh_db, people, catalogue)
    assert sorted(result.trainees["username"]) == ["ann", "bob"]
    assert row(result.trainees, username="ann")["attempts"] == 1
    assert row(result.trainees, username="bob")["attempts"] == 0
    assert row(result.trainees, username="bob")["status"] == "never"
    assert len(result.attempts) == 1


def test_a_manager_sees_everyone_or_one_cohort(fresh_db, people, catalogue, take):
    take("ann", "quick-check", 10)
    take("cat", "quick-check", 10)
    everyone = board(fresh_db, people, catalogue, who="boss")
    assert sorted(everyone.trainees["username"]) == ["ann", "bob", "cat"]
    south = board(fresh_db, people, catalogue, who="boss", cohort="south")
    assert south.trainees["username"].tolist() == ["cat"]
    assert len(south.attempts) == 1


@pytest.mark.parametrize(("who", "cohort"), [("ann", None), ("tina", "south")])
def test_trainees_and_other_cohorts_are_refused(fresh_db, people, catalogue, who, cohort):
    with pytest.raises(Forbidden):
        board(fresh_db, people, catalogue, who=who, cohort=cohort)


def test_best_and_latest_score_per_quiz(fresh_db, people, catalogue, take):
    take("ann", "quick-check", 10, at=T0)
    take("ann", "quick-check", 3, at=T0 + timedelta(hours=1))
    take("bob", "quick-check", 5, at=T0)
    scores = board(fresh_db, people, catalogue).scores
    ann = row(scores, user_id=people["ann"].id, quiz_id="quick-check")
    assert (ann["attempts"], ann["best"], ann["latest"]) == (2, 100.0, 30.0)
    assert not ann["latest_passed"]
    bob = row(scores, user_id=people["bob"].id)
    assert (bob["best"], bob["latest"]) == (50.0, 50.0)


def test_quiz_and_date_filters_choose_the_attempts_that_count(fresh_db, people, catalogue, take):
    take("ann", "quick-check", 10, at=T0)
    take("ann", "practice-aftercare", at=T0 + timedelta(days=3))
    later = T0 + timedelta(days=10)
    assert len(board(fresh_db, people, catalogue, now=later).attempts) == 2
    only = board(fresh_db, people, catalogue, now=later, quiz_id="practice-aftercare")
    assert only.attempts["quiz_id"].tolist() == ["practice-aftercare"]
    ranged = board(
        fresh_db, people, catalogue, now=later, since=T0 + timedelta(days=1), until=later
    )
    assert ranged.attempts["quiz_id"].tolist() == ["practice-aftercare"]
    ann = row(ranged.trainees, username="ann")
    assert ann["attempts"] == 1
    assert ann["last_activity"] == T0 + timedelta(days=3, minutes=5)
    before = board(fresh_db, people, catalogue, now=later, until=T0)
    assert before.attempts.empty
    assert row(before.trainees, username="ann")["attempts"] == 0


def test_topic_mastery_counts_only_the_latest_attempts_at_each_topic(
    fresh_db, people, catalogue, take
):
    take("ann", "practice-aftercare", at=T0)  # all right, then all wrong RECENT_ATTEMPTS times
    for i in range(dashboard.RECENT_ATTEMPTS):
        take("ann", "practice-aftercare", 0, at=T0 + timedelta(hours=i + 1))
    mastery = board(fresh_db, people, catalogue, now=T0 + timedelta(days=2)).mastery
    aftercare = row(mastery, user_id=people["ann"].id, topic="aftercare")
    assert aftercare["share"] == 0.0
    per_attempt = sum(d.count for d in catalogue.quizzes["practice-aftercare"].draw)
    assert aftercare["questions"] == per_attempt * dashboard.RECENT_ATTEMPTS

    take("ann", "practice-aftercare", at=T0 + timedelta(days=1))  # one good attempt among five
    mastery = board(fresh_db, people, catalogue, now=T0 + timedelta(days=2)).mastery
    assert row(mastery, topic="aftercare")["share"] == pytest.approx(1 / 5)


def test_certification_is_current_then_expiring_then_expired(fresh_db, people, catalogue, take):
    take("ann", "certification-exam", at=T0)
    passed_at = T0 + timedelta(minutes=5)
    until = datetime(2027, 3, 2, 9, 5, tzinfo=UTC)  # valid for 12 months
    for now, status in (
        (T0 + timedelta(days=1), "current"),
        (until - timedelta(days=10), "expiring"),
        (until + timedelta(days=1), "expired"),
    ):
        ann = row(board(fresh_db, people, catalogue, now=now).trainees, username="ann")
        assert ann["status"] == status, now
    ann = row(board(fresh_db, people, catalogue).trainees, username="ann")
    assert ann["certified_until"] == until
    assert passed_at < until


def test_an_open_attempt_past_its_deadline_is_closed_before_it_is_counted(
    fresh_db, people, catalogue
):
    exam = catalogue.quizzes["certification-exam"]
    view = attempts.start(fresh_db, people["ann"], exam, catalogue, now=T0)
    late = T0 + timedelta(minutes=exam.time_limit_minutes + 1)
    before = board(fresh_db, people, catalogue, now=T0 + timedelta(minutes=1))
    assert row(before.trainees, username="ann")[["attempts", "open"]].tolist() == [0, 1]
    after = board(fresh_db, people, catalogue, now=late)
    assert row(after.trainees, username="ann")[["attempts", "open"]].tolist() == [1, 0]
    assert attempts.get(fresh_db, people["ann"], view.id).closed_by == "deadline"


def test_trainee_record_lists_every_attempt_newest_first(fresh_db, people, catalogue, take):
    first = take("ann", "quick-check", 10, at=T0)
    second = take("ann", "practice-aftercare", at=T0 + timedelta(hours=1))
    record = dashboard.trainee_record(fresh_db, people["tina"], people["ann"].id, catalogue)
    assert record.user.username == "ann"
    assert [a["id"] for a in record.attempts] == [second, first]
    assert all(a["comments"] == 0 for a in record.attempts)
    assert record.attempts[0]["quiz_title"] == catalogue.quizzes["practice-aftercare"].title
    assert {c.status for c in record.certifications} == {"never"}
    assert set(record.mastery["topic"]) >= {"aftercare"}


@pytest.mark.parametrize(("who", "whom"), [("tom", "ann"), ("tina", "tom"), ("tina", "boss")])
def test_trainee_record_of_someone_outside_your_scope_is_not_found(
    fresh_db, people, catalogue, who, whom
):
    with pytest.raises(NotFound):
        dashboard.trainee_record(fresh_db, people[who], people[whom].id, catalogue)


def test_trainee_record_is_refused_to_trainees(fresh_db, people, catalogue):
    with pytest.raises(Forbidden):
        dashboard.trainee_record(fresh_db, people["ann"], people["ann"].id, catalogue)
