"""QTI 2.1 export (app.interop.qti): every file of the package valid against 1EdTech's XSD (vendored
under tests/vendor/qti21, read offline), and what each question says read back from the XML."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from app.bank import catalogue
from app.interop import qti
from app.interop.common import Choice, Item, Skipped

VENDOR = Path(__file__).parent / "vendor" / "qti21"
ROOT = Path(__file__).parent.parent
NS = {
    "q": "http://www.imsglobal.org/xsd/imsqti_v2p1",
    "cp": "http://www.imsglobal.org/xsd/imscp_v1p1",
}
# No network, whatever a schemaLocation says: the vendored files import each other by path.
_PARSER = etree.XMLParser(no_network=True, resolve_entities=False)


def load_schemas() -> tuple[etree.XMLSchema, etree.XMLSchema]:
    """The vendored QTI 2.1 and IMS Content Packaging 1.1 schemas (also used by other tests)."""
    qti_xsd = etree.XMLSchema(etree.parse(str(VENDOR / "qtiv2p1" / "imsqti_v2p1.xsd"), _PARSER))
    cp_xsd = etree.XMLSchema(etree.parse(str(VENDOR / "imscp_v1p1.xsd"), _PARSER))
    return qti_xsd, cp_xsd


@pytest.fixture(scope="module")
def schemas() -> tuple[etree.XMLSchema, etree.XMLSchema]:
    return load_schemas()


def package(data: bytes) -> dict[str, etree._Element]:
    """Every file of a QTI package (a zip), parsed offline."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: etree.fromstring(archive.read(name), _PARSER) for name in archive.namelist()}


def valid(files: dict[str, etree._Element], schemas) -> None:
    """Assert each file is valid: the manifest against IMS CP, the rest against QTI 2.1."""
    qti_xsd, cp_xsd = schemas
    for name, root in files.items():
        schema = cp_xsd if name == "imsmanifest.xml" else qti_xsd
        assert schema.validate(root), (name, [str(e) for e in schema.error_log])


EVERY_KIND = [
    Item(
        kind="single",
        stem="Which wavelength does an Er:YAG laser emit?",
        where="q1",
        ident="physics-erbium-001",
        name="Er:YAG wavelength",
        choices=(
            Choice("1064 nm", False, "That is Nd:YAG."),
            Choice("2940 nm", True, "Yes: near water's absorption peak."),
            Choice("10600 nm", False),
        ),
        general_feedback="Er:YAG emits at 2940 nm.\n\nSource: the device manual, p. 4.",
    ),
    Item(
        kind="multiple",
        stem="Which are signs to stop and call the supervisor?",
        where="q2",
        ident="safety-stop-002",
        vignette="A client, 45, Fitzpatrick III.\nSecond pass on the cheek.",
        choices=(
            Choice("Blanching that does not fade", True, "Stop."),
            Choice("Mild redness", False, "Expected."),
            Choice("Blistering", True),
        ),
        general_feedback="Mild redness is expected.",
        category="Safety",
        tags=("stop",),
    ),
    Item(
        kind="true_false",
        stem="Sunscreen is needed after ablative resurfacing.",
        where="q3",
        ident="aftercare-sun-003",
        answer=False,
    ),
    Item(
        kind="matching",
        stem="Match each laser to its wavelength.",
        where="q4",
        ident="physics-match-004",
        pairs=(("CO2", "10600 nm"), ("Er:YAG", "2940 nm"), ("Er,Cr:YSGG", "2940 nm")),
        general_feedback="Two lasers share a wavelength here on purpose.",
    ),
]


def test_every_kind_is_valid_qti_2_1_in_a_valid_content_package(schemas):
    written = qti.write(EVERY_KIND, "Physics & safety")
    assert written.suffix == ".zip"
    assert written.media_type == "application/zip"
    files = package(written.data)
    assert sorted(files) == [
        "imsmanifest.xml",
        "items/aftercare-sun-003.xml",
        "items/physics-erbium-001.xml",
        "items/physics-match-004.xml",
        "items/safety-stop-002.xml",
        "test.xml",
    ]
    valid(files, schemas)
    # The manifest lists every file; the test takes the items in the given order.
    manifest = files["imsmanifest.xml"]
    hrefs = manifest.xpath("//cp:resource/@href", namespaces=NS)
    assert sorted(hrefs) == sorted(n for n in files if n != "imsmanifest.xml")
    types = manifest.xpath("//cp:resource/@type", namespaces=NS)
    assert types == ["imsqti_test_xmlv2p1"] + ["imsqti_item_xmlv2p1"] * 4
    # What Canvas looks for to take the package as QTI 2 (not 1.2): the QTI 2.1 namespace.
    assert manifest.nsmap["imsqti"] == NS["q"]
    assert manifest.xpath("cp:metadata/cp:schema/text()", namespaces=NS) == ["QTIv2.1 Package"]
    test = files["test.xml"]
    assert test.get("title") == "Physics & safety"
    assert test.xpath("//q:assessmentItemRef/@href", namespaces=NS) == [
        "items/physics-erbium-001.xml",
        "items/safety-stop-002.xml",
        "items/aftercare-sun-003.xml",
        "items/physics-match-004.xml",
    ]
    assert written.left_out == [
        Skipped(
            "categories and tags",
            "1 of the exported questions have a category or tags, which this QTI package "
            "does not carry",
        )
    ]


def _x(root, path: str) -> list:
    return root.xpath(path, namespaces=NS)


def _text(element) -> str:
    return "".join(element.itertext())


def test_a_single_answer_question_says_what_the_bank_says():
    root = package(qti.write(EVERY_KIND[:1], "t").data)["items/physics-erbium-001.xml"]
    assert root.get("title") == "Er:YAG wavelength"
    (declaration,) = _x(root, "q:responseDeclaration")
    assert declaration.get("cardinality") == "single"
    (right,) = _x(declaration, "q:correctResponse/q:value/text()")
    choices = {c.get("identifier"): _text(c) for c in _x(root, "//q:simpleChoice")}
    assert list(choices.values()) == ["1064 nm", "2940 nm", "10600 nm"]
    assert choices[right] == "2940 nm"
    assert _x(root, "//q:choiceInteraction/@maxChoices") == ["1"]
    assert _x(root, "//q:prompt/text()") == ["Which wavelength does an Er:YAG laser emit?"]
    # Per-option feedback shown for the option picked; general feedback whatever was picked.
    feedback = {
        (m.get("outcomeIdentifier"), m.get("identifier")): [_text(p) for p in m]
        for m in _x(root, "q:modalFeedback")
    }
    by_text = {text: ident for ident, text in choices.items()}
    assert feedback == {
        ("FEEDBACK", by_text["1064 nm"]): ["That is Nd:YAG."],
        ("FEEDBACK", by_text["2940 nm"]): ["Yes: near water's absorption peak."],
        ("GENERAL_FEEDBACK", "SHOWN"): [
            "Er:YAG emits at 2940 nm.",
            "Source: the device manual, p. 4.",
        ],
    }
    # The response processing scores the correct response and sets what shows the feedback.
    assert _x(root, "q:responseProcessing//q:match/q:correct/@identifier") == ["RESPONSE"]
    assert _x(root, "q:responseProcessing/q:setOutcomeValue/@identifier") == [
        "FEEDBACK",
        "GENERAL_FEEDBACK",
    ]


def test_a_multiple_answer_question_and_its_vignette():
    root = package(qti.write(EVERY_KIND[1:2], "t").data)["items/safety-stop-002.xml"]
    (declaration,) = _x(root, "q:responseDeclaration")
    assert declaration.get("cardinality") == "multiple"
    right = _x(declaration, "q:correctResponse/q:value/text()")
    choices = {c.get("identifier"): _text(c) for c in _x(root, "//q:simpleChoice")}
    assert sorted(choices[r] for r in right) == ["Blanching that does not fade", "Blistering"]
    assert _x(root, "//q:choiceInteraction/@maxChoices") == ["0"]  # no limit
    assert _x(root, "q:outcomeDeclaration[@identifier='FEEDBACK']/@cardinality") == ["multiple"]
    # The vignette comes before the question, its line break kept as a line break.
    body = _x(root, "q:itemBody")[0]
    assert body[0].get("class") == "vignette"
    (paragraph,) = body[0]
    assert paragraph.text == "A client, 45, Fitzpatrick III."
    assert paragraph[0].tag == f"{{{NS['q']}}}br"
    assert paragraph[0].tail.strip() == "Second pass on the cheek."


def test_a_true_false_question_is_two_choices():
    root = package(qti.write(EVERY_KIND[2:3], "t").data)["items/aftercare-sun-003.xml"]
    choices = {c.get("identifier"): _text(c) for c in _x(root, "//q:simpleChoice")}
    assert choices == {"TRUE": "True", "FALSE": "False"}
    assert _x(root, "q:responseDeclaration/q:correctResponse/q:value/text()") == ["FALSE"]
    # No feedback: the standard template, by reference.
    assert _x(root, "q:responseProcessing/@template") == [
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
    ]
    assert _x(root, "q:modalFeedback") == []


def test_a_matching_question_pairs_each_left_with_its_right():
    root = package(qti.write(EVERY_KIND[3:4], "t").data)["items/physics-match-004.xml"]
    (declaration,) = _x(root, "q:responseDeclaration")
    assert (declaration.get("cardinality"), declaration.get("baseType")) == (
        "multiple",
        "directedPair",
    )
    left_set, right_set = _x(root, "//q:matchInteraction/q:simpleMatchSet")
    lefts = {c.get("identifier"): _text(c) for c in left_set}
    rights = {c.get("identifier"): _text(c) for c in right_set}
    pairs = sorted(
        (lefts[a], rights[b])
        for a, b in (v.split() for v in _x(declaration, "q:correctResponse/q:value/text()"))
    )
    assert pairs == sorted(EVERY_KIND[3].pairs)
    # A right side shared by two lefts is one choice that may be matched twice.
    assert sorted(rights.values()) == ["10600 nm", "2940 nm"]
    assert {_text(c): c.get("matchMax") for c in right_set} == {"10600 nm": "1", "2940 nm": "2"}
    assert _x(root, "//q:matchInteraction/@shuffle") == ["true"]


def test_text_is_text_never_markup_and_unwritable_characters_are_dropped(schemas):
    item = Item(
        kind="single",
        stem='<script>alert("x")</script> & <b>bold</b>\x07',
        where="q",
        ident="9 odd/ident",
        choices=(Choice("]]> &amp;", True, "<i>not italic</i>"), Choice("x\x00y\ud800", False)),
        general_feedback="<p>not a paragraph</p>",
    )
    files = package(qti.write([item], "<title>").data)
    valid(files, schemas)
    (name,) = [n for n in files if n.startswith("items/")]
    assert name == "items/Q9_odd_ident.xml"
    root = files[name]
    assert _x(root, "//q:prompt/text()") == ['<script>alert("x")</script> & <b>bold</b>']
    assert _x(root, "//q:script | //q:b | //q:i") == []
    assert [_text(c) for c in _x(root, "//q:simpleChoice")] == ["]]> &amp;", "xy"]
    assert files["test.xml"].get("title") == "<title>"


def test_identifiers_are_unique_and_the_same_items_give_the_same_bytes(schemas):
    twin = Item(kind="true_false", stem="Q?", where="q", ident="same", answer=True)
    nameless = Item(kind="true_false", stem="Q?", where="q", answer=True)
    written = qti.write([twin, twin, nameless], "t")
    files = package(written.data)
    valid(files, schemas)
    assert sorted(n for n in files if n.startswith("items/")) == [
        "items/item3.xml",
        "items/same.xml",
        "items/same_2.xml",
    ]
    assert qti.write([twin, twin, nameless], "t").data == written.data


def test_questions_qti_cannot_hold_are_left_out_with_the_reason():
    items = [
        Item(kind="single", stem="One option", where="row 2", choices=(Choice("a", True),)),
        Item(kind="true_false", stem="No answer", where="row 3"),
        Item(kind="matching", stem="No pairs", where="row 4"),
        Item(kind="single", stem="Two right", where="row 5", choices=(Choice("a", True),) * 2),
        Item(kind="multiple", stem="None right", where="row 6", choices=(Choice("a", False),) * 2),
    ]
    written = qti.write(items, "t")
    assert written.left_out == [
        Skipped("row 2", "fewer than two options"),
        Skipped("row 3", "a true/false question without its answer"),
        Skipped("row 4", "a matching question without pairs"),
        Skipped("row 5", "a single-answer question with 2 right"),
        Skipped("row 6", "a multiple-answer question with 0 right"),
    ]
    assert sorted(package(written.data)) == ["imsmanifest.xml", "test.xml"]


def _item(entry, cat) -> Item:
    """The shipped question as an Item, minimally (the real conversion is app.interop's)."""
    q = entry.question
    vignette = cat.cases[q.case].vignette if q.case else None
    cites = "; ".join(f"{s.doc}: {s.quote}" for s in q.sources)
    common = {
        "stem": q.stem,
        "where": f"{entry.file}:{entry.line}",
        "ident": q.id,
        "vignette": vignette,
        "general_feedback": f"{q.explanation}\n\nSources: {cites}",
        "tags": tuple(q.tags),
    }
    if q.type in ("single", "multiple"):
        choices = tuple(Choice(o.text, o.correct, o.feedback) for o in q.options)
        return Item(kind=q.type, choices=choices, **common)
    if q.type == "true_false":
        return Item(kind="true_false", answer=q.answer, **common)
    return Item(kind="matching", pairs=tuple((p.left, p.right) for p in q.pairs), **common)


def test_the_shipped_questions_export_as_valid_qti(schemas):
    cat = catalogue.load([ROOT / "quizzes"], root=ROOT)
    items = [_item(entry, cat) for entry in cat.entries.values()]
    assert {i.kind for i in items} == {"single", "multiple", "true_false", "matching"}
    written = qti.write(items, "Resurface question bank")
    files = package(written.data)
    valid(files, schemas)
    assert len(files) == len(items) + 2
    assert [s.where for s in written.left_out] == ["categories and tags"]


def test_the_schema_check_is_not_vacuous(schemas):
    """The vendored XSD refuses what QTI 2.1 does not allow, so a pass above means something."""
    qti_xsd, _ = schemas
    root = package(qti.write(EVERY_KIND[2:3], "t").data)["items/aftercare-sun-003.xml"]
    del root.attrib["title"]  # required
    assert not qti_xsd.validate(root)
    root = package(qti.write(EVERY_KIND[2:3], "t").data)["items/aftercare-sun-003.xml"]
    _x(root, "//q:choiceInteraction")[0].set("cardinality", "single")  # not an attribute of it
    assert not qti_xsd.validate(root)
    root = package(qti.write(EVERY_KIND[2:3], "t").data)["items/aftercare-sun-003.xml"]
    body = _x(root, "q:itemBody")[0]
    body.insert(0, etree.Element(f"{{{NS['q']}}}script"))  # no scripts in QTI
    assert not qti_xsd.validate(root)


_any_text = st.text(st.characters(), min_size=1, max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    stem=_any_text,
    options=st.lists(_any_text, min_size=2, max_size=4),
    feedback=st.none() | _any_text,
    ident=st.none() | _any_text,
    pairs=st.lists(st.tuples(_any_text, _any_text), min_size=1, max_size=3),
)
def test_any_text_gives_valid_qti(schemas, stem, options, feedback, ident, pairs):
    items = [
        Item(
            kind="multiple",
            stem=stem,
            where="q1",
            ident=ident,
            name=ident,
            vignette=feedback,
            choices=tuple(Choice(o, n == 0, feedback) for n, o in enumerate(options)),
            general_feedback=feedback,
        ),
        Item(kind="matching", stem=stem, where="q2", ident=ident, pairs=tuple(pairs)),
    ]
    valid(package(qti.write(items, stem).data), schemas)
