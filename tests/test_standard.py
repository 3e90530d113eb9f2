"""The modified-Angoff pass mark (app/standard.py), with every expected figure worked by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from app import standard
from app.standard import Impact, NoPassMark

POOL = ["q1", "q2", "q3", "q4"]
# Rater means: ann (0.6 + 0.8 + 0.5 + 0.7) / 4 = 0.65, ben 0.75, cat 0.55: cut scores 65, 75, 55.
RATINGS = {
    "ann": {"q1": 0.6, "q2": 0.8, "q3": 0.5, "q4": 0.7},
    "ben": {"q1": 0.7, "q2": 0.9, "q3": 0.6, "q4": 0.8},
    "cat": {"q1": 0.5, "q2": 0.7, "q3": 0.4, "q4": 0.6},
}


def test_the_pass_mark_is_the_mean_of_the_raters_cut_scores():
    got = standard.recommend(RATINGS, POOL)
    assert got.pass_mark == pytest.approx(65)
    assert dict(got.rater_marks) == pytest.approx({"ann": 65, "ben": 75, "cat": 55})
    # Deviations 0, +10, -10: sample variance 200 / 2 = 100, so a spread of 10 points and a
    # standard error of 10 / sqrt(3) = 5.77.
    assert got.spread == pytest.approx(10)
    assert got.standard_error == pytest.approx(5.7735, abs=1e-4)
    assert (got.raters, got.questions) == (3, 4)
    # Every question's ratings are 0.1 apart at most (a spread of 0.1): nothing to discuss.
    assert got.to_discuss == ()


def test_questions_the_raters_disagree_on_are_listed_for_discussion():
    q5 = dict(zip(RATINGS, (0.2, 0.9, 0.5), strict=True))
    ratings = {r: given | {"q5": q5[r]} for r, given in RATINGS.items()}
    got = standard.recommend(ratings, [*POOL, "q5"])
    # q5: 0.2, 0.9, 0.5 has a spread of about 0.35 (> 0.15); the others 0.1.
    assert got.to_discuss == ("q5",)
    # Means now 2.8 / 5, 3.9 / 5 and 2.7 / 5: cut scores 56, 78, 54; their mean 188 / 3.
    assert got.pass_mark == pytest.approx(188 / 3)


def test_only_the_pool_counts_and_a_question_listed_twice_counts_once():
    extra = {r: given | {"other": 0.0} for r, given in RATINGS.items()}
    assert standard.recommend(extra, [*POOL, "q1"]).pass_mark == pytest.approx(65)


@pytest.mark.parametrize(
    ("ratings", "pool", "message"),
    [
        ({"ann": RATINGS["ann"]}, POOL, "1 rater(s) so far: a pass mark needs at least 2"),
        ({}, POOL, "0 rater(s) so far: a pass mark needs at least 2"),
        (
            {"ann": RATINGS["ann"], "ben": {"q1": 0.7}},
            POOL,
            "ben has not rated 3 of 4 questions (first: q2)",
        ),
        (
            {"ann": RATINGS["ann"], "ben": RATINGS["ben"] | {"q3": 1.5}},
            POOL,
            "ben: the rating of q3 is not between 0 and 1",
        ),
        (RATINGS, [], "the exam's pool has no questions to rate"),
    ],
)
def test_ratings_that_cannot_give_a_mark_say_why(ratings, pool, message):
    with pytest.raises(NoPassMark) as caught:
        standard.recommend(ratings, pool)
    assert str(caught.value) == message


def test_impact_counts_passes_per_cohort_and_overall_exactly():
    attempts = [
        ("north", 80.0),
        ("north", 65.0),  # exactly the mark
        ("south", float(Fraction(58, 3) / 30 * 100)),  # 19.333... of 30 = 64.444...%
        ("south", 100.0),
    ]
    per, overall = standard.impact(attempts, 65)
    assert per == [Impact("north", 2, 2), Impact("south", 2, 1)]
    assert overall == Impact(None, 4, 3)
    assert overall.rate == 0.75
    # 64.44 is reached by 58/3 of 30 (64.444...%), 64.45 is not.
    assert standard.impact(attempts, 64.44)[1].passed == 4
    assert standard.impact(attempts, 64.45)[1].passed == 3


def test_impact_of_no_attempts_is_empty_with_a_zero_rate():
    per, overall = standard.impact([], 80)
    assert per == []
    assert (overall.attempts, overall.passed, overall.rate) == (0, 0, 0.0)
    assert math.isclose(Impact("x", 0, 0).rate, 0.0)
