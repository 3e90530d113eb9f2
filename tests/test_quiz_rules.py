"""Quiz definitions: blueprints that can be filled, references that exist, sane settings."""

from __future__ import annotations

import pytest

from app.bank.draws import fillable
from conftest import BANK, messages

Q = "quizzes.yaml"

QUIZ = """\
quizzes:
  - id: care-check
    title: Care check
    description: A short check.
    mode: {mode}
    draw:
{draws}
    pass_mark: {pass_mark}
{extra}"""


def quiz(
    draws: str = "      - {topic: care, count: 1}",
    mode: str = "exam",
    pass_mark: str = "80",
    extra: str = "",
) -> str:
    return QUIZ.format(draws=draws, mode=mode, pass_mark=pass_mark, extra=extra)


def test_a_valid_quiz_loads(check):
    secure = BANK + "    exam_only: true\n"  # a certifying exam draws secure questions only
    cat = check(
        {
            Q: quiz(extra="    certifies: {name: Care, valid_months: 12}\n"),
            "banks/care.yaml": secure,
        }
    )
    assert messages(cat) == []
    q = cat.quizzes["care-check"]
    assert (q.feedback, q.review, q.scoring, q.shuffle_questions) == (
        "on_submit",
        "full",
        "all_or_nothing",
        True,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            quiz("      - {topic: skin, count: 1}"),
            [
                f"{Q}:7: care-check: draw[0].count: asks for 1 question but only 0 match",
                f"{Q}:7: care-check: draw[0].topic: unknown topic 'skin'",
            ],
            id="unknown-topic",
        ),
        pytest.param(
            quiz("      - {bank: nope, count: 1}"),
            [
                f"{Q}:7: care-check: draw[0].bank: unknown bank 'nope'",
                f"{Q}:7: care-check: draw[0].count: asks for 1 question but only 0 match",
            ],
            id="unknown-bank",
        ),
        pytest.param(
            quiz("      - {tags: [ski], count: 1}"),
            [
                f"{Q}:7: care-check: draw[0].count: asks for 1 question but only 0 match",
            ],
            id="unknown-tag",
        ),
        pytest.param(
            quiz("      - {topic: care, count: 2}"),
            [
                f"{Q}:7: care-check: draw[0].count: asks for 2 questions but only 1 match",
            ],
            id="too-many",
        ),
        pytest.param(
            quiz("      - {topic: care, count: 1}\n      - {tags: [sun], count: 1}"),
            [
                f"{Q}:6: care-check: draw: the draws overlap: they ask for 2 different questions but only 1 can be drawn",
            ],
            id="overlapping-draws",
        ),
        pytest.param(
            quiz("      - {count: 1}"),
            [
                f"{Q}:7: care-check: draw[0]: a draw needs at least one of topic, bank or tags",
            ],
            id="draw-without-selector",
        ),
        pytest.param(
            quiz(pass_mark="120"),
            [f"{Q}:8: care-check: pass_mark: must be at most 100"],
            id="pass-mark-high",
        ),
        pytest.param(
            quiz(pass_mark="-1"),
            [f"{Q}:8: care-check: pass_mark: must be at least 0"],
            id="pass-mark-low",
        ),
        pytest.param(
            quiz(mode="drill"),
            [f"{Q}:5: care-check: mode: must be one of 'practice' or 'exam'"],
            id="bad-mode",
        ),
        pytest.param(
            quiz(mode="practice", extra="    certifies: {name: Care, valid_months: 12}\n"),
            [
                f"{Q}:9: care-check: certifies: only an exam can grant a certification",
            ],
            id="practice-cannot-certify",
        ),
        pytest.param(
            quiz(extra="    review: answers\n"),
            [
                f"{Q}:9: care-check: review: must be one of 'score_only', 'mistakes' or 'full'",
            ],
            id="bad-review",
        ),
        pytest.param(
            quiz(extra="    time_limit_minutes: 0\n"),
            [
                f"{Q}:9: care-check: time_limit_minutes: must be at least 1",
            ],
            id="zero-time-limit",
        ),
    ],
)
def test_quiz_rule(check, text, expected):
    cat = check({Q: text})
    assert messages(cat) == expected
    assert "care-check" not in cat.quizzes


def test_quiz_ids_are_unique(check):
    text = quiz() + quiz().replace("quizzes:\n", "")
    assert messages(check({Q: text})) == [
        f"{Q}:9: care-check: id: quiz id 'care-check' is already used at {Q}:2"
    ]


def test_draw_by_topic_and_tags_together(check):
    second = (
        BANK.split("questions:\n")[1]
        .replace("care-sun-001", "care-wash-001")
        .replace("tags: [sun]", "tags: [wash]")
    )
    cat = check(
        {
            "banks/care.yaml": BANK + second,
            Q: quiz(
                "      - {topic: care, tags: [wash], count: 1}\n      - {tags: [sun], count: 1}"
            ),
        }
    )
    assert messages(cat) == []


def test_fillable_matches_slots_to_distinct_questions():
    assert fillable([["a", "b"], ["a"]], [1, 1]) == 2  # needs the first slot to take "b"
    assert fillable([["a"], ["a"]], [1, 1]) == 1
    assert fillable([["a", "b", "c"], ["c"], ["b", "c"]], [1, 1, 1]) == 3
