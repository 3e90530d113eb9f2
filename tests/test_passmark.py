"""Standard setting of the exam's pass mark through the core (app/passmark.py), on SQLite and
PostgreSQL: who rates, what counts, the recommended mark and what it does to past attempts."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from app import config, passmark, useradmin
from app.accounts import AccountInactive, Forbidden
from app.bank import load
from app.contentedit import ChangedMeanwhile
from app.passmark import InvalidRating
from app.store import audit as audit_store
from conftest import finish

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture(scope="module")
def pool(catalogue):
    return passmark.pool(catalogue.quizzes[EXAM], catalogue)


def test_the_pool_is_every_secure_question_the_exam_can_draw(catalogue, pool):
    # The certification exam draws secure questions only, from every topic's secure pool.
    secure = {e.question.id for e in catalogue.entries.values() if e.question.exam_only}
    assert set(pool) == secure
    assert len(pool) == len(set(pool))


def test_two_raters_give_a_mark_with_its_spread(fresh_db, people, catalogue, pool):
    passmark.rate(fresh_db, people["tina"], catalogue, EXAM, dict.fromkeys(pool, 0.6))
    passmark.rate(fresh_db, people["boss"], catalogue, EXAM, dict.fromkeys(pool, 0.8))
    got = passmark.standing(fresh_db, people["tina"], catalogue, EXAM)
    rec = got.recommendation
    assert rec is not None
    assert got.why_none is None
    # Cut scores 60 and 80: mean 70; sample standard deviation sqrt(200) = 14.14; error 10.
    assert rec.pass_mark == pytest.approx(70)
    assert rec.spread == pytest.approx(14.1421, abs=1e-4)
    assert rec.standard_error == pytest.approx(10)
    assert dict(rec.rater_marks) == pytest.approx({"tina": 60, "boss": 80})
    assert got.rater_names == {"boss": "boss", "tina": "tina"}
    assert dict(got.mine) == dict.fromkeys(pool, 0.6)


def test_a_rater_part_way_through_does_not_count_yet(fresh_db, people, catalogue, pool):
    passmark.rate(fresh_db, people["tina"], catalogue, EXAM, dict.fromkeys(pool, 0.6))
    passmark.rate(fresh_db, people["tom"], catalogue, EXAM, {pool[0]: 0.1})
    got = passmark.standing(fresh_db, people["boss"], catalogue, EXAM)
    assert got.recommendation is None
    assert got.why_none == (
        "1 rater(s) have rated every question so far; a pass mark needs at least 2"
    )
    assert set(got.ratings) == {"tina", "tom"}  # both shown, with how far each has got
    assert len(got.ratings["tom"]) == 1
    assert got.mine == {}


def test_rating_again_replaces_and_each_save_is_audited(fresh_db, people, catalogue, pool):
    passmark.rate(fresh_db, people["tina"], catalogue, EXAM, {pool[0]: 0.6, pool[1]: 0.5})
    passmark.rate(fresh_db, people["tina"], catalogue, EXAM, {pool[0]: 0.9})
    got = passmark.standing(fresh_db, people["tina"], catalogue, EXAM)
    assert dict(got.mine) == {pool[0]: 0.9, pool[1]: 0.5}
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn, "passmark.rate")
    assert [(line["target"], line["detail"]) for line in lines] == [
        (EXAM, {"questions": 2}),
        (EXAM, {"questions": 1}),
    ]


def test_the_impact_on_past_attempts_per_cohort_within_the_scope(fresh_db, people, catalogue, pool):
    exam = catalogue.quizzes[EXAM]
    assert exam.pass_mark == 80  # the shipped exam's mark, which the figures below assume
    finish(fresh_db, people["ann"], catalogue, EXAM, right=24)  # north, 80%
    finish(fresh_db, people["bob"], catalogue, EXAM, right=21)  # north, 70%
    finish(fresh_db, people["cat"], catalogue, EXAM, right=20)  # south, 66.7%
    passmark.rate(fresh_db, people["tina"], catalogue, EXAM, dict.fromkeys(pool, 0.6))
    passmark.rate(fresh_db, people["boss"], catalogue, EXAM, dict.fromkeys(pool, 0.8))

    seen = passmark.standing(fresh_db, people["boss"], catalogue, EXAM)
    per, overall = seen.now_impact  # at 80: only ann
    assert [(i.cohort, i.attempts, i.passed) for i in per] == [("north", 2, 1), ("south", 1, 0)]
    assert (overall.attempts, overall.passed) == (3, 1)
    assert seen.recommended_impact is not None
    per, overall = seen.recommended_impact  # at 70: ann and bob
    assert [(i.cohort, i.attempts, i.passed) for i in per] == [("north", 2, 2), ("south", 1, 0)]
    assert (overall.attempts, overall.passed) == (3, 2)

    # A trainer counts their own cohort's attempts only.
    mine = passmark.standing(fresh_db, people["tina"], catalogue, EXAM)
    assert [i.cohort for i in mine.now_impact[0]] == ["north"]
    assert mine.now_impact[1].attempts == 2


@pytest.mark.parametrize(
    ("quiz", "ratings", "message"),
    [
        (EXAM, {"aftercare-beach-sun-001": 0.5}, "cannot draw question 'aftercare-beach-sun-001'"),
        (EXAM, {"no-such-question": 0.5}, "cannot draw question 'no-such-question'"),
        ("no-such-quiz", {}, "no quiz 'no-such-quiz'"),
    ],
)
def test_ratings_of_what_the_exam_cannot_draw_are_refused(
    fresh_db, people, catalogue, quiz, ratings, message
):
    with pytest.raises(InvalidRating, match=message):
        passmark.rate(fresh_db, people["tina"], catalogue, quiz, ratings)


@pytest.mark.parametrize("rating", [-0.1, 1.01, 60])
def test_a_rating_is_a_chance_from_0_to_1(fresh_db, people, catalogue, pool, rating):
    with pytest.raises(InvalidRating, match="a rating is a chance from 0 to 1"):
        passmark.rate(fresh_db, people["tina"], catalogue, EXAM, {pool[0]: rating})


def test_trainees_may_not_rate_or_look_and_a_deactivated_trainer_is_refused(
    fresh_db, people, catalogue, pool
):
    with pytest.raises(Forbidden, match="standard setting is for trainers and managers"):
        passmark.rate(fresh_db, people["ann"], catalogue, EXAM, {pool[0]: 0.5})
    with pytest.raises(Forbidden):
        passmark.standing(fresh_db, people["ann"], catalogue, EXAM)
    useradmin.set_active(fresh_db, people["boss"], "tina", False)
    with pytest.raises(AccountInactive):
        passmark.rate(fresh_db, people["tina"], catalogue, EXAM, {pool[0]: 0.5})


# --- adopting a mark: written into quizzes.yaml through the editor's save path ---------------------


@pytest.fixture
def content(tmp_path):
    return Path(shutil.copytree(config.quizzes_dir(), tmp_path / "quizzes"))


def test_a_manager_adopts_a_mark_and_only_that_line_changes(fresh_db, people, content):
    before = (content / "quizzes.yaml").read_text(encoding="utf-8")
    cat = load([content])
    opened = passmark.quizzes_version(content)
    saved = passmark.adopt(fresh_db, people["boss"], cat, content, opened, EXAM, 72.5)
    after = (content / "quizzes.yaml").read_text(encoding="utf-8")
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # Only the exam's pass mark changed (the other quizzes keep theirs).
    assert changed == ["-    pass_mark: 80", "+    pass_mark: 72.5"]
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == [
        line for line in after.splitlines() if line.lstrip().startswith("#")
    ]  # every comment kept
    assert load([content]).quizzes[EXAM].pass_mark == 72.5
    assert "+    pass_mark: 72.5" in saved.diff
    with fresh_db.connect() as conn:
        [line] = audit_store.lines(conn, "content.quiz")
    assert (line["target"], line["detail"]["pass_mark"]) == (EXAM, [80, 72.5])


def test_a_whole_mark_is_written_without_a_decimal_point(fresh_db, people, content):
    cat = load([content])
    passmark.adopt(
        fresh_db, people["boss"], cat, content, passmark.quizzes_version(content), EXAM, 75.0
    )
    assert "    pass_mark: 75\n" in (content / "quizzes.yaml").read_text(encoding="utf-8")


def test_adopting_against_a_changed_file_is_refused_and_says_who(fresh_db, people, content):
    cat = load([content])
    opened = passmark.quizzes_version(content)
    passmark.adopt(fresh_db, people["boss"], cat, content, opened, EXAM, 70)
    with pytest.raises(ChangedMeanwhile, match=r"changed by boss \(boss\) at .* saving quiz"):
        passmark.adopt(fresh_db, people["boss"], cat, content, opened, EXAM, 75)
    assert load([content]).quizzes[EXAM].pass_mark == 70
    again = passmark.quizzes_version(content)
    path = content / "quizzes.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    with pytest.raises(ChangedMeanwhile, match="changed on disk outside the app"):
        passmark.adopt(fresh_db, people["boss"], cat, content, again, EXAM, 75)


def test_only_managers_adopt_and_only_a_percentage(fresh_db, people, content):
    cat = load([content])
    opened = passmark.quizzes_version(content)
    with pytest.raises(Forbidden, match="only managers adopt a pass mark"):
        passmark.adopt(fresh_db, people["tina"], cat, content, opened, EXAM, 70)
    with pytest.raises(InvalidRating, match="from 0 to 100, not 101"):
        passmark.adopt(fresh_db, people["boss"], cat, content, opened, EXAM, 101)
    assert passmark.quizzes_version(content) == opened  # nothing written
