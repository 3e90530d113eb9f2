"""Regrade and void: the dry run's figures (worked out by hand below), applying, idempotence,
certification gained and lost at the regrade's moment, refusals, and the export's columns.

The exam: five single-answer questions, one point each, all or nothing, 80% to pass (4 of 5),
certifying for 12 months. Every trainee answers care-q-00 .. care-q-04 in order.

- ann (north): q00 B, q01-q03 A, q04 B  -> 3/5 = 60%, fail
- bob (north): q00 A, q01-q03 A, q04 B  -> 4/5 = 80%, pass
- cat (south): q00 B, q01-q04 A         -> 4/5 = 80%, pass

Then q00's key is corrected on disk from A to B.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from regrade_support import loaded, write_content
from sqlalchemy import func, select

from app import attempts, exports, progress, regrade, useradmin
from app.accounts import AccountInactive, Forbidden
from app.regrade import AlreadyVoided, InvalidReason
from app.store import audit as audit_store
from app.store.tables import attempt_questions, regrades, responses
from app.store.tables import attempts as attempts_table

T0 = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=10)
QIDS = [f"care-q-{n:02d}" for n in range(5)]
A, B = 0, 1
ANSWERS = {
    "ann": [B, A, A, A, B],
    "bob": [A, A, A, A, B],
    "cat": [B, A, A, A, A],
}


@pytest.fixture
def content(tmp_path):
    return write_content(tmp_path / "quizzes")


@pytest.fixture
def v1(content):
    return loaded(content)


@pytest.fixture
def v2(content, v1):
    """The same banks, q00's key corrected from A to B (v1 is loaded first)."""
    write_content(content, keys={0: B})
    return loaded(content)


@pytest.fixture
def done(fresh_db, people, v1) -> dict[str, int]:
    """Each trainee's submitted attempt at the exam under v1, by name."""
    ids = {}
    for name, picks in ANSWERS.items():
        user = people[name]
        view = attempts.start_questions(
            fresh_db, user, v1.quizzes["exam"], QIDS, v1, now=T0, seed=1
        )
        for state in view.questions:
            position = state.presented.position
            attempts.save_answer(fresh_db, user, view.id, position, picks[position], now=T0)
        ids[name] = attempts.submit(fresh_db, user, view.id, now=T0 + timedelta(minutes=5)).id
    return ids


def summary(plan: regrade.Plan) -> dict[str, tuple]:
    return {
        line.username: (
            line.question_before,
            line.question_after,
            line.points_before,
            line.points_after,
            line.percent_before,
            line.percent_after,
            line.passed_before,
            line.passed_after,
            line.certification_before,
            line.certification_after,
        )
        for line in plan.changes
    }


def test_the_questions_answered_in_an_earlier_version_are_listed(fresh_db, people, done, v1, v2):
    assert regrade.outdated(fresh_db, people["boss"], v1, "exam") == []
    [found] = regrade.outdated(fresh_db, people["boss"], v2, "exam")
    assert (found.qid, found.attempts, found.key_changed, found.wording_only) == (
        "care-q-00",
        3,
        3,
        0,
    )
    [mine] = regrade.outdated(fresh_db, people["tina"], v2, "exam")
    assert mine.attempts == 2  # her cohort's: ann and bob


def test_the_dry_run_shows_old_and_new_scores_flips_and_certifications(fresh_db, people, done, v2):
    plan = regrade.plan(fresh_db, people["boss"], v2, "exam", "care-q-00", now=LATER)
    assert summary(plan) == {
        "ann": (0.0, 1.0, 3.0, 4.0, 60.0, 80.0, False, True, "never", "current"),
        "bob": (1.0, 0.0, 4.0, 3.0, 80.0, 60.0, True, False, "current", "never"),
        "cat": (0.0, 1.0, 4.0, 5.0, 80.0, 100.0, True, True, "current", "current"),
    }
    assert [line.username for line in plan.flips] == ["ann", "bob"]
    # A dry run writes nothing.
    with fresh_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(regrades)).scalar_one() == 0


def test_a_trainer_regrades_her_cohort_and_the_original_is_kept(fresh_db, people, done, v2):
    applied = regrade.apply(
        fresh_db, people["tina"], v2, "exam", "care-q-00", "Key was B per the leaflet", now=LATER
    )
    assert sorted(summary(applied)) == ["ann", "bob"]
    with fresh_db.connect() as conn:
        row = (
            conn.execute(select(attempts_table).where(attempts_table.c.id == done["ann"]))
            .mappings()
            .one()
        )
        answer = conn.execute(
            select(responses.c.points, responses.c.original_points, responses.c.answer).where(
                responses.c.attempt_id == done["ann"], responses.c.position == 0
            )
        ).one()
        moved = conn.execute(
            select(attempt_questions.c.snapshot_hash).where(
                attempt_questions.c.attempt_id == done["ann"], attempt_questions.c.position == 0
            )
        ).scalar_one()
        record = conn.execute(select(regrades)).mappings().one()
        logged = audit_store.lines(conn, "attempt.regrade")
    assert (row["points"], row["score_percent"], row["passed"]) == (4.0, 80.0, True)
    assert (row["original_points"], row["original_score_percent"], row["original_passed"]) == (
        3.0,
        60.0,
        False,
    )
    assert row["regraded_at"] == row["pass_changed_at"] == LATER
    assert row["by_topic"] == {"care": [4.0, 5]}
    assert tuple(answer) == (1.0, 0.0, B)
    assert moved == record["to_hash"]
    assert (record["reason"], record["cohort"], record["actor_id"]) == (
        "Key was B per the leaflet",
        "north",
        people["tina"].id,
    )
    assert sorted(line["target"] for line in logged) == ["ann", "bob"]
    # cat (south) is not hers: still on the old version, for a manager to regrade.
    left = regrade.plan(fresh_db, people["boss"], v2, "exam", "care-q-00", now=LATER)
    assert [line.username for line in left.changes] == ["cat"]


def test_applying_twice_changes_nothing_the_second_time(fresh_db, people, done, v2):
    from test_permissions_matrix import snapshot

    regrade.apply(fresh_db, people["boss"], v2, "exam", "care-q-00", "Key fixed", now=LATER)
    before = snapshot(fresh_db)
    again = regrade.apply(fresh_db, people["boss"], v2, "exam", "care-q-00", "Key fixed", now=LATER)
    assert again.changes == ()
    assert again.regrade_id is None
    assert snapshot(fresh_db) == before
    assert regrade.outdated(fresh_db, people["boss"], v2, "exam") == []


def test_certification_follows_the_regrade_from_its_moment(fresh_db, people, done, v2):
    regrade.apply(fresh_db, people["boss"], v2, "exam", "care-q-00", "Key fixed", now=LATER)
    just_before = LATER - timedelta(microseconds=1)
    submitted = T0 + timedelta(minutes=5)

    def cert(name, at):
        [c] = progress.certifications(fresh_db, people["boss"], people[name].id, v2, now=at)
        return c.status, c.earned_at, c.valid_until

    # ann's pass was gained by the regrade: it certifies from the regrade, until 12 months
    # after the exam was submitted.
    assert cert("ann", just_before) == ("never", None, None)
    assert cert("ann", LATER) == ("current", LATER, submitted.replace(year=2031))
    # bob's pass was lost by the regrade: it certified until then, and not from then on.
    assert cert("bob", just_before) == ("current", submitted, submitted.replace(year=2031))
    assert cert("bob", LATER) == ("never", None, None)


def test_void_giving_everyone_the_point(fresh_db, people, done, v1):
    dry = regrade.void_plan(fresh_db, people["boss"], v1, "exam", "care-q-04", "give", now=LATER)
    # ann 3/5 -> 4/5 (60 -> 80, now a pass); bob 4/5 -> 5/5; cat had it right: unchanged.
    assert {k: v[2:8] for k, v in summary(dry).items()} == {
        "ann": (3.0, 4.0, 60.0, 80.0, False, True),
        "bob": (4.0, 5.0, 80.0, 100.0, True, True),
    }
    done_ = regrade.void(fresh_db, people["boss"], v1, "exam", "care-q-04", "give", "Ambiguous")
    assert summary(done_).keys() == {"ann", "bob"}
    again = regrade.void(fresh_db, people["boss"], v1, "exam", "care-q-04", "give", "Ambiguous")
    assert again.changes == ()
    assert again.regrade_id is None
    with pytest.raises(AlreadyVoided, match="everyone given the point"):
        regrade.void_plan(fresh_db, people["boss"], v1, "exam", "care-q-04", "drop")
    # A later attempt is scored with the void too: q04 left blank still earns its point.
    view = attempts.start_questions(fresh_db, people["ann"], v1.quizzes["exam"], QIDS, v1)
    for position in range(4):
        attempts.save_answer(fresh_db, people["ann"], view.id, position, B if position == 0 else A)
    later = attempts.submit(fresh_db, people["ann"], view.id)
    assert (later.points, later.max_points) == (4.0, 5)  # q00 wrong (A is right), q04 given
    [note] = regrade.notes(fresh_db, people["ann"], later.id)
    assert (note.kind, note.void, note.reason, note.points_before) == (
        "void",
        "give",
        "Ambiguous",
        None,
    )


def test_void_dropping_the_question_from_the_total(fresh_db, people, done, v1):
    dry = regrade.void_plan(fresh_db, people["boss"], v1, "exam", "care-q-04", "drop", now=LATER)
    # Out of 4 now: ann 3/4 = 75 (still a fail), bob 4/4 = 100, cat 3/4 = 75: a pass lost.
    assert {k: v[2:10] for k, v in summary(dry).items()} == {
        "ann": (3.0, 3.0, 60.0, 75.0, False, False, "never", "never"),
        "bob": (4.0, 4.0, 80.0, 100.0, True, True, "current", "current"),
        "cat": (4.0, 3.0, 80.0, 75.0, True, False, "current", "never"),
    }
    assert [(line.max_before, line.max_after) for line in dry.changes] == [(5, 4)] * 3
    regrade.void(fresh_db, people["boss"], v1, "exam", "care-q-04", "drop", "Off syllabus", LATER)
    view = attempts.get(fresh_db, people["boss"], done["cat"])
    assert (view.points, view.max_points, view.passed) == (3.0, 4, False)
    [note] = regrade.notes(fresh_db, people["cat"], done["cat"])
    assert (note.percent_before, note.percent_after, note.passed_after) == (80.0, 75.0, False)


def test_an_answer_that_cannot_carry_over_is_refused_with_the_reason(
    fresh_db, people, done, content, v1
):
    write_content(content, keys={0: B}, options={0: ["W", "X", "Y", "Z", "V"]})
    v3 = loaded(content)
    plan = regrade.plan(fresh_db, people["boss"], v3, "exam", "care-q-00")
    assert plan.changes == ()
    assert {line.refused for line in plan.refusals} == {
        "options were added or removed (4 → 5): the trainee chose from a different list"
    }
    applied = regrade.apply(fresh_db, people["boss"], v3, "exam", "care-q-00", "Try")
    assert applied.regrade_id is None


@pytest.mark.parametrize("reason", ["", "   ", "x" * (regrade.MAX_REASON + 1)])
def test_applying_needs_a_reason(fresh_db, people, done, v2, reason):
    with pytest.raises(InvalidReason):
        regrade.apply(fresh_db, people["boss"], v2, "exam", "care-q-00", reason)
    with pytest.raises(InvalidReason):
        regrade.void(fresh_db, people["boss"], v2, "exam", "care-q-00", "give", reason)


def test_a_revoked_trainer_is_refused_and_nothing_changes(fresh_db, people, done, v2):
    from test_permissions_matrix import snapshot

    useradmin.set_active(fresh_db, people["boss"], "tina", False)
    before = snapshot(fresh_db)
    with pytest.raises(AccountInactive):
        regrade.apply(fresh_db, people["tina"], v2, "exam", "care-q-00", "Key fixed")
    assert snapshot(fresh_db) == before


def test_trainees_may_not_regrade_and_trainers_may_not_void(fresh_db, people, done, v2):
    with pytest.raises(Forbidden):
        regrade.plan(fresh_db, people["ann"], v2, "exam", "care-q-00")
    with pytest.raises(Forbidden):
        regrade.plan(fresh_db, people["tina"], v2, "exam", "care-q-00", cohort="south")
    with pytest.raises(Forbidden):
        regrade.void(fresh_db, people["tina"], v2, "exam", "care-q-00", "give", "Bad")


def test_the_attempts_export_has_regraded_at_and_original_points(fresh_db, people, done, v2):
    regrade.apply(fresh_db, people["tina"], v2, "exam", "care-q-00", "Key fixed", now=LATER)
    data, _ = exports.export(fresh_db, people["boss"], "attempts", bom=False)
    rows = {r["username"]: r for r in csv.DictReader(io.StringIO(data.decode()))}
    assert list(rows["ann"])[14:18] == ["pass_mark", "passed", "regraded_at", "original_points"]
    assert (rows["ann"]["points"], rows["ann"]["original_points"]) == ("4.0", "3.0")
    assert rows["ann"]["regraded_at"] == "2030-03-12T09:00:00Z"
    assert (rows["cat"]["regraded_at"], rows["cat"]["original_points"]) == ("", "")
