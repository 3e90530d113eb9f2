"""Aiken (app.interop.aiken): Moodle's documented example read; malformed files refused whole with
every problem and its line; single-answer questions written and read back unchanged."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.interop import aiken
from app.interop.common import MAX_IMPORT_BYTES, Choice, InteropError, Item, Skipped
from app.interop.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "interop"


def _read(name: str):
    return aiken.read((FIXTURES / name).read_bytes(), name)


def _options(item: Item) -> list[tuple[str, bool]]:
    return [(c.text, c.correct) for c in item.choices]


def test_moodle_documentation_example_is_read():
    reading = _read("aiken_moodle.txt")
    assert reading.skipped == []
    first, second = reading.items
    assert first.kind == "single"
    assert first.stem == "What is the correct answer to this question?"
    assert first.where == "line 1"
    assert _options(first) == [
        ("Is it this one?", False),
        ("Maybe this answer?", False),
        ("Possibly this one?", False),
        ("Must be this one!", True),
    ]
    # The second question uses "A)" rather than "A.".
    assert second.stem == "Which LMS has the most quiz import formats?"
    assert second.where == "line 8"
    assert _options(second)[0] == ("Moodle", True)
    assert [t for t, _ in _options(second)] == [
        "Moodle",
        "ATutor",
        "Claroline",
        "Blackboard",
        "WebCT",
        "Ilias",
    ]
    assert all(c.feedback is None for c in first.choices)


def test_a_stem_over_several_lines_and_no_blank_line_between_questions():
    first, second = _read("aiken_multiline.txt").items
    assert first.stem == (
        "A client had ablative CO2 resurfacing five days ago.\n"
        "She asks when she may stop using sunscreen.\n"
        "What do you tell her?"
    )
    assert _options(first)[1] == ("Every day for months, and whenever outdoors", True)
    assert second.where == "line 8"
    assert _options(second) == [("1064 nm", False), ("2940 nm", True)]


def test_windows_line_ends_and_a_byte_order_mark_are_read():
    data = "\ufeffIs it?\r\nA. Yes\r\nB. No\r\nANSWER: B\r\n".encode()
    (item,) = aiken.read(data, "w.txt").items
    assert item.stem == "Is it?"
    assert _options(item) == [("Yes", False), ("No", True)]


def test_every_problem_is_reported_with_its_line_and_nothing_is_read():
    with pytest.raises(Problems) as caught:
        _read("aiken_bad.txt")
    assert caught.value.problems == [
        "line 4: ANSWER: E names no option (the options are A, B)",
        "line 8: the question at line 6 has options but no 'ANSWER: <letter>' line after them",
        "line 12: option C where option B was expected (the question at line 10)",
        "line 15: an ANSWER line with no question before it",
    ]
    assert str(caught.value).startswith("4 problems; nothing was imported:\nline 4: ")
    assert isinstance(caught.value, InteropError)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Q?\nA. a\nB. b\nANSWER: AB\n", "line 4: ANSWER: 'AB' is not one capital letter"),
        ("Q?\nA. a\nB. b\nANSWER:\n", "line 4: ANSWER names no option"),
        ("Q?\nA. a\nANSWER: A\n", "line 3: the question at line 1 has only one option"),
        ("Q?\nA. a\nB. b\n", "line 3: the question at line 1 has options but no 'ANSWER"),
        ("Q?\n", "line 1: a question with no options and no ANSWER line"),
        ("A. a\nB. b\nANSWER: A\n", "line 1: option A has no question before it"),
    ],
)
def test_malformed_questions(text, problem):
    with pytest.raises(Problems) as caught:
        aiken.read(text.encode(), "x.txt")
    assert caught.value.problems[0].startswith(problem)


def test_hostile_files_are_refused():
    with pytest.raises(
        InteropError, match=r"^line 2: the Aiken file is not UTF-8 text \(byte 0xE9\)"
    ):
        _read("aiken_latin1.txt")
    with pytest.raises(InteropError, match="larger than 5 MB"):
        aiken.read(b"Q?\n" * (MAX_IMPORT_BYTES // 3 + 1), "big.txt")
    with pytest.raises(InteropError, match=r"line 3: .* NUL character"):
        aiken.read(b"Q?\nA. a\nB. \x00b\nANSWER: A\n", "nul.txt")
    # UTF-16 (what Notepad once called "Unicode") is refused, not read as noise.
    with pytest.raises(InteropError, match="not UTF-8"):
        aiken.read("Q?\nA. a\nB. b\nANSWER: A\n".encode("utf-16"), "u16.txt")


SINGLES = [
    Item(
        kind="single",
        stem="Which wavelength does an Er:YAG laser emit?",
        where="q1",
        choices=(Choice("1064 nm", False), Choice("2940 nm", True), Choice("10600 nm", False)),
    ),
    Item(
        kind="single",
        stem="Which is right — é, ü, 中文?",
        where="q2",
        choices=(Choice("A. looks like an option", True), Choice("ANSWER: B", False)),
    ),
]


def test_single_answer_questions_round_trip():
    written = aiken.write(SINGLES, "Bank")
    assert written.left_out == []
    assert written.suffix == ".txt"
    assert written.media_type.startswith("text/plain")
    back = aiken.read(written.data, "back.txt").items
    assert [(i.kind, i.stem, i.choices) for i in back] == [
        (i.kind, i.stem, i.choices) for i in SINGLES
    ]


def test_what_is_written_is_the_documented_layout():
    written = aiken.write(SINGLES[:1], "Bank")
    assert written.data == (
        b"Which wavelength does an Er:YAG laser emit?\n"
        b"A. 1064 nm\nB. 2940 nm\nC. 10600 nm\nANSWER: B\n"
    )


def test_export_of_every_kind():
    items = [
        Item(
            kind="single",
            stem="Line one\nline two",
            where="q1",
            ident="bank-001",
            vignette="A client, 40.\nFitzpatrick III.",
            choices=(Choice("Yes", True, "Good."), Choice("No", False)),
            general_feedback="Because.",
        ),
        Item(
            kind="true_false",
            stem="Sunscreen is needed.",
            where="q2",
            ident="bank-002",
            answer=False,
        ),
        Item(
            kind="multiple",
            stem="Which?",
            where="q3",
            ident="bank-003",
            choices=(Choice("a", True), Choice("b", True)),
        ),
        Item(
            kind="matching",
            stem="Match",
            where="q4",
            ident="bank-004",
            pairs=(("a", "1"), ("b", "2")),
        ),
        Item(
            kind="single",
            stem="A. looks like an option",
            where="q5",
            ident="bank-005",
            choices=(Choice("x", True), Choice("y", False)),
        ),
    ]
    written = aiken.write(items, "Bank")
    assert written.data.decode() == (
        "A client, 40. Fitzpatrick III. Line one line two\nA. Yes\nB. No\nANSWER: A\n\n"
        "Sunscreen is needed.\nA. True\nB. False\nANSWER: B\n\n"
        "Q: A. looks like an option\nA. x\nB. y\nANSWER: A\n"
    )
    assert written.left_out == [
        Skipped("bank-003", "a multiple-answer question: Aiken holds only single-answer questions"),
        Skipped("bank-004", "a matching question: Aiken holds only single-answer questions"),
        Skipped(
            "feedback",
            "1 of the exported questions were written without their feedback and explanation: "
            "Aiken has no place for feedback",
        ),
    ]
    # A true/false question comes back as a single-answer question with True and False.
    back = aiken.read(written.data, "back.txt").items
    assert back[1].kind == "single"
    assert _options(back[1]) == [("True", False), ("False", True)]


def test_a_file_wrong_everywhere_lists_fifty_problems_and_counts_the_rest():
    text = "".join(f"Q{n}?\nA. a\nB. b\nANSWER: C\n\n" for n in range(60))
    with pytest.raises(Problems) as caught:
        aiken.read(text.encode(), "x.txt")
    assert len(caught.value.problems) == 60
    message = str(caught.value).splitlines()
    assert message[0] == "60 problems; nothing was imported:"
    assert message[1] == "line 4: ANSWER: C names no option (the options are A, B)"
    assert len(message) == 1 + 50 + 1
    assert message[-1] == "... and 10 more"


def test_the_shipped_single_answer_questions_round_trip():
    """Every shipped single-answer question written and read back: the same options, the same
    right one, the stem on one line."""
    from app.bank import catalogue

    root = Path(__file__).parent.parent
    cat = catalogue.load([root / "quizzes"], root=root)
    singles = [
        Item(
            kind="single",
            stem=e.question.stem,
            where=e.question.id,
            ident=e.question.id,
            choices=tuple(Choice(o.text, o.correct) for o in e.question.options),
        )
        for e in cat.entries.values()
        if e.question.type == "single" and not e.question.case
    ]
    assert len(singles) > 10
    written = aiken.write(singles, "Bank")
    assert written.left_out == []
    back = aiken.read(written.data, "back.txt").items

    def one_line(item: Item) -> tuple[str, tuple[Choice, ...]]:
        choices = tuple(Choice(" ".join(c.text.split()), c.correct) for c in item.choices)
        return " ".join(item.stem.split()), choices

    assert [one_line(i) for i in singles] == [(b.stem, b.choices) for b in back]


def _visible(text: str) -> str:
    """The text without control characters other than white space (what Aiken writes)."""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")


_words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(" \n\t.):"),
    min_size=1,
    max_size=40,
).filter(lambda s: _visible(s).split())


@settings(max_examples=100, deadline=None)
@given(
    stem=_words,
    options=st.lists(_words, min_size=2, max_size=8),
    right=st.integers(min_value=0, max_value=7),
)
def test_any_single_answer_question_round_trips(stem, options, right):
    right %= len(options)
    item = Item(
        kind="single",
        stem=stem,
        where="q",
        choices=tuple(Choice(text, n == right) for n, text in enumerate(options)),
    )
    written = aiken.write([item], "t")
    assert written.left_out == []
    (back,) = aiken.read(written.data, "t.txt").items

    def one_line(text: str) -> str:
        return " ".join(_visible(text).split())

    expected_stem = one_line(stem)
    if aiken._OPTION.match(expected_stem) or aiken._ANSWER.match(expected_stem):
        expected_stem = "Q: " + expected_stem
    assert back.stem == expected_stem
    assert back.choices == tuple(Choice(one_line(c.text), c.correct) for c in item.choices)


def test_a_question_with_nothing_to_show_is_left_out():
    items = [
        Item(
            kind="single",
            stem="\x00 \x1b",
            where="q1",
            choices=(Choice("a", True), Choice("b", False)),
        ),
        Item(
            kind="single", stem="Q?", where="q2", choices=(Choice("a", True), Choice("\x07", False))
        ),
    ]
    written = aiken.write(items, "t")
    assert written.data == b""
    assert written.left_out == [
        Skipped("q1", "an empty question or option text"),
        Skipped("q2", "an empty question or option text"),
    ]
