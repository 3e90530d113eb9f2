"""Item analysis: hand-worked fixtures, numpy cross-checks on random data, degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app import analytics

START = pd.Timestamp("2026-03-01 09:00")


def responses_from(scores, *, choices=None, qids=None, users=None) -> pd.DataFrame:
    """Long-format responses from per-attempt rows of points; None marks a question not drawn.

    Attempt i (from 1) belongs to user i unless ``users`` says otherwise and was submitted i days
    after START.
    """
    qids = qids or [f"q{j + 1}" for j in range(len(scores[0]))]
    rows = []
    for i, row in enumerate(scores):
        for j, points in enumerate(row):
            if points is None:
                continue
            rows.append(
                {
                    "attempt_id": i + 1,
                    "user_id": users[i] if users else i + 1,
                    "submitted_at": START + pd.Timedelta(days=i + 1),
                    "position": j + 1,
                    "qid": qids[j],
                    "points": float(points),
                    "choice": choices[i][j] if choices else None,
                }
            )
    return pd.DataFrame(rows)


# A perfect Guttman pattern: 5 attempts x 4 items of 0/1.
#
#        q1 q2 q3 q4 | total
#   a1    1  1  1  1 |  4
#   a2    1  1  1  0 |  3
#   a3    1  1  0  0 |  2
#   a4    1  0  0  0 |  1
#   a5    0  0  0  0 |  0
GUTTMAN = [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]


def test_hand_worked_item_statistics():
    stats = analytics.item_stats(responses_from(GUTTMAN))
    assert list(stats.columns) == list(analytics.ITEM_COLUMNS)
    assert list(stats.index) == ["q1", "q2", "q3", "q4"]
    assert stats.index.name == "qid"
    assert list(stats["responses"]) == [5, 5, 5, 5]
    # p = correct / 5
    assert list(stats["facility"]) == pytest.approx([0.8, 0.6, 0.4, 0.2])
    # sample sd of 0/1 scores: sqrt(n p (1 - p) / (n - 1)); q1: sqrt(5 * .8 * .2 / 4) = sqrt(.2)
    assert stats.loc["q1", "sd"] == pytest.approx(math.sqrt(0.2))
    assert stats.loc["q2", "sd"] == pytest.approx(math.sqrt(0.3))
    # q1: x = 1 1 1 1 0, rest = total - x = 3 2 1 0 0 (mean 1.2)
    #   x - .8 = .2 .2 .2 .2 -.8; rest - 1.2 = 1.8 .8 -.2 -1.2 -1.2
    #   sum of products = .36 + .16 - .04 - .24 + .96 = 1.2
    #   sum of squares: x .04*4 + .64 = .8; rest 3.24 + .64 + .04 + 1.44 + 1.44 = 6.8
    #   r = 1.2 / sqrt(.8 * 6.8) = 1.2 / sqrt(5.44) = 0.51450
    assert stats.loc["q1", "discrimination"] == pytest.approx(1.2 / math.sqrt(5.44))
    assert stats.loc["q1", "discrimination"] == pytest.approx(0.51450, abs=5e-6)
    # q2: x = 1 1 1 0 0, rest = 3 2 1 1 0 (mean 1.4)
    #   x - .6 = .4 .4 .4 -.6 -.6; rest - 1.4 = 1.6 .6 -.4 -.4 -1.4
    #   products .64 + .24 - .16 + .24 + .84 = 1.8; squares x 1.2, rest 5.2
    #   r = 1.8 / sqrt(1.2 * 5.2) = 0.72058
    assert stats.loc["q2", "discrimination"] == pytest.approx(1.8 / math.sqrt(6.24))
    # g = floor(.27 * 5 + .5) = 1: the upper group is a1 (total 4), the lower a5 (total 0);
    # every item is right in a1 and wrong in a5, so D = 1 - 0 = 1.
    assert list(stats["upper_lower_d"]) == pytest.approx([1.0, 1.0, 1.0, 1.0])
    # Scores and rest scores are already in the same order, so cov equals the largest possible.
    assert list(stats["efficiency"]) == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert stats["provisional"].tolist() == [True, True, True, True]
    assert stats["flags"].tolist() == [[], [], [], []]


def test_hand_worked_alpha_kr20_and_sem():
    quiz = analytics.quiz_stats(responses_from(GUTTMAN))
    # item variances (ddof=1): n p q / (n - 1) = .2, .3, .3, .2; sum 1.0
    # totals 4 3 2 1 0: mean 2, variance (4 + 1 + 0 + 1 + 4) / 4 = 2.5
    # alpha = 4/3 * (1 - 1.0 / 2.5) = 4/3 * .6 = 0.8
    assert quiz["alpha"] == pytest.approx(0.8)
    # KR-20: sum p q = .16 + .24 + .24 + .16 = .8, times n / (n - 1) = 5/4 -> 1.0; same 0.8
    assert quiz["kr20"] == pytest.approx(0.8)
    assert quiz["kr20"] == pytest.approx(quiz["alpha"])
    # SEM = sqrt(2.5) * sqrt(1 - .8) = sqrt(.5)
    assert quiz["sem"] == pytest.approx(math.sqrt(0.5))
    # without q1: items .3 + .3 + .2 = .8; totals 3 2 1 0 0, mean 1.2, variance 6.8 / 4 = 1.7
    #   alpha = 3/2 * (1 - .8 / 1.7) = 0.79412
    # without q2: items .2 + .3 + .2 = .7; totals 3 2 1 1 0, mean 1.4, variance 5.2 / 4 = 1.3
    #   alpha = 3/2 * (1 - .7 / 1.3) = 0.69231; q3 and q4 mirror q2 and q1
    by_hand = [1.5 * (1 - 0.8 / 1.7), 1.5 * (1 - 0.7 / 1.3)]
    assert quiz["alpha_if_deleted"].tolist() == pytest.approx(by_hand + by_hand[::-1])
    assert list(quiz["alpha_if_deleted"].index) == ["q1", "q2", "q3", "q4"]
    assert quiz["alpha_note"] is None
    # percents 100 75 50 25 0: mean 50, sd sqrt(2.5) / 4 * 100
    assert quiz["attempts"] == 5
    assert quiz["items"] == 4
    assert quiz["mean_percent"] == pytest.approx(50.0)
    assert quiz["sd_percent"] == pytest.approx(math.sqrt(2.5) * 25)
    assert quiz["mean_total"] == pytest.approx(2.0)
    assert quiz["sd_total"] == pytest.approx(math.sqrt(2.5))


# Not Guttman: q4 is right for the weakest attempt and wrong for a top one.
#
#        q1 q2 q3 q4 | total
#   a1    1  1  1  0 |  3
#   a2    1  1  0  1 |  3
#   a3    1  0  1  0 |  2
#   a4    1  1  0  0 |  2
#   a5    0  0  0  1 |  1
MIXED = [[1, 1, 1, 0], [1, 1, 0, 1], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]]
MIXED_CHOICES = [
    ["A", "A", "A", "B"],
    ["A", "A", "B", "A"],
    ["A", "C", "A", None],
    ["A", "A", None, "C"],
    ["B", "C", "B", "A"],
]
MIXED_OPTIONS = {q: [("A", True), ("B", False), ("C", False)] for q in ("q1", "q2", "q3", "q4")}


def test_negative_item_tied_groups_and_efficiency_by_hand():
    stats = analytics.item_stats(responses_from(MIXED))
    q4 = stats.loc["q4"]
    # x = 0 1 0 0 1 (mean .4), rest = 3 2 2 2 0 (mean 1.8)
    #   x - .4 = -.4 .6 -.4 -.4 .6; rest - 1.8 = 1.2 .2 .2 .2 -1.8
    #   products -.48 + .12 - .08 - .08 - 1.08 = -1.6; squares x 1.2, rest 4.8
    #   r = -1.6 / sqrt(5.76) = -2/3
    assert q4["discrimination"] == pytest.approx(-2 / 3)
    # sorted x = 0 0 0 1 1, sorted rest = 0 2 2 2 3: products .72 - .08 - .08 + .12 + .72 = 1.4
    # efficiency = -1.6 / 1.4
    assert q4["efficiency"] == pytest.approx(-1.6 / 1.4)
    # g = 1; a1 and a2 tie on the top total 3, so each counts 1/2: p(upper) = (0 + 1) / 2
    # lower group a5 (total 1): p(lower) = 1; D = .5 - 1
    assert q4["upper_lower_d"] == pytest.approx(-0.5)
    assert q4["flags"] == ["negative discrimination: r=-0.67 — check the key"]
    # q1: x = 1 1 1 1 0, rest = 2 2 1 1 1: products .12 + .12 - .08 - .08 + .32 = .4
    #   squares x .8, rest 1.2: r = .4 / sqrt(.96)
    assert stats.loc["q1", "discrimination"] == pytest.approx(0.4 / math.sqrt(0.96))


def test_distractor_shares_by_hand():
    table = analytics.distractors(responses_from(MIXED, choices=MIXED_CHOICES), MIXED_OPTIONS)
    assert list(table.columns) == list(analytics.DISTRACTOR_COLUMNS)
    assert len(table) == 4 * 4
    q3 = table[table["qid"] == "q3"].set_index("option")
    assert list(q3.index) == ["A", "B", "C", "no answer"]
    assert q3["is_key"].tolist() == [True, False, False, False]
    assert q3["n"].tolist() == [2, 2, 0, 1]
    assert q3["share"].tolist() == pytest.approx([0.4, 0.4, 0.0, 0.2])
    # upper group: a1 (A) and a2 (B) tied at total 3, half each; lower group: a5 (B)
    assert q3["upper_share"].tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert q3["lower_share"].tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0])
    q4 = table[table["qid"] == "q4"].set_index("option")
    assert q4["n"].tolist() == [2, 1, 1, 1]
    assert q4["upper_share"].tolist() == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert q4["lower_share"].tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])
    # every question's shares add up to 1, whichever group
    sums = table.groupby("qid")[["share", "upper_share", "lower_share"]].sum()
    assert sums.to_numpy() == pytest.approx(np.ones((4, 3)))


def test_distractors_skip_questions_not_answered_and_accept_integer_labels():
    responses = responses_from([[1, 0], [0, 1]], choices=[[2, 0], [1, None]])
    options = {"q1": [(0, False), (1, False), (2, True)], "absent": [(0, True), (1, False)]}
    table = analytics.distractors(responses, options)
    assert table["qid"].tolist() == ["q1"] * 4
    assert table["option"].tolist() == [0, 1, 2, "no answer"]
    assert table["n"].tolist() == [0, 1, 1, 0]


def flag_fixture() -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """100 attempts ranked by i (higher is stronger): anchors, an easy, a hard, a reversed item."""
    i = np.arange(100)
    items = {
        "a1": i >= 20,
        "a2": i >= 40,
        "a3": i >= 60,
        "a4": i >= 80,
        "easy": i >= 3,
        "hard": i >= 88,
        "reversed": i < 50,
        "weak": (i % 5 == 0) | (i >= 95),
    }
    x = np.column_stack(list(items.values())).astype(float)
    choices = [[None] * len(items) for _ in i]
    # a2 is single-choice: 60 right (A), 33 B, 5 C (exactly 5%: no flag), 1 D, 1 unanswered
    wrong = ["B"] * 33 + ["C"] * 5 + ["D"] + [None]
    for k in i:
        choices[k][1] = "A" if k >= 40 else wrong[k]
    return responses_from(x.tolist(), choices=choices, qids=list(items)), x, list(items)


def test_flags_are_exact():
    responses, x, qids = flag_fixture()
    options = {"a2": [("A", True), ("B", False), ("C", False), ("D", False)]}
    stats = analytics.item_stats(responses, options)
    total = x.sum(axis=1)
    r = {q: np.corrcoef(x[:, j], total - x[:, j])[0, 1] for j, q in enumerate(qids)}
    # the literal texts below round these
    assert r["easy"] == pytest.approx(0.1958, abs=1e-4)
    assert r["reversed"] == pytest.approx(-0.7843, abs=1e-4)
    assert r["weak"] == pytest.approx(0.1615, abs=1e-4)
    assert stats.loc["hard", "flags"] == ["too hard: p=0.12 < 0.2"]
    # r = 0.1958 would read 0.20 at two decimals, which is not below 0.2: one more decimal
    assert stats.loc["easy", "flags"] == [
        "too easy: p=0.97 > 0.95",
        "weak discrimination: r=0.196 < 0.2",
    ]
    assert stats.loc["reversed", "flags"] == ["negative discrimination: r=-0.78 — check the key"]
    assert stats.loc["weak", "flags"] == ["weak discrimination: r=0.16 < 0.2"]
    assert stats.loc["a2", "flags"] == ["distractor 'D' chosen by 1% (< 5%)"]
    for anchor in ("a1", "a3", "a4"):
        assert stats.loc[anchor, "flags"] == []
    assert not stats["provisional"].any()


def test_flag_values_keep_the_side_of_their_threshold():
    n = 1000
    i = np.arange(n)
    x = np.column_stack([i >= n - 199, i >= 49, i >= 500]).astype(float)
    stats = analytics.item_stats(responses_from(x.tolist()))
    assert stats.loc["q1", "facility"] == pytest.approx(0.199)
    assert stats.loc["q1", "flags"][0] == "too hard: p=0.199 < 0.2"
    assert stats.loc["q2", "facility"] == pytest.approx(0.951)
    assert stats.loc["q2", "flags"][0] == "too easy: p=0.951 > 0.95"


def test_without_options_there_are_no_distractor_flags():
    responses, _, _ = flag_fixture()
    assert analytics.item_stats(responses).loc["a2", "flags"] == []


@pytest.mark.parametrize(("attempts", "provisional"), [(29, True), (30, False)])
def test_provisional_below_30_responses(attempts, provisional):
    scores = [[k % 2, (k // 2) % 2] for k in range(attempts)]
    stats = analytics.item_stats(responses_from(scores))
    assert stats["responses"].tolist() == [attempts, attempts]
    assert stats["provisional"].tolist() == [provisional, provisional]


def random_pool(rng: np.random.Generator, attempts=400, pool=12, drawn=8) -> np.ndarray:
    """Attempts x pool of partial-credit points (0, 1/3, 2/3, 1), NaN where not drawn."""
    ability = rng.normal(size=attempts)
    easiness = rng.normal(size=pool)
    raw = ability[:, None] + easiness[None, :] + rng.normal(scale=1.0, size=(attempts, pool))
    points = np.clip(np.round(raw + 1.5), 0, 3) / 3
    undrawn = np.argsort(rng.random((attempts, pool)), axis=1)[:, drawn:]
    np.put_along_axis(points, undrawn, np.nan, axis=1)
    return points


def test_random_pool_item_statistics_match_numpy():
    x = random_pool(np.random.default_rng(42))
    qids = [f"q{j + 1:02d}" for j in range(12)]
    responses = responses_from([[None if np.isnan(v) else v for v in r] for r in x], qids=qids)
    matrix = analytics.score_matrix(responses)
    np.testing.assert_array_equal(matrix.to_numpy(), x)
    assert list(matrix.columns) == qids
    assert (~np.isnan(x)).sum(axis=1).tolist() == [8] * 400

    stats = analytics.item_stats(responses)
    total = np.nansum(x, axis=1)
    for j, qid in enumerate(matrix.columns):
        has = ~np.isnan(x[:, j])
        item, rest = x[has, j], total[has] - x[has, j]
        row = stats.loc[qid]
        assert row["responses"] == has.sum()
        assert row["facility"] == pytest.approx(item.mean())
        assert row["sd"] == pytest.approx(item.std(ddof=1))
        assert row["discrimination"] == pytest.approx(np.corrcoef(item, rest)[0, 1])
        best = np.cov(np.sort(item), np.sort(rest))[0, 1]
        assert row["efficiency"] == pytest.approx(np.cov(item, rest)[0, 1] / best)
        assert -1 <= row["upper_lower_d"] <= 1
    assert stats["discrimination"].gt(0).all()


def test_random_fixed_form_alpha_matches_the_variance_formula():
    rng = np.random.default_rng(42)
    ability = rng.normal(size=(300, 1))
    x = (rng.random((300, 10)) < 1 / (1 + np.exp(-(ability - rng.normal(size=10))))).astype(float)
    qids = [f"q{j + 1:02d}" for j in range(10)]
    quiz = analytics.quiz_stats(responses_from(x.tolist(), qids=qids))
    k = x.shape[1]

    def alpha(m: np.ndarray) -> float:
        c = m.shape[1]
        return c / (c - 1) * (1 - m.var(axis=0, ddof=1).sum() / m.sum(axis=1).var(ddof=1))

    assert quiz["alpha"] == pytest.approx(alpha(x))
    p = x.mean(axis=0)
    kr20 = k / (k - 1) * (1 - (p * (1 - p)).sum() * 300 / 299 / x.sum(axis=1).var(ddof=1))
    assert quiz["kr20"] == pytest.approx(kr20)
    assert quiz["kr20"] == pytest.approx(quiz["alpha"])
    assert quiz["sem"] == pytest.approx(x.sum(axis=1).std(ddof=1) * math.sqrt(1 - alpha(x)))
    deleted = [alpha(np.delete(x, j, axis=1)) for j in range(k)]
    assert list(quiz["alpha_if_deleted"].index) == qids
    assert quiz["alpha_if_deleted"].tolist() == pytest.approx(deleted)


def test_partial_credit_has_alpha_but_no_kr20():
    x = random_pool(np.random.default_rng(42), attempts=200, pool=6, drawn=6)
    quiz = analytics.quiz_stats(responses_from(x.tolist()))
    k = 6
    direct = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert quiz["alpha"] == pytest.approx(direct)
    assert math.isnan(quiz["kr20"])


def test_alpha_is_nan_with_a_reason_when_attempts_draw_different_items():
    x = random_pool(np.random.default_rng(7), attempts=50)
    quiz = analytics.quiz_stats(
        responses_from([[None if np.isnan(v) else v for v in r] for r in x])
    )
    assert math.isnan(quiz["alpha"])
    assert math.isnan(quiz["kr20"])
    assert math.isnan(quiz["sem"])
    assert quiz["alpha_note"] == (
        "attempts have different questions (drawn from a pool); alpha needs every attempt to "
        "have the same items"
    )
    assert quiz["alpha_if_deleted"].isna().all()
    assert len(quiz["alpha_if_deleted"]) == 12
    # percent uses each attempt's own number of items (8 here)
    assert quiz["mean_percent"] == pytest.approx((np.nansum(x, axis=1) / 8 * 100).mean())


def test_all_same_scores_give_nan_correlations_without_warnings():
    responses = responses_from([[1, 0, 1]] * 6)
    stats = analytics.item_stats(responses)
    assert stats["discrimination"].isna().all()
    assert stats["efficiency"].isna().all()
    assert stats["upper_lower_d"].tolist() == [0.0, 0.0, 0.0]
    assert stats["sd"].tolist() == [0.0, 0.0, 0.0]
    assert stats["flags"].tolist() == [
        ["too easy: p=1.00 > 0.95"],
        ["too hard: p=0.00 < 0.2"],
        ["too easy: p=1.00 > 0.95"],
    ]
    quiz = analytics.quiz_stats(responses)
    assert math.isnan(quiz["alpha"])
    assert quiz["alpha_note"] == "every attempt has the same total score"
    assert quiz["sd_percent"] == 0.0


def test_an_item_varying_against_a_constant_rest_has_nan_r():
    # q2 varies but the rest (q1 alone) is always 1
    stats = analytics.item_stats(responses_from([[1, 0], [1, 1], [1, 0]]))
    assert math.isnan(stats.loc["q2", "discrimination"])
    assert stats.loc["q2", "facility"] == pytest.approx(1 / 3)


def test_a_single_attempt():
    responses = responses_from([[1, 0.5, 0]])
    stats = analytics.item_stats(responses)
    assert stats["responses"].tolist() == [1, 1, 1]
    assert stats["sd"].isna().all()
    assert stats["discrimination"].isna().all()
    assert stats["upper_lower_d"].tolist() == [0.0, 0.0, 0.0]
    assert stats["provisional"].all()
    quiz = analytics.quiz_stats(responses)
    assert quiz["attempts"] == 1
    assert quiz["mean_percent"] == pytest.approx(50.0)
    assert math.isnan(quiz["sd_percent"])
    assert math.isnan(quiz["alpha"])
    assert quiz["alpha_note"] == "alpha needs at least 2 attempts"
    assert analytics.select_attempts(responses, "best")["attempt_id"].tolist() == [1, 1, 1]


def test_no_responses_give_empty_results():
    empty = responses_from([[1]]).iloc[:0]
    assert analytics.item_stats(empty).empty
    assert list(analytics.item_stats(empty).columns) == list(analytics.ITEM_COLUMNS)
    assert analytics.distractors(empty, {"q1": [("A", True)]}).empty
    assert analytics.quiz_stats(empty)["attempts"] == 0
    assert analytics.score_matrix(empty).shape == (0, 0)


def test_partial_credit_ties_survive_float_noise():
    # 1/3 + 3/4 + 3/5 summed in two orders differs in the last bit; both rests are the same
    # 1.68333... points, so q4 has no rest-score variance to correlate with
    third = 1 / 3
    stats = analytics.item_stats(responses_from([[third, 0.75, 0.6, 1], [0.6, 0.75, third, 0]]))
    assert math.isnan(stats.loc["q4", "discrimination"])
    assert math.isnan(stats.loc["q4", "efficiency"])


ATTEMPTS = [
    # attempt_id, user_id, submitted (days after START), points
    (1, 10, 3, [1, 0, 0]),
    (2, 10, 1, [0, 0, 1]),
    (3, 10, 2, [1, 1, 0]),
    (4, 10, 5, [1, 0, 1]),  # ties attempt 3 on 2 points, submitted later
    (5, 20, 4, [0, 0, 0]),
    (7, 20, 4, [1, 0, 0]),  # same time as 5: attempt_id breaks the tie
]


def select_fixture() -> pd.DataFrame:
    rows = [
        {
            "attempt_id": attempt,
            "user_id": user,
            "submitted_at": START + pd.Timedelta(days=day),
            "position": j + 1,
            "qid": f"q{j + 1}",
            "points": float(p),
            "choice": None,
        }
        for attempt, user, day, points in ATTEMPTS
        for j, p in enumerate(points)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("which", "expected"),
    [("first", {2, 5}), ("last", {4, 7}), ("best", {3, 7}), ("all", {1, 2, 3, 4, 5, 7})],
)
def test_select_attempts(which, expected):
    responses = select_fixture()
    chosen = analytics.select_attempts(responses, which)
    assert set(chosen["attempt_id"]) == expected
    assert len(chosen) == 3 * len(expected)
    # rows keep their order and index
    assert chosen.index.is_monotonic_increasing
    assert chosen.equals(responses.loc[chosen.index])


def test_select_attempts_refuses_bad_input():
    responses = select_fixture()
    with pytest.raises(ValueError, match="unknown which 'median'"):
        analytics.select_attempts(responses, "median")
    unfinished = responses.assign(submitted_at=responses["submitted_at"].where(responses.index > 0))
    with pytest.raises(ValueError, match="submitted_at is missing"):
        analytics.select_attempts(unfinished, "last")
    with pytest.raises(ValueError, match="responses lack columns: user_id"):
        analytics.select_attempts(responses.drop(columns="user_id"), "first")


def test_bad_responses_are_refused():
    responses = responses_from([[1, 0], [0, 1]])
    twice = pd.concat([responses, responses.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="attempt 1 has question q1 more than once"):
        analytics.item_stats(twice)
    with pytest.raises(ValueError, match="points must be between 0 and 1"):
        analytics.score_matrix(responses.assign(points=[1.0, 0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="points must be between 0 and 1"):
        analytics.quiz_stats(responses.assign(points=[1.0, np.nan, 0.0, 1.0]))
    with pytest.raises(ValueError, match="responses lack columns: qid"):
        analytics.score_matrix(responses.drop(columns="qid"))


def test_unknown_choices_and_repeated_labels_are_refused():
    responses = responses_from([[1], [0]], choices=[["A"], ["Z"]])
    with pytest.raises(ValueError, match="q1: choice 'Z' is not one of its options"):
        analytics.distractors(responses, {"q1": [("A", True), ("B", False)]})
    with pytest.raises(ValueError, match="q1: option labels repeat"):
        analytics.item_stats(responses, {"q1": [("A", True), ("A", False), ("Z", False)]})
