"""Moodle XML: a file written by hand from Moodle's documentation imports as it says (CDATA, HTML
reduced to text, categories, tags), every shipped question survives export and import, and
hostile XML (entity expansion, external entities, wrong encodings, huge files) is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bank import load
from app.config import PROJECT_ROOT
from app.interop import banks, moodlexml
from app.interop.common import MAX_IMPORT_BYTES, Choice, InteropError, Item, Skipped

SPEC = Path(__file__).parent / "fixtures" / "interop" / "spec.xml"


@pytest.fixture(scope="module")
def spec() -> tuple[dict[str, Item], list[Skipped]]:
    reading = moodlexml.read(SPEC.read_bytes(), SPEC.name)
    return {i.name or "": i for i in reading.items}, reading.skipped


def test_multichoice_in_html_and_cdata_becomes_plain_text(spec):
    assert spec[0]["Sun after treatment"] == Item(
        kind="single",
        stem="What should a client avoid after treatment?",
        where="question 2 (Sun after treatment)",
        name="Sun after treatment",
        choices=(
            Choice("Direct sun", True, "Yes: light harms new skin."),
            Choice("Cool water", False),
            # escaped HTML in an XML text: the markup goes, and &amp;amp; is one "&"
            Choice("Gentle cleansing & rinsing", False, "No: cleansing is advised."),
        ),
        general_feedback="Treated skin is sensitive to light & heat.\n\nProtect it\nevery day.",
        category="Default for Skin care/Sun",
        tags=("sun", "Aftercare basics"),
    )


def test_single_false_plain_text_truefalse_and_matching(spec):
    items = spec[0]
    multi = items["Two at once"]
    assert (multi.kind, multi.stem) == ("multiple", "Which two are true? (1 < 2)")
    assert [(c.text, c.correct) for c in multi.choices] == [
        ("One", True),
        ("Two", True),
        ("Three", False),
    ]
    tf = items["Downtime"]
    assert (tf.kind, tf.answer, tf.category) == (
        "true_false",
        False,
        "Default for Skin care/Basics",
    )
    assert tf.general_feedback == (
        "On a wrong answer: It does need downtime.\n\nOn a right answer: Right."
    )
    match = items["Lasers"]
    assert match.pairs == (
        ("Ablative", "Removes thin layers"),
        ("Non-ablative", "Heats the skin below"),
        ("Fractional", "Treats columns of skin"),
    )
    assert match.general_feedback == "Both are lasers."


def test_what_we_cannot_represent_is_listed_by_question(spec):
    assert [(s.where, s.reason.split(" (")[0]) for s in spec[1]] == [
        ("question 7 (Tell us)", "an essay question"),
        ("question 8 (Weeks)", "a numerical question"),
        ("question 9 (Word)", "a short-answer question"),
        ("question 10 (Cloze)", "a cloze"),
        ("question 11 (Drag)", "a drag-and-drop into text question"),
        ("question 12 (Picture)", "it has images, which we cannot show"),
        ("question 13 (Intro)", "a description"),
    ]


def test_every_shipped_question_comes_back_from_moodle_xml_as_it_went():
    items, _ = banks.items_of(load([PROJECT_ROOT / "quizzes"]))
    written = moodlexml.write(items, "Resurface")
    reading = moodlexml.read(written.data, "back.xml")
    assert not reading.skipped
    assert len(reading.items) == len(items)
    for sent, got in zip(items, reading.items, strict=True):
        stem = f"{sent.vignette}\n\n{sent.stem}" if sent.vignette else sent.stem
        assert (got.kind, got.name, got.category, got.tags) == (
            sent.kind,
            sent.ident,
            sent.category,
            sent.tags,
        )
        assert got.stem == stem, sent.ident
        assert got.choices == sent.choices, sent.ident
        assert (got.answer, got.pairs) == (sent.answer, sent.pairs), sent.ident
        assert got.general_feedback == sent.general_feedback, sent.ident
    assert {i.kind for i in items} == {"single", "multiple", "true_false", "matching"}


def test_text_that_looks_like_markup_or_ends_cdata_survives():
    odd = Item(
        kind="single",
        stem="Is <b>this</b> bold? a ]]> b & c",
        where="x",
        name="n",
        choices=(Choice("<script>x</script>", True), Choice("&amp;", False), Choice("]]>", False)),
    )
    [back] = moodlexml.read(moodlexml.write([odd], "t").data, "t.xml").items
    assert (back.stem, back.choices) == (odd.stem, odd.choices)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
  <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
  <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
  <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
  <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
  <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<quiz><question type="essay"><name><text>&i;</text></name></question></quiz>
"""


def test_entity_expansion_is_refused():
    with pytest.raises(InteropError, match="declares XML entities"):
        moodlexml.read(BILLION_LAUGHS, "laughs.xml")


def test_an_external_entity_is_refused_and_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("THE SECRET")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<quiz><question type="multichoice"><name><text>&x;</text></name>'
        "<questiontext><text>&x;</text></questiontext></question></quiz>"
    ).encode()
    with pytest.raises(InteropError, match="declares XML entities") as refused:
        moodlexml.read(hostile, "xxe.xml")
    assert "THE SECRET" not in str(refused.value)


def test_an_external_dtd_is_not_fetched(tmp_path):
    dtd = tmp_path / "quiz.dtd"
    dtd.write_text('<!ENTITY leak "LEAKED">')
    data = (
        f'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "file://{dtd}">'
        '<quiz><question type="truefalse"><questiontext><text>Q? &leak;</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer></question></quiz>'
    ).encode()
    # Had the DTD been read, &leak; would be defined; unread, it is an undefined entity.
    with pytest.raises(InteropError, match="undefined entity") as refused:
        moodlexml.read(data, "dtd.xml")
    assert "LEAKED" not in str(refused.value)


def test_malformed_wrongly_encoded_and_huge_files_are_refused_with_where():
    with pytest.raises(InteropError, match=r"not well-formed XML \(line 2, column"):
        moodlexml.read(b"<quiz>\n<question></quiz>", "broken.xml")
    latin = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz><x>Caf\u00e9</x></quiz>'.encode(
        "latin-1"
    )
    with pytest.raises(InteropError, match=r"line 2"):
        moodlexml.read(latin, "latin.xml")
    with pytest.raises(InteropError, match="not Moodle XML: its root element is <html>"):
        moodlexml.read(b"<html><body>hi</body></html>", "page.xml")
    with pytest.raises(InteropError, match="at most 5 MB"):
        moodlexml.read(b"<quiz>" + b" " * MAX_IMPORT_BYTES + b"</quiz>", "big.xml")


def test_a_declared_latin1_file_is_read_as_declared():
    data = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><quiz><question type="truefalse">'
        "<questiontext><text>Caf\u00e9?</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question></quiz>'
    ).encode("latin-1")
    [item] = moodlexml.read(data, "latin1.xml").items
    assert (item.stem, item.answer) == ("Caf\u00e9?", True)
