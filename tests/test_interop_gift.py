"""GIFT: a file written by hand from Moodle's documentation imports as the documentation says
(escapes included), every shipped question survives export and import, hostile files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import load
from app.config import PROJECT_ROOT
from app.interop import banks, gift
from app.interop.common import MAX_IMPORT_BYTES, Choice, InteropError, Item, Skipped

SPEC = Path(__file__).parent / "fixtures" / "interop" / "spec.gift"


@pytest.fixture(scope="module")
def spec() -> tuple[list[Item], list[Skipped]]:
    reading = gift.read(SPEC.read_bytes(), SPEC.name)
    return reading.items, reading.skipped


def test_single_answer_with_title_feedback_general_feedback_and_category(spec):
    first = spec[0][0]
    assert first == Item(
        kind="single",
        stem="Who's buried in Grant's tomb?",
        where="line 6",
        name="Grant's tomb",
        choices=(
            Choice("Grant", False, "No, he is entombed."),
            Choice("Jefferson", False),
            Choice("no one", True, "Right!"),
        ),
        general_feedback="Nobody is buried there.",
        category="Grant's tomb",
    )


def test_missing_word_true_false_and_matching(spec):
    items = {i.where: i for i in spec[0]}
    assert items["line 9"].stem == "Grant is _____ in Grant's tomb."
    assert [c.text for c in items["line 9"].choices if c.correct] == ["entombed"]
    tf = items["line 12"]
    assert (tf.kind, tf.answer, tf.name) == ("true_false", False, "Grant TF")
    # Our true/false has no per-answer feedback: both go to the general feedback, said as such.
    assert tf.general_feedback == (
        "On a wrong answer: No, he is entombed.\n\nOn a right answer: Yes, entombed, not buried."
    )
    assert (items["line 14"].kind, items["line 14"].answer) == ("true_false", True)
    match = items["line 19"]
    assert match.stem == "Match the following countries with their corresponding capitals."
    assert match.pairs == (
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("India", "New Delhi"),
    )
    assert match.general_feedback == "It's good to know the capitals."
    assert match.category == "Geography/Capitals"


def test_weights_without_an_equals_sign_make_a_multiple_answer_question(spec):
    multi = next(i for i in spec[0] if i.where == "line 29")
    assert multi.kind == "multiple"
    assert [(c.text, c.correct) for c in multi.choices] == [
        ("No one", False),
        ("Grant", True),
        ("Grant's wife", True),
        ("Grant's father", False),
    ]


def test_every_escape_is_the_character_itself(spec):
    esc = next(i for i in spec[0] if i.where == "line 37")
    assert esc.name == "Escapes: all of them"
    assert esc.stem == "Which is the escape for { braces } and ~ = # : ?"
    assert esc.choices == (
        Choice("A backslash before it: \\{", True, "Right: \\ then the character."),
        Choice("Doubling it, as in {{", False),
        Choice('Quoting it, as in "="', False),
    )
    breaks = next(i for i in spec[0] if i.where == "line 43")
    assert breaks.stem == "Which line comes second?\nFirst line\nSecond line"


def test_html_text_is_reduced_to_plain_text(spec):
    html = next(i for i in spec[0] if i.where == "line 45")
    assert html.stem == "Which laser removes thin layers & heals slower?"
    assert html.choices[0] == Choice("Ablative", True, "Yes.")


def test_what_we_cannot_represent_is_listed_by_line(spec):
    assert [(s.where, s.reason.split(" (")[0]) for s in spec[1]] == [
        ("line 48", "an essay question"),
        ("line 50", "a numerical question"),
        ("line 52", "a short-answer question"),
        ("line 54", "a description"),
    ]


def test_export_escapes_what_gift_reserves():
    tricky = Item(
        kind="single",
        stem="Is {this} a = b ~ c # d : e \\ f?\nNext line",
        where="x",
        name="odd: name",
        choices=(Choice("a {b}", True, "c#d"), Choice("~e", False), Choice("=f", False)),
        general_feedback="g ####h",
    )
    text = gift.write([tricky], "t").data.decode()
    assert "\\{this\\} a \\= b \\~ c \\# d \\: e \\\\ f?\\nNext line" in text
    [back] = gift.read(text.encode(), "t.gift").items
    assert (back.stem, back.choices, back.general_feedback, back.name) == (
        tricky.stem,
        tricky.choices,
        tricky.general_feedback,
        tricky.name,
    )


@pytest.fixture(scope="module")
def shipped() -> list[Item]:
    items, left_out = banks.items_of(load([PROJECT_ROOT / "quizzes"]))
    assert not left_out, "the shipped banks have no drafts or retired questions to leave out"
    return items


def test_every_shipped_question_comes_back_from_gift_as_it_went(shipped):
    written = gift.write(shipped, "Resurface")
    reading = gift.read(written.data, "back.gift")
    assert not reading.skipped
    assert len(reading.items) == len(shipped)
    kinds = set()
    for sent, got in zip(shipped, reading.items, strict=True):
        kinds.add(sent.kind)
        stem = f"{sent.vignette}\n\n{sent.stem}" if sent.vignette else sent.stem
        assert (got.kind, got.name, got.category) == (sent.kind, sent.ident, sent.category)
        assert got.stem == stem, sent.ident
        assert got.choices == sent.choices, sent.ident
        assert (got.answer, got.pairs) == (sent.answer, sent.pairs), sent.ident
        assert got.general_feedback == sent.general_feedback, sent.ident
        assert "Sources:\n" in got.general_feedback, "citations go to the general feedback"
    assert kinds == {"single", "multiple", "true_false", "matching"}
    vignettes = [s for s in written.left_out if "vignette" in s.reason]
    assert len(vignettes) == sum(bool(i.vignette) for i in shipped) > 0


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(InteropError, match="at most 5 MB"):
        gift.read(b"x" * (MAX_IMPORT_BYTES + 1), "big.gift")


def test_a_file_that_is_not_utf8_is_refused_with_where():
    # Bytes 0-15 the first question, 16-17 the blank line, 18-20 "Caf": the é is byte 21.
    data = "Q one?{=a ~b ~c}\n\nCaf\u00e9 au lait?{=a ~b ~c}\n".encode("latin-1")
    with pytest.raises(InteropError, match=r"not UTF-8: byte 21 \(line 3\) is 0xe9"):
        gift.read(data, "latin.gift")
    with pytest.raises(InteropError, match="UTF-16"):
        gift.read("Q?{T}".encode("utf-16"), "wide.gift")
    with pytest.raises(InteropError, match="NUL"):
        gift.read(b"Q?{T}\x00\x00", "binary.gift")


def test_a_byte_order_mark_and_windows_line_ends_are_fine():
    [item] = gift.read(b"\xef\xbb\xbfQ?\r\n{T}\r\n", "bom.gift").items
    assert (item.stem, item.answer) == ("Q?", True)


def test_unbalanced_braces_are_reported_not_guessed():
    reading = gift.read(b"Where is the end? {=a ~b ~c\n\nFine?{T}\n", "open.gift")
    assert reading.skipped == [
        Skipped("line 1", "unbalanced braces: an answer part needs both { and }")
    ]
    assert [i.stem for i in reading.items] == ["Fine?"]
