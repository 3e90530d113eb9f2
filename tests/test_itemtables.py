"""Item analysis as displayed: dashes for missing figures, order, notices, option tables."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest
from test_analytics import GUTTMAN, responses_from

from app import analytics, itemtables
from app.accounts import User
from app.reports import ItemAnalysis


def analysis(responses: pd.DataFrame, options=None, types=None, stems=None) -> ItemAnalysis:
    """An ItemAnalysis built the way app.reports builds one, without a database."""
    items = analytics.item_stats(responses, options)
    about = pd.DataFrame(
        {
            "topic": "care",
            "type": [(types or {}).get(q, "single") for q in items.index],
            "stem": [(stems or {}).get(q, f"Stem of {q}") for q in items.index],
        },
        index=items.index,
    )
    table = analytics.distractors(responses, options or {})
    table["text"] = [f"Option {o}" for o in table["option"]]
    table.loc[table["option"] == analytics.NO_ANSWER, "text"] = ""
    return ItemAnalysis("quiz", "first", about.join(items), table, analytics.quiz_stats(responses))


# q1 is analysed by option (A is the key); q2..q4 only set the totals 3, 3, 2, 2, 1, 0.
# Upper group (2 attempts): a1, a2, both chose B. Lower group: a6 (no answer) and a5 (A).
OPTION_SCORES = [
    [0, 1, 1, 1],
    [0, 1, 1, 1],
    [1, 1, 0, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
]
OPTION_CHOICES = [[c, None, None, None] for c in ("B", "B", "A", "A", "A", None)]
OPTIONS = {"q1": [("A", True), ("B", False), ("C", False)]}


@pytest.fixture
def options_case() -> ItemAnalysis:
    return analysis(responses_from(OPTION_SCORES, choices=OPTION_CHOICES), OPTIONS)


@pytest.mark.parametrize(
    ("value", "places", "suffix", "shown"),
    [
        (None, 2, "", "—"),
        (float("nan"), 2, "", "—"),
        (0.456, 2, "", "0.46"),
        (-0.0001, 2, "", "0.00"),  # never "-0.00"
        (63.25, 1, "%", "63.2%"),
        (3, 0, "", "3"),
    ],
)
def test_figure_shows_missing_values_as_a_dash(value, places, suffix, shown):
    assert itemtables.figure(value, places, suffix) == shown


def sample_variance(values: list[Fraction]) -> Fraction:
    mean = sum(values, Fraction(0)) / len(values)
    return sum(((v - mean) ** 2 for v in values), Fraction(0)) / (len(values) - 1)


def textbook_alpha(rows: list[list[float]]) -> Fraction:
    """Cronbach's alpha from its definition, in exact fractions: k / (k - 1) * (1 - sum of the
    item variances / variance of the totals), sample variances (n - 1), as Moodle."""
    scores = [[Fraction(str(x)) for x in row] for row in rows]
    k = len(scores[0])
    items = sum(sample_variance([row[j] for row in scores]) for j in range(k))
    totals = sample_variance([sum(row, Fraction(0)) for row in scores])
    return Fraction(k, k - 1) * (1 - items / totals)


def textbook_kr20(rows: list[list[int]]) -> Fraction:
    """KR-20 from its definition for 0/1 items: k / (k - 1) * (1 - sum p q / variance of the
    totals), p the share right; p q is the population variance of an item, so n / (n - 1) makes
    it the sample one, like the totals' variance."""
    n, k = len(rows), len(rows[0])
    p = [Fraction(sum(row[j] for row in rows), n) for j in range(k)]
    pq = sum(pj * (1 - pj) for pj in p) * Fraction(n, n - 1)
    totals = sample_variance([Fraction(sum(row)) for row in rows])
    return Fraction(k, k - 1) * (1 - pq / totals)


def test_a_fixed_form_of_right_or_wrong_questions_reports_kr20():
    # Six copies of the 5-attempt Guttman pattern: p = .8 .6 .4 .2, sum p q = .8, times
    # 30/29; totals 4 3 2 1 0 six times each: mean 2, variance 6 * 10 / 29 = 60/29.
    # KR-20 = 4/3 * (1 - (.8 * 30/29) / (60/29)) = 4/3 * (1 - 24/60) = 0.8.
    rows = GUTTMAN * 6
    assert textbook_kr20(rows) == textbook_alpha(rows) == Fraction(4, 5)
    result = analysis(responses_from(rows))
    assert result.summary["kr20"] == pytest.approx(0.8)
    shown = {label: value for label, value, _ in itemtables.summary_figures(result.summary)}
    assert list(shown) == ["Attempts", "Mean", "SD", "KR-20", "SEM"]
    assert shown["Attempts"] == "30"
    assert shown["Mean"] == "50.0%"
    assert shown["KR-20"] == "0.80"
    assert shown["SEM"].endswith(" pts")
    assert itemtables.reliability_note(result.summary) is None
    assert itemtables.provisional_notice(result) is None
    assert "Alpha if deleted" in itemtables.question_table(result).columns


def test_partial_credit_reports_alpha_not_kr20():
    rows = [[1, 0.5, 1], [0.5, 0, 0], [1, 1, 1], [0, 0, 0.5]]
    # Items: 1 .5 1 0, .5 0 1 0 and 1 0 1 .5; each has squared deviations summing to .6875,
    # so variance .6875 / 3 and 2.0625 / 3 for the three. Totals 2.5 .5 3 .5: mean 1.625,
    # squared deviations .765625 + 1.265625 + 1.890625 + 1.265625 = 5.1875, variance 5.1875 / 3.
    # alpha = 3/2 * (1 - 2.0625 / 5.1875) = 3/2 * (1 - 33/83) = 75/83 = 0.9036.
    assert textbook_alpha(rows) == Fraction(75, 83)
    result = analysis(responses_from(rows))
    assert result.summary["alpha"] == pytest.approx(75 / 83)
    shown = {label: value for label, value, _ in itemtables.summary_figures(result.summary)}
    assert "KR-20" not in shown
    assert shown["Cronbach's alpha"] == "0.90"


def test_a_pool_quiz_shows_dashes_and_says_why():
    result = analysis(responses_from([[1, 0, None], [None, 1, 0], [1, None, 1]]))
    shown = {label: value for label, value, _ in itemtables.summary_figures(result.summary)}
    assert shown["Cronbach's alpha"] == "—"
    assert shown["SEM"] == "—"
    note = itemtables.reliability_note(result.summary)
    assert note is not None
    assert "drawn from a pool" in note
    assert "Alpha if deleted" not in itemtables.question_table(result).columns


def test_the_provisional_notice_counts_attempts_and_thin_questions():
    result = analysis(responses_from(GUTTMAN))
    assert itemtables.provisional_notice(result) == (
        "Provisional: only 5 attempts counted; 4 of 4 questions have fewer than 30 responses "
        "(median 5). With samples this small each new attempt can move the figures a lot: read "
        "flags as prompts to look, not verdicts."
    )


def test_flagged_questions_come_first_most_responses_first():
    # 32 attempts: "b-full" had by all, "c-some" by 20 and "a-thin" by 10, all never right
    # (too hard); "0-calm1" and "0-calm2" agree with each other and are fine.
    rows = [[i % 2, i % 2, 0, 0 if i < 10 else None, 0 if i < 20 else None] for i in range(32)]
    qids = ["0-calm1", "0-calm2", "b-full", "a-thin", "c-some"]
    result = analysis(responses_from(rows, qids=qids))
    assert not result.items.loc[["0-calm1", "0-calm2"], "flags"].map(bool).any()
    table = itemtables.question_table(result)
    assert table["Question"].tolist() == ["b-full", "c-some", "a-thin", "0-calm1", "0-calm2"]
    assert table["Sample"].tolist() == ["", "provisional", "provisional", "", ""]
    assert table["Flags"].tolist()[0] == "too hard: p=0.00 < 0.2"
    only = itemtables.question_table(result, flagged_only=True)
    assert only["Question"].tolist() == ["b-full", "c-some", "a-thin"]


def test_question_table_names_topics_and_types_and_rounds_without_negative_zero(options_case):
    options_case.items.loc["q2", "upper_lower_d"] = -1e-17  # float noise, as sums leave it
    table = itemtables.question_table(options_case, {"care": "Aftercare"})
    assert set(table["Topic"]) == {"Aftercare"}
    assert set(table["Type"]) == {"Single answer"}
    d = table.set_index("Question")["D (27%)"]
    assert f"{d['q2']:.2f}" == "0.00"
    assert (table["Facility"] == table["Facility"].round(2)).all()


def test_option_table_in_percent_with_the_key_and_notes(options_case):
    table = itemtables.option_table(options_case, "q1")
    assert table["Option"].tolist() == ["A", "B", "C", "no answer"]
    assert table["Answer"].tolist() == ["Option A", "Option B", "Option C", "(no answer)"]
    assert table["Key"].tolist() == ["✓", "", "", ""]
    assert table["Chosen"].tolist() == [3, 2, 0, 1]
    assert table["All"].tolist() == [50.0, 33.3, 0.0, 16.7]
    assert table["Upper 27%"].tolist() == [0.0, 100.0, 0.0, 0.0]
    assert table["Lower 27%"].tolist() == [50.0, 0.0, 0.0, 50.0]
    assert table["Note"].tolist() == [
        "lower group chose the key more: check it",
        "draws the upper group: ambiguous or a second answer?",
        "nobody chose it",
        "",
    ]


def test_option_chart_data_has_every_group_for_every_option(options_case):
    data = itemtables.option_chart_data(options_case, "q1")
    assert len(data) == 4 * 3
    assert data["option"].tolist()[:4] == ["A ✓", "B", "C", "no answer"]
    assert data["group"].unique().tolist() == ["Upper 27%", "All", "Lower 27%"]
    upper_b = data[(data["group"] == "Upper 27%") & (data["option"] == "B")]["share"]
    assert upper_b.tolist() == [100.0]


def test_questions_without_options_say_why(options_case):
    result = analysis(
        responses_from(OPTION_SCORES), types={"q2": "multiple", "q3": "matching", "q4": ""}
    )
    assert itemtables.option_table(result, "q2").empty
    assert "multiple answers" in itemtables.no_options_reason(result, "q2")
    assert "matching" in itemtables.no_options_reason(result, "q3")
    assert "no longer in the banks" in itemtables.no_options_reason(result, "q4")
    assert "options changed" in itemtables.no_options_reason(result, "q1")


def test_question_label_marks_flags_and_shortens_the_stem(options_case):
    long = "Which of these is right " * 10
    result = analysis(responses_from(GUTTMAN), stems={"q1": long, "q2": ""})
    label = itemtables.question_label(result, "q1", width=30)
    assert label.startswith("q1 — Which of these")
    assert label.endswith("…")
    assert len(label) == len("q1 — ") + 30
    assert itemtables.question_label(result, "q2") == "q2 — (no longer in the banks)"
    assert not itemtables.question_label(result, "q3").startswith("⚑")
    assert options_case.items.loc["q1", "flags"]
    assert itemtables.question_label(options_case, "q1") == "⚑ q1 — Stem of q1"


def test_cohorts_are_distinct_and_sorted():
    people = [
        User(i, f"u{i}", f"U{i}", "trainee", cohort, True)
        for i, cohort in enumerate(["south", "north", None, "south"])
    ]
    assert itemtables.cohorts(people) == ["north", "south"]


def test_empty_message_names_the_cohort():
    assert itemtables.empty_message("Quick check", "north").startswith(
        "No trainee in cohort north has submitted Quick check yet"
    )
    assert itemtables.empty_message("Quick check", None).startswith(
        "No trainee has submitted Quick check yet"
    )
