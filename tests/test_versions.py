"""Two versions of a question: what counts as a key change, and how an answer carries over."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from app.engine import OptionSnap, Snapshot, score_attempt
from app.engine.versions import Unmappable, remap


def single(*options: tuple[str, bool], kind: str = "single") -> Snapshot:
    return Snapshot(
        qid="q",
        bank="b",
        topic="t",
        type=kind,
        difficulty=1,
        stem="Which?",
        case_id=None,
        case_title=None,
        vignette=None,
        options=tuple(OptionSnap(text, right) for text, right in options),
        answer=None,
        pairs=(),
        explanation="Because.",
        sources=(),
    )


OLD = single(("Sun", True), ("Cold", False), ("Soap", False))


def test_a_corrected_key_is_a_key_change_and_answers_keep_their_option():
    new = single(("Sun", False), ("Cold", True), ("Soap", False))
    found = remap(OLD, new)
    assert found.key_changed
    assert [found.answer(i) for i in (0, 1, 2, None)] == [0, 1, 2, None]


def test_options_put_in_another_order_carry_the_answer_by_their_text():
    new = single(("Soap", False), ("Sun", True), ("Cold", False))
    found = remap(OLD, new)
    assert not found.key_changed  # the same key, in another order: wording only
    assert found.answer(0) == 1  # "Sun" is now second
    assert found.order([2, 0, 1], "option") == [0, 1, 2]


def test_a_wording_change_alone_is_no_key_change():
    assert not remap(OLD, replace(OLD, stem="Which one, then?", explanation="New")).key_changed


def test_one_reworded_option_is_taken_for_the_old_one_wherever_it_stands():
    new = single(("Cold", True), ("Sun on the skin", False), ("Soap", False))
    found = remap(OLD, new)
    assert found.key_changed
    assert found.answer(0) == 1


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        (single(("Sun", True), ("Cold", False)), "added or removed (3 → 2)"),
        (single(("A", True), ("B", False), ("Soap", False)), "2 options were reworded (1, 2"),
        (single(("Sun", True), ("Sun", False), ("Soap", False)), "read the same"),
        (single(("Sun", True), ("Cold", False), ("Soap", False), kind="multiple"), "type changed"),
    ],
)
def test_what_cannot_carry_over_is_refused_with_the_reason(new, reason):
    with pytest.raises(Unmappable, match=reason.replace("(", r"\(").replace(")", r"\)")):
        remap(OLD, new)


def test_a_multiple_answer_carries_each_chosen_option():
    old = single(("A", True), ("B", True), ("C", False), kind="multiple")
    new = single(("C", True), ("A", True), ("B", False), kind="multiple")
    found = remap(old, new)
    assert found.key_changed
    assert found.answer([0, 1]) == [1, 2]


def test_true_false_key_change():
    old = replace(OLD, type="true_false", options=(), answer=True)
    assert remap(old, replace(old, answer=False)).key_changed
    assert remap(old, replace(old, answer=False)).answer(True) is True


def test_matching_a_repaired_pairing_is_a_key_change():
    pairs = (("Sun", "Shade"), ("Dry", "Moisturise"), ("Itch", "Cool"))
    old = replace(OLD, type="matching", options=(), pairs=pairs)
    swapped = (("Sun", "Moisturise"), ("Dry", "Shade"), ("Itch", "Cool"))
    found = remap(old, replace(old, pairs=swapped))
    assert found.key_changed
    # Old left 0 (Sun) was given old pair 1's right side (Moisturise): now pair 0's.
    assert found.answer([1, 0, 2]) == [0, 1, 2]
    assert not remap(old, replace(old, pairs=pairs[::-1])).key_changed  # pairs reordered only


def test_a_void_gives_the_point_or_drops_the_question():
    snaps = [replace(OLD, qid=f"q{i}") for i in range(5)]
    answers = {"q0": 1, "q1": 0, "q2": 0, "q3": 0, "q4": 1}  # q0 and q4 wrong: 3 of 5
    give = score_attempt(snaps, answers, "all_or_nothing", 80, {"q4": "give"})
    drop = score_attempt(snaps, answers, "all_or_nothing", 80, {"q4": "drop"})
    assert (give.points, give.max_points, give.passed) == (Fraction(4), 5, True)
    assert (drop.points, drop.max_points, drop.passed) == (Fraction(3), 4, False)  # 75%
    with pytest.raises(ValueError, match="unknown void"):
        score_attempt(snaps, answers, "all_or_nothing", 80, {"q4": "maybe"})  # type: ignore[dict-item]
