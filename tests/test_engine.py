"""The quiz engine: drawing attempts from blueprints, freezing questions, scoring answers."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections import Counter
from fractions import Fraction

import pytest

from app import config
from app.bank import Catalogue, load
from app.bank.draws import fillable
from app.bank.schema import Quiz
from app.engine import (
    InvalidAnswer,
    OptionSnap,
    Presented,
    Snapshot,
    assemble,
    assemble_from,
    normalize_answer,
    score_attempt,
    score_question,
    snapshot_of,
)
from conftest import BANK

SEEDS = range(200)


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load([config.quizzes_dir()], sources_dir=config.sources_dir())


# --------------------------------------------------------------------------- small catalogues

HEADER = """\
bank: {id: care, title: Care, topic: care}
cases:
  - {id: care-case-beach, title: Beach trip, vignette: A client flies to the coast next week.}
questions:
"""


def tf(qid: str, *, tags: str = "", case: str = "") -> str:
    """A true/false question in bank YAML; the validator only needs a known doc without sources."""
    text = (
        f"  - id: {qid}\n    type: true_false\n    difficulty: 1\n    stem: Is {qid} true?\n"
        "    answer: true\n    explanation: Because.\n"
        '    sources: [{doc: doc1, quote: "protect the treated area from the sun"}]\n'
    )
    if tags:
        text += f"    tags: [{tags}]\n"
    if case:
        text += f"    case: {case}\n"
    return text


def make_quiz(*draws: dict, **settings) -> Quiz:
    return Quiz.model_validate(
        {"id": "q", "title": "Q", "description": "Q.", "mode": "practice"}
        | {"draw": list(draws), "pass_mark": 80.0}
        | settings
    )


@pytest.fixture
def overlapping(check) -> Catalogue:
    """Four care questions, one tagged sun: a topic line of 2 and a sun line of 1 overlap."""
    cat = check(
        {"banks/care.yaml": HEADER + tf("sun", tags="sun") + tf("a") + tf("b") + tf("c")},
        sources=False,
    )
    assert cat.problems == []
    return cat


def ids(attempt: list[Presented]) -> list[str]:
    return [p.snapshot.qid for p in attempt]


# --------------------------------------------------------------------------- assembling


def test_same_seed_gives_the_same_attempt(shipped):
    exam = shipped.quizzes["certification-exam"]
    assert assemble(exam, shipped, 7) == assemble(exam, shipped, 7)


def test_different_seeds_give_different_attempts(shipped):
    exam = shipped.quizzes["certification-exam"]
    attempts = {tuple(ids(assemble(exam, shipped, seed))) for seed in range(10)}
    assert len(attempts) == 10


def test_assemble_leaves_the_global_random_alone(shipped):
    exam = shipped.quizzes["certification-exam"]
    random.seed(1)
    state = random.getstate()
    first = assemble(exam, shipped, 3)
    assert random.getstate() == state
    random.seed(2)
    assert assemble(exam, shipped, 3) == first


def test_certification_exam_always_draws_30_distinct_questions_per_blueprint(shipped):
    exam = shipped.quizzes["certification-exam"]
    blueprint = {d.topic: d.count for d in exam.draw}
    for seed in SEEDS:
        attempt = assemble(exam, shipped, seed)
        assert len(set(ids(attempt))) == 30, seed
        assert [p.position for p in attempt] == list(range(30))
        assert Counter(p.snapshot.topic for p in attempt) == blueprint, seed


def test_overlapping_draws_never_fail_where_greedy_would(overlapping):
    draws = ({"topic": "care", "count": 2}, {"tags": ["sun"], "count": 1})
    quiz = make_quiz(*draws)

    def greedy(seed: int) -> bool:
        # What a line-by-line draw does: the topic line may take the only sun question.
        rng = random.Random(seed)
        topic_line = rng.sample(["sun", "a", "b", "c"], 2)
        return "sun" not in topic_line

    assert not all(greedy(seed) for seed in SEEDS)
    others = set()
    for seed in SEEDS:
        drawn = ids(assemble(quiz, overlapping, seed))
        assert len(set(drawn)) == 3
        assert "sun" in drawn
        others.add(frozenset(drawn) - {"sun"})
    assert len(others) == 3  # the topic line still varies: {a,b}, {a,c}, {b,c}


def test_infeasible_blueprints_raise_a_clear_error(overlapping):
    overlap = make_quiz({"topic": "care", "count": 4}, {"tags": ["sun"], "count": 1})
    message = (
        "quiz 'q' cannot be drawn: the draws overlap: they ask for 5 different questions "
        "but only 4 can be drawn"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        assemble(overlap, overlapping, 1)
    too_many = make_quiz({"topic": "care", "count": 1}, {"tags": ["sun"], "count": 2})
    message = "quiz 'q' cannot be drawn: draw[1] asks for 2 questions but only 1 match"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        assemble(too_many, overlapping, 1)


def test_overlapping_lines_are_matched_to_distinct_questions():
    # The first line could take a or b; the second only a: both fill if the first takes b.
    assert fillable([["a", "b"], ["a"]], [1, 1]) == 2
    assert fillable([["a", "b", "c"], ["c"], ["b", "c"]], [1, 1, 1]) == 3
    assert fillable([["a"], ["a"]], [1, 1]) == 1


@pytest.mark.parametrize("quiz_id", ["certification-exam", "practice-contraindications"])
def test_case_questions_are_adjacent_and_in_bank_order(shipped, quiz_id):
    bank_order = list(shipped.entries)
    seen_cases = set()
    for seed in range(100):
        attempt = assemble(shipped.quizzes[quiz_id], shipped, seed)
        cases = [p.snapshot.case_id for p in attempt]
        for case in set(cases) - {None}:
            where = [i for i, c in enumerate(cases) if c == case]
            assert where == list(range(where[0], where[-1] + 1)), (seed, case)
            drawn = [ids(attempt)[i] for i in where]
            assert drawn == sorted(drawn, key=bank_order.index), (seed, case)
            if len(where) > 1:
                seen_cases.add(case)
    assert seen_cases  # the check above really met cases with several questions


def test_without_question_shuffle_blocks_follow_the_catalogue(check):
    beach = "care-case-beach"
    bank = HEADER + tf("c1", case=beach) + tf("x") + tf("c2", case=beach) + tf("y")
    cat = check({"banks/care.yaml": bank}, sources=False)
    quiz = make_quiz({"topic": "care", "count": 4}, shuffle_questions=False)
    # The case block sits where its first question is; x follows the whole case.
    assert ids(assemble(quiz, cat, 5)) == ["c1", "c2", "x", "y"]


def test_shuffled_option_orders_are_permutations(shipped):
    exam = shipped.quizzes["certification-exam"]
    reordered = 0
    for seed in range(20):
        for p in assemble(exam, shipped, seed):
            n_options, n_pairs = len(p.snapshot.options), len(p.snapshot.pairs)
            if p.snapshot.type in ("single", "multiple"):
                assert sorted(p.option_order) == list(range(n_options))
                reordered += p.option_order != tuple(range(n_options))
            else:
                assert p.option_order == ()
            assert sorted(p.left_order) == sorted(p.right_order) == list(range(n_pairs))
    assert reordered > 0


def test_option_orders_are_identity_when_shuffle_is_off(shipped):
    exam = shipped.quizzes["certification-exam"].model_copy(update={"shuffle_options": False})
    for p in assemble(exam, shipped, 11):
        has_options = p.snapshot.type in ("single", "multiple")
        assert p.option_order == tuple(range(len(p.snapshot.options) if has_options else 0))
        assert p.left_order == p.right_order == tuple(range(len(p.snapshot.pairs)))


def test_matching_left_and_right_are_shuffled_independently(shipped):
    matching = [e.question.id for e in shipped.entries.values() if e.question.type == "matching"]
    attempt = assemble_from(matching, shipped, 42, True, True)
    assert any(p.left_order != p.right_order for p in attempt)


def test_assemble_from_gives_exactly_those_questions(shipped):
    picked = random.Random(42).sample(sorted(shipped.entries), 12)
    attempt = assemble_from([*picked, picked[0]], shipped, 9, True, True)
    assert sorted(ids(attempt)) == sorted(picked)  # the repeat is dropped
    assert attempt == assemble_from(picked, shipped, 9, True, True)
    in_order = assemble_from(picked, shipped, 9, False, False)
    assert ids(in_order) == [qid for qid in shipped.entries if qid in picked]


def test_assemble_from_rejects_unknown_ids(shipped):
    with pytest.raises(KeyError, match="unknown question ids: gone-001"):
        assemble_from(["gone-001"], shipped, 1, True, True)


def test_presented_rejects_an_order_that_is_not_a_permutation():
    with pytest.raises(ValueError, match=r"option_order \(0, 0, 1\) is not a permutation"):
        Presented(0, single(), option_order=(0, 0, 1))


# --------------------------------------------------------------------------- snapshots


def single(correct: int = 0, n: int = 3) -> Snapshot:
    options = tuple(OptionSnap(f"option {i}", i == correct) for i in range(n))
    return snap("single", options=options)


def multiple(correct: set[int], n: int, **fields) -> Snapshot:
    options = tuple(OptionSnap(f"o{i}", i in correct) for i in range(n))
    return snap("multiple", options=options, **fields)


def matching(n: int) -> Snapshot:
    return snap("matching", pairs=tuple((f"left {i}", f"right {i}") for i in range(n)))


def snap(kind: str, qid: str = "q-001", topic: str = "care", **content) -> Snapshot:
    base = {
        "qid": qid,
        "bank": "care",
        "topic": topic,
        "type": kind,
        "difficulty": 1,
        "stem": "Which one?",
        "case_id": None,
        "case_title": None,
        "vignette": None,
        "options": (),
        "answer": None,
        "pairs": (),
        "explanation": "Because.",
        "sources": (("doc1", "protect the treated area from the sun"),),
    }
    return Snapshot(**(base | content))


def test_snapshot_hash_is_stable_across_versions():
    # Stored attempts keep this hash; changing the serialisation would orphan them.
    s = snap("single", options=(OptionSnap("Soleil évité", True, "why"), OptionSnap("No", False)))
    assert s.content_hash() == "7b24474a7bbba93fe16a876e3110f6bdadb5baf1cc2fee5576d3186fef611865"


def test_snapshot_hash_changes_with_any_content(shipped):
    s = snapshot_of(next(iter(shipped.entries.values())))
    assert s.content_hash() == snapshot_of(next(iter(shipped.entries.values()))).content_hash()
    changed = [
        dataclasses.replace(s, stem=s.stem + "!"),
        dataclasses.replace(s, explanation="Other."),
        dataclasses.replace(s, sources=(*s.sources, ("doc1", "another quote"))),
        dataclasses.replace(s, case_title="A case"),
    ]
    assert len({s.content_hash()} | {c.content_hash() for c in changed}) == 5


def test_snapshot_round_trips_through_json(shipped):
    for entry in shipped.entries.values():
        s = snapshot_of(entry)
        assert Snapshot.from_dict(json.loads(json.dumps(s.to_dict()))) == s
        assert Snapshot.from_dict(s.to_dict()).content_hash() == s.content_hash()
    assert {snapshot_of(e).type for e in shipped.entries.values()} == {
        "single",
        "multiple",
        "true_false",
        "matching",
    }


def test_snapshot_keeps_the_case_vignette(shipped):
    entry = next(e for e in shipped.entries.values() if e.case)
    s = snapshot_of(entry)
    assert (s.case_id, s.case_title, s.vignette) == (
        entry.case.id,
        entry.case.title,
        entry.case.vignette,
    )


def test_from_dict_rejects_a_dict_that_is_not_a_snapshot():
    data = single().to_dict()
    del data["stem"]
    data["tags"] = []
    with pytest.raises(
        ValueError, match=r"^not a snapshot: missing keys \['stem'\], unknown keys \['tags'\]$"
    ):
        Snapshot.from_dict(data)


def test_a_past_attempt_keeps_its_score_when_the_bank_is_edited(check):
    before = check(sources=False)
    old = snapshot_of(before.entries["care-sun-001"])
    flipped = BANK.replace(
        "{text: Sun on the skin, correct: true}", "{text: Sun on the skin}"
    ).replace("{text: Cold water}", "{text: Cold water, correct: true}")
    after = check({"banks/care.yaml": flipped}, sources=False)
    new = snapshot_of(after.entries["care-sun-001"])
    stored = Snapshot.from_dict(json.loads(json.dumps(old.to_dict())))
    assert score_question(stored, 0, "all_or_nothing") == 1
    assert score_question(new, 0, "all_or_nothing") == 0
    assert new.content_hash() != old.content_hash()


# --------------------------------------------------------------------------- scoring


def test_single_and_true_false_score_one_or_zero():
    assert score_question(single(correct=1), 1, "all_or_nothing") == 1
    assert score_question(single(correct=1), 2, "partial") == 0
    assert score_question(snap("true_false", answer=False), False, "partial") == 1
    assert score_question(snap("true_false", answer=False), True, "all_or_nothing") == 0


@pytest.mark.parametrize(
    ("picked", "all_or_nothing", "partial"),
    [
        ([0, 1, 2], 1, Fraction(1)),
        ([2, 0, 1], 1, Fraction(1)),
        ([0, 1], 0, Fraction(2, 3)),  # 2 right, 0 wrong, of 3
        ([0, 1, 3], 0, Fraction(1, 3)),  # 2 right, 1 wrong
        ([0, 1, 2, 3], 0, Fraction(2, 3)),  # 3 right, 1 wrong
        ([0, 3], 0, Fraction(0)),  # 1 right, 1 wrong
        ([3, 4], 0, Fraction(0)),  # never below zero
        ([], 0, Fraction(0)),  # nothing picked is unanswered
    ],
)
def test_multiple_answer_scoring(picked, all_or_nothing, partial):
    question = multiple(correct={0, 1, 2}, n=5)
    assert score_question(question, picked, "all_or_nothing") == all_or_nothing
    assert score_question(question, picked, "partial") == partial


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ([0, 1, 2, 3], Fraction(1)),
        ([0, 1, 3, 2], Fraction(1, 2)),
        ([0, None, None, None], Fraction(1, 4)),
        ([1, 1, 1, 1], Fraction(1, 4)),  # one right side chosen for every left: only left 1 scores
        ([3, 2, 1, 0], Fraction(0)),
    ],
)
def test_matching_scores_the_share_of_lefts_matched(answer, points):
    assert score_question(matching(4), answer, "all_or_nothing") == points


@pytest.mark.parametrize(
    "question",
    [single(), snap("true_false", answer=True), multiple({0, 1}, 3), matching(3)],
    ids=["single", "true_false", "multiple", "matching"],
)
def test_unanswered_scores_zero(question):
    assert score_question(question, None, "partial") == 0


def test_score_question_rejects_an_unknown_scoring_rule():
    with pytest.raises(ValueError, match="unknown scoring 'generous'"):
        score_question(single(), 0, "generous")


def answered(right: int, total: int = 30) -> tuple[list[Snapshot], dict[str, bool]]:
    snaps = [snap("true_false", qid=f"q-{i:03}", answer=True) for i in range(total)]
    return snaps, {s.qid: i < right for i, s in enumerate(snaps)}


def test_24_of_30_passes_an_80_mark_exactly():
    snaps, answers = answered(24)
    result = score_attempt(snaps, answers, "all_or_nothing", 80.0)
    assert (result.points, result.max_points, result.percent, result.passed) == (24, 30, 80.0, True)


def test_23_of_30_fails_an_80_mark():
    snaps, answers = answered(23)
    result = score_attempt(snaps, answers, "all_or_nothing", 80)
    assert (result.points, result.passed) == (23, False)


def test_29_of_50_passes_a_58_mark_though_float_division_says_57_99():
    assert 29 / 50 * 100 < 58
    snaps, answers = answered(29, total=50)
    result = score_attempt(snaps, answers, "all_or_nothing", 58)
    assert (result.percent, result.passed) == (58.0, True)


def test_pass_mark_is_compared_as_written_not_as_a_float():
    snaps = [snap("true_false", qid=f"q-{i}", answer=True) for i in range(3)]
    answers = {"q-0": True, "q-1": True}  # q-2 missing: unanswered
    assert score_attempt(snaps, answers, "partial", 66.66).passed
    assert not score_attempt(snaps, answers, "partial", 66.67).passed


def test_attempt_breaks_points_down_by_topic():
    snaps = [
        snap("true_false", qid="z-1", topic="zeta", answer=True),
        multiple({0, 1}, 3, qid="a-1", topic="alpha"),
        snap("true_false", qid="a-2", topic="alpha", answer=False),
    ]
    result = score_attempt(snaps, {"z-1": True, "a-1": [0]}, "partial", 50)
    assert [(t.topic, t.points, t.max_points) for t in result.by_topic] == [
        ("alpha", Fraction(1, 2), 2),
        ("zeta", Fraction(1), 1),
    ]
    assert (result.points, result.max_points, result.passed) == (Fraction(3, 2), 3, True)


def test_an_empty_attempt_scores_zero_percent():
    result = score_attempt([], {}, "partial", 0)
    assert (result.points, result.max_points, result.percent, result.by_topic) == (0, 0, 0.0, ())


def test_score_attempt_rejects_answers_to_other_questions_and_repeats():
    with pytest.raises(ValueError, match="answers to questions not in the attempt: other-1"):
        score_attempt([single()], {"other-1": 0}, "partial", 50)
    with pytest.raises(ValueError, match="questions appear more than once: q-001"):
        score_attempt([single(), single()], {}, "partial", 50)


# --------------------------------------------------------------------------- answer shapes


@pytest.mark.parametrize(
    ("question", "answer", "canonical"),
    [
        (single(), 2, 2),
        (snap("true_false", answer=True), False, False),
        (multiple({0, 1}, 4), (3, 0), [0, 3]),
        (multiple({0, 1}, 4), [], None),
        (matching(3), (2, None, 0), [2, None, 0]),
        (matching(3), [None, None, None], None),
    ],
)
def test_normalize_answer_gives_a_canonical_json_form(question, answer, canonical):
    assert normalize_answer(question, answer) == canonical
    assert normalize_answer(question, canonical) == canonical
    assert json.loads(json.dumps(canonical)) == canonical


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        (single(), True, "q-001: option index must be an int, got bool True"),
        (single(), "1", "q-001: option index must be an int, got str '1'"),
        (single(), 3, "q-001: option index 3 is out of range (0 to 2)"),
        (single(), -1, "q-001: option index -1 is out of range (0 to 2)"),
        (
            snap("true_false", answer=True),
            1,
            "q-001: a true/false answer must be True or False, got int 1",
        ),
        (
            snap("true_false", answer=True),
            "yes",
            "q-001: a true/false answer must be True or False, got str 'yes'",
        ),
        (
            multiple({0, 1}, 4),
            1,
            "q-001: a multiple-answer question needs a list of option indices, got int 1",
        ),
        (
            multiple({0, 1}, 4),
            "01",
            "q-001: a multiple-answer question needs a list of option indices, got str '01'",
        ),
        (multiple({0, 1}, 4), [0, 1, 0], "q-001: options picked more than once: 0"),
        (multiple({0, 1}, 4), [0, 4], "q-001: option index 4 is out of range (0 to 3)"),
        (multiple({0, 1}, 4), [0, False], "q-001: option index must be an int, got bool False"),
        (
            matching(3),
            [0, 1],
            "q-001: a matching question needs one choice per left item (3), got 2",
        ),
        (
            matching(3),
            {0: 0},
            "q-001: a matching question needs a list with one pair index (or None) per left item, got dict {0: 0}",
        ),
        (matching(3), [0, 1, 3], "q-001: pair index 3 is out of range (0 to 2)"),
        (matching(3), [0, 1, "2"], "q-001: pair index must be an int, got str '2'"),
    ],
)
def test_normalize_answer_rejects_malformed_shapes(question, answer, message):
    with pytest.raises(InvalidAnswer) as exc:
        normalize_answer(question, answer)
    assert str(exc.value) == message
    with pytest.raises(InvalidAnswer):
        score_question(question, answer, "partial")
