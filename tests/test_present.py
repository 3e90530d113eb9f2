"""How answers, scores and question types read: the rules pages and exports share (app.present).

Expected texts are typed by hand, not worked out with the code under test.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from app import present
from app.engine import OptionSnap, Snapshot


def snapshot(kind: str, **content) -> Snapshot:
    """A question of ``kind`` with only what wording an answer needs."""
    fields = {
        "qid": "q1",
        "bank": "care",
        "topic": "care",
        "type": kind,
        "difficulty": 1,
        "stem": "Which?",
        "case_id": None,
        "case_title": None,
        "vignette": None,
        "options": (),
        "answer": None,
        "pairs": (),
        "explanation": "Because.",
        "sources": (),
    }
    return Snapshot(**(fields | content))


OPTIONS = (
    OptionSnap("Sunscreen", True),
    OptionSnap("Sauna", False),
    OptionSnap("Cool compress", True),
)
PAIRS = (("Day 1", "Redness"), ("Day 7", "Peeling"))


# --- answered, complete, correct ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "answered", "complete"),
    [
        (None, False, False),
        (0, True, True),
        (False, True, True),  # "False" is an answer to a true/false question
        ([], False, False),
        ([2], True, True),
        ([None, None], False, False),
        ([1, None], True, False),  # a matching question with one item matched
        ([1, 0], True, True),
    ],
)
def test_answered_and_complete(answer, answered, complete):
    assert present.is_answered(answer) is answered
    assert present.is_complete(answer) is complete


@pytest.mark.parametrize(
    ("points", "correct"),
    [
        (1, True),
        (1.0, True),
        (Fraction(1), True),
        (0.999, False),
        (Fraction(2, 3), False),
        (0, False),
    ],
)
def test_only_full_marks_are_correct(points, correct):
    assert present.is_correct(points) is correct


# --- answers in words ---------------------------------------------------------------------------


def test_answer_lines_on_a_page_one_line_per_choice_or_pair():
    assert present.answer_lines(snapshot("single", options=OPTIONS), 1) == ["Sauna"]
    assert present.answer_lines(snapshot("true_false", answer=True), False) == ["False"]
    assert present.answer_lines(snapshot("multiple", options=OPTIONS), [0, 2]) == [
        "Sunscreen",
        "Cool compress",
    ]
    assert present.answer_lines(snapshot("matching", pairs=PAIRS), [1, None]) == [
        "Day 1 → Peeling",
        "Day 7 → (none)",
    ]


@pytest.mark.parametrize("answer", [None, [], [None, None]])
def test_an_unanswered_question_reads_no_answer_on_a_page(answer):
    assert present.answer_lines(snapshot("matching", pairs=PAIRS), answer) == ["no answer"]


def test_answer_cell_in_an_export_joins_with_a_bar_and_is_empty_when_unanswered():
    texts = ["Sunscreen", "Sauna", "Cool compress"]
    assert present.answer_cell("multiple", texts, [], [2, 0]) == "Sunscreen | Cool compress"
    assert (
        present.answer_cell("matching", [], PAIRS, [None, 0]) == "Day 1 → (none) | Day 7 → Redness"
    )
    assert present.answer_cell("true_false", [], [], True) == "True"
    assert present.answer_cell("single", texts, [], None) == ""


def test_a_page_and_an_export_word_the_same_answer_alike():
    snap = snapshot("matching", pairs=PAIRS)
    page = present.answer_lines(snap, [None, 1])
    cell = present.answer_cell("matching", [], PAIRS, [None, 1])
    assert cell == " | ".join(page) == "Day 1 → (none) | Day 7 → Peeling"


def test_an_answer_that_does_not_fit_its_question_raises():
    with pytest.raises(IndexError):
        present.answer_cell("single", ["Only"], [], 3)


# --- scores people read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "text"),
    [
        (7, "7"),
        (7.0, "7"),
        (0, "0"),
        (6.5, "6.5"),
        (19 / 3, "6.33"),  # 6.333...
        (20 / 3, "6.66"),  # rounded down, never up to 6.67
        (Fraction(20, 3), "6.66"),
        (0.29, "0.29"),  # stored as 0.28999...: float noise does not cost a hundredth
        (2.1, "2.1"),
        (23.999, "23.99"),
    ],
)
def test_points_at_most_two_decimals_rounded_down_without_trailing_zeros(points, text):
    assert present.points(points) == text


def test_points_of():
    assert present.points_of(19 / 3, 10) == "6.33 of 10 points"
    assert present.points_of(7.0, 10) == "7 of 10 points"
    assert present.points_of(29.5, 30) == "29.5 of 30 points"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "-"),
        (80, "80%"),
        (80.0, "80%"),
        (79.96, "79.9%"),  # never reads as a pass mark of 80%
        (200 / 3, "66.6%"),
        (100 / 3, "33.3%"),
        (0.0, "0%"),
        (100.0, "100%"),
    ],
)
def test_percent_on_a_page_one_decimal_rounded_down(value, text):
    assert present.percent(value) == text


@pytest.mark.parametrize(
    ("value", "figure"),
    [(79.96, 79.9), (200 / 3, 66.6), (80.0, 80.0), (0.0, 0.0), (57.14285714, 57.1)],
)
def test_chart_percent_is_the_figure_a_page_shows(value, figure):
    assert present.chart_percent(value) == figure


@pytest.mark.parametrize(
    ("value", "figure"),
    [
        (None, None),
        (230 / 3, 76.66),  # 76.666...: rounded down, as the certification export does
        (100 / 3, 33.33),
        (30.0, 30.0),
        (100.0, 100.0),
        (79.999, 79.99),
        (0.29, 0.29),
    ],
)
def test_export_percent_two_decimals_rounded_down(value, figure):
    assert present.export_percent(value) == figure


# --- pass or fail per topic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "max_points", "pass_mark", "passed"),
    [
        (4.0, 5, 80, True),  # exactly the mark passes
        (3.0, 5, 80, False),
        (4.6, 5, 92, True),  # 92% exactly, though 100 * 4.6 / 5 is 91.99999999999999 in floats
        (float(Fraction(7, 3)), 3, 77.77, True),  # 7/3 of 3 is 77.777...%
        (float(Fraction(7, 3)), 3, 77.78, False),
        (24.0, 30, 80.1, False),  # 80.1 as written, not as the float 80.09999...
        (0.0, 0, 0, False),  # a topic with no questions is not passed
    ],
)
def test_topic_passed_is_exact(points, max_points, pass_mark, passed):
    assert present.topic_passed(points, max_points, pass_mark) is passed


def test_one_label_per_question_type():
    assert present.TYPE_LABELS == {
        "single": "Single answer",
        "multiple": "Multiple answers",
        "true_false": "True / false",
        "matching": "Matching",
    }


def test_scores_are_rounded_for_people_only_here():
    """One home for rounding what people read: no other module of app/ floors a figure itself
    (the item statistics' own rounding and the countdown script aside)."""
    root = Path(present.__file__).parent
    others = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if path.name not in ("present.py", "analytics.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(np|numpy|math)\.floor\(|\.round\(0\)", line)
    ]
    assert others == []


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 kB"),
        (8_460, "8.5 kB"),
        (999_949, "999.9 kB"),
        (1_000_000, "1.0 MB"),
        (245_300_000, "245.3 MB"),
    ],
)
def test_a_file_size_reads_in_the_unit_that_shows_it(n, said):
    assert present.size(n) == said
