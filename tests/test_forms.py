"""Forms: secure questions only in certifying exams, variants apart, cases whole and in order,
balance held in every form, and the validator's proof that a quiz's limits can be met."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime

import pytest

from app import attempts, feedback, progress
from app.bank import forms
from app.bank.schema import Quiz
from app.bank.simulate import simulate
from app.engine import assemble, snapshot_of
from conftest import messages

SEEDS = range(200)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

HEADER = """\
bank: {id: care, title: Care, topic: care}
cases:
  - {id: care-case-beach, title: Beach trip, vignette: A client flies to the coast next week.}
questions:
"""
QUOTE = '    sources: [{doc: doc1, quote: "protect the treated area from the sun"}]\n'


def single(qid: str, *, difficulty: int = 1, **fields: object) -> str:
    """A single-answer question whose options are alike, so it raises no item-writing flag."""
    text = (
        f"  - id: {qid}\n    type: single\n    difficulty: {difficulty}\n"
        f"    stem: What should you tell client {qid} about the sun?\n"
        "    options:\n"
        f"      - {{text: Keep the area out of the sun {qid}, correct: true}}\n"
        f"      - {{text: Sunbathe after a week {qid}}}\n"
        f"      - {{text: Use a sunbed at once {qid}}}\n"
        "    explanation: The new skin reacts strongly to light.\n" + QUOTE
    )
    for key, value in fields.items():
        text += f"    {key}: {str(value).lower() if isinstance(value, bool) else value}\n"
    return text


def quiz(*draws: dict, **settings: object) -> Quiz:
    return Quiz.model_validate(
        {"id": "q", "title": "Q", "description": "Q.", "mode": "practice", "pass_mark": 80.0}
        | {"draw": list(draws)}
        | settings
    )


def exam(*draws: dict, **settings: object) -> Quiz:
    return quiz(
        *draws,
        mode="exam",
        feedback="on_submit",
        certifies={"name": "Care", "valid_months": 12},
        **settings,
    )


def drawn(q: Quiz, cat, seed: int) -> list[str]:
    return [p.snapshot.qid for p in assemble(q, cat, seed)]


def quizzes_yaml(*blocks: str) -> str:
    return "quizzes:\n" + "".join(blocks)


EXAM = """\
  - id: exam
    title: Exam
    description: The exam.
    mode: exam
    draw: [{topic: care, count: %d}]
    pass_mark: 80
    feedback: %s
    certifies: {name: Care, valid_months: 12}
%s"""


# --- secure questions ----------------------------------------------------------------------------


@pytest.fixture
def mixed(check):
    """Four secure and four practice questions in one topic."""
    bank = HEADER + "".join(single(f"s{i}", exam_only=True) for i in range(4))
    bank += "".join(single(f"p{i}") for i in range(4))
    cat = check({"banks/care.yaml": bank}, sources=False)
    assert cat.problems == []
    return cat


def test_a_certifying_exam_draws_only_secure_questions_and_everything_else_none(mixed):
    secure = {q for q, e in mixed.entries.items() if e.question.exam_only}
    for seed in SEEDS:
        assert set(drawn(exam({"topic": "care", "count": 2}), mixed, seed)) <= secure
        assert not set(drawn(quiz({"topic": "care", "count": 2}), mixed, seed)) & secure
    # An exam that certifies nothing (the quick check) is not secure either.
    quick = quiz({"topic": "care", "count": 4}, mode="exam")
    assert set(drawn(quick, mixed, 0)) == {"p0", "p1", "p2", "p3"}


def test_a_secure_question_is_never_practised_as_a_mistake(fresh_db, people, mixed):
    ann = people["ann"]
    view = attempts.start(fresh_db, ann, exam({"topic": "care", "count": 2}), mixed, now=T0)
    attempts.submit(fresh_db, ann, view.id, now=T0)  # both left blank: both wrong
    practice = attempts.start(fresh_db, ann, quiz({"topic": "care", "count": 2}), mixed, now=T0)
    attempts.submit(fresh_db, ann, practice.id, now=T0)
    missed = {s.presented.snapshot.qid for s in practice.questions}
    assert set(progress.recent_mistakes(fresh_db, ann, mixed)) == missed  # no secure one


def test_the_review_withholds_secure_keys_until_a_pass(fresh_db, people, mixed):
    ann = people["ann"]
    certifying = exam({"topic": "care", "count": 2}, review="full")
    failed = attempts.start(fresh_db, ann, certifying, mixed, now=T0)
    attempts.save_answer(
        fresh_db, ann, failed.id, 0, feedback.key_of(failed.questions[0].presented.snapshot), T0
    )
    failed = attempts.submit(fresh_db, ann, failed.id, now=T0)
    assert failed.passed is False
    shown = feedback.review(failed)
    assert [v.withheld for v in shown] == [True, True]
    assert [v.key for v in shown] == [None, None]

    passed = attempts.start(fresh_db, ann, certifying, mixed, now=T0)
    for state in passed.questions:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(fresh_db, ann, passed.id, state.presented.position, key, T0)
    passed = attempts.submit(fresh_db, ann, passed.id, now=T0)
    assert passed.passed is True
    assert [v.withheld for v in feedback.review(passed)] == [False, False]
    assert all(v.key is not None for v in feedback.review(passed))


def test_a_secure_snapshot_says_so_and_other_snapshots_keep_their_hash(mixed):
    secure = snapshot_of(mixed.entries["s0"])
    practice = snapshot_of(mixed.entries["p0"])
    assert secure.secure
    assert secure.to_dict()["secure"] is True
    assert "secure" not in practice.to_dict()  # the hash of every earlier snapshot still holds
    for snap in (secure, practice):
        assert type(snap).from_dict(snap.to_dict()) == snap


# --- variants, cases, balance ----------------------------------------------------------------------


def test_variants_never_share_a_form(check):
    bank = HEADER + "".join(single(f"v{i}", variant=f"group-{i // 2}") for i in range(6))
    cat = check({"banks/care.yaml": bank}, sources=False)
    assert cat.problems == []
    for seed in SEEDS:
        groups = Counter(
            cat.entries[q].question.variant
            for q in drawn(quiz({"topic": "care", "count": 3}), cat, seed)
        )
        assert groups == {"group-0": 1, "group-1": 1, "group-2": 1}, seed
    with pytest.raises(ValueError, match="no form can be drawn"):
        assemble(quiz({"topic": "care", "count": 4}), cat, 0)


def test_a_case_is_drawn_whole_and_in_its_written_order(check):
    beach = "care-case-beach"
    bank = HEADER + "".join(single(f"c{i}", case=beach) for i in (1, 2, 3))
    bank += single("x") + single("y") + single("z")
    cat = check({"banks/care.yaml": bank}, sources=False)
    assert cat.problems == []
    four = quiz({"topic": "care", "count": 4})
    seen = Counter()
    for seed in SEEDS:
        got = drawn(four, cat, seed)
        start = got.index("c1")  # four from three singles needs the case
        assert got[start : start + 3] == ["c1", "c2", "c3"], (seed, got)
        seen[tuple(sorted(set(got) - {"c1", "c2", "c3"}))] += 1
    assert len(seen) == 3  # each single took the last place in some forms
    for seed in SEEDS:  # a case of three never fits a line of two
        assert not {"c1", "c2", "c3"} & set(drawn(quiz({"topic": "care", "count": 2}), cat, seed))


def easy_and_hard(check, n: int):
    """A catalogue of ``n`` easy (e0...) and ``n`` hard (h0...) questions in one topic."""
    bank = HEADER + "".join(single(f"e{i}", difficulty=1) for i in range(n))
    bank += "".join(single(f"h{i}", difficulty=3) for i in range(n))
    return check({"banks/care.yaml": bank}, sources=False)


def test_every_form_keeps_the_balance(check):
    cat = easy_and_hard(check, 6)
    balanced = quiz(
        {"topic": "care", "count": 6},
        balance={"difficulty": [{"level": 1, "min": 2, "max": 2}, {"level": 3, "min": 4}]},
    )
    for seed in SEEDS:
        levels = Counter(cat.entries[q].question.difficulty for q in drawn(balanced, cat, seed))
        assert levels == {1: 2, 3: 4}, seed


def test_the_validator_proves_a_quiz_can_be_drawn_or_says_what_stands_in_the_way(check):
    bank = HEADER + "".join(single(f"e{i}", difficulty=1, exam_only=True) for i in range(6))
    bank += single("h0", difficulty=3, exam_only=True)
    fine = "    balance: {difficulty: [{level: 3, max: 1}], types: {single: {min: 3}}}\n"
    cat = check(
        {"banks/care.yaml": bank, "quizzes.yaml": quizzes_yaml(EXAM % (3, "on_submit", fine))},
        sources=False,
    )
    assert cat.problems == []
    assert "exam" in cat.quizzes
    hard = "    balance: {difficulty: [{level: 3, min: 2}]}\n"
    cat = check({"quizzes.yaml": quizzes_yaml(EXAM % (3, "on_submit", hard))}, sources=False)
    assert messages(cat) == [
        "quizzes.yaml:10: exam: balance: the balance wants at least 2 questions of difficulty 3 "
        "but the draws can pick only 1"
    ]
    tf_floor = "    balance: {types: {true_false: {min: 1}}}\n"
    cat = check({"quizzes.yaml": quizzes_yaml(EXAM % (3, "on_submit", tf_floor))}, sources=False)
    assert "at least 1 true/false questions but the draws can pick only 0" in messages(cat)[0]
    # Not plain from the counts: only the search shows that six easy ones cannot make three hard.
    tight = "    balance: {difficulty: [{level: 1, max: 1}]}\n"
    cat = check({"quizzes.yaml": quizzes_yaml(EXAM % (3, "on_submit", tight))}, sources=False)
    assert [m.split(": ", 3)[-1] for m in messages(cat)] == [forms.NO_FORM]


def test_a_certifying_exam_must_not_show_verdicts_during_the_attempt(check):
    bank = HEADER + "".join(single(f"s{i}", exam_only=True) for i in range(4))
    cat = check(
        {"banks/care.yaml": bank, "quizzes.yaml": quizzes_yaml(EXAM % (2, "immediate", ""))},
        sources=False,
    )
    assert messages(cat) == [
        "quizzes.yaml:8: exam: feedback: a certifying exam draws secure questions, whose keys "
        "must not be shown during the attempt: feedback must be on_submit"
    ]


def test_a_case_mixing_secure_and_practice_questions_is_refused(check):
    beach = "care-case-beach"
    bank = HEADER + single("c1", case=beach, exam_only=True) + single("c2", case=beach)
    cat = check({"banks/care.yaml": bank}, sources=False)
    assert messages(cat) == [
        "banks/care.yaml:16: c1: exam_only: case 'care-case-beach' mixes exam-only and practice "
        "questions; a case is drawn whole, so mark all of its questions exam_only or none"
    ]


# --- the simulation --------------------------------------------------------------------------------


def test_the_simulation_counts_what_each_form_holds(check):
    cat = easy_and_hard(check, 4)
    balanced = quiz(
        {"topic": "care", "count": 4},
        balance={"difficulty": [{"level": 1, "min": 1, "max": 3}]},
    )
    sim = simulate(balanced, cat, n=300, seed=5)
    assert (sim.forms, sim.broken, sim.pool) == (300, 0, 8)
    spread = {s.name: s for s in sim.spreads}
    assert spread["single"].low == spread["single"].high == 4
    assert spread["difficulty 1"].low >= 1
    assert spread["difficulty 1"].high <= 3
    # Every form's total is 1 per easy and 3 per hard question, 4 questions in all.
    totals = spread["total difficulty"]
    assert (totals.low, totals.high) == (1 * 3 + 3 * 1, 1 * 1 + 3 * 3)
    assert re.search(r"^q: 300 forms in .*; 8 of the 8 questions", sim.table())
    # The same seeds draw the same forms as attempts do.
    first = forms.draw(balanced, cat, random.Random(5))
    assert {q for line in first for u in line for q in u.qids} == set(drawn(balanced, cat, 5))


def test_a_line_that_whole_cases_cannot_fill_exactly_is_named(check):
    beach = "care-case-beach"
    bank = HEADER + "".join(single(f"c{i}", case=beach) for i in (1, 2, 3))
    cat = check({"banks/care.yaml": bank}, sources=False)
    message = (
        "draw[0] cannot hold exactly 2 questions: a case is drawn whole, and its units come in "
        "sizes 3"
    )
    with pytest.raises(ValueError, match=f"^quiz 'q' cannot be drawn: {re.escape(message)}$"):
        assemble(quiz({"topic": "care", "count": 2}), cat, 0)
