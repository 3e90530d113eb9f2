"""IMS QTI 2.1 export: a content package (zip) that Canvas, TAO, Moodle plug-ins and other
assessment systems import.

Why 2.1 and not 3.0: QTI 2.1 is what the systems people are likely to import into read today.
Canvas's QTI importer works in 2.1 itself: it takes a package whose manifest names the QTI 2
namespace as it is and converts a QTI 1.2 package to 2.1 first; it has no 3.0 path. TAO,
Learnosity's converter, ONYX/OPAL and Inspera read 2.1; 3.0 importers are still few. And 3.0
is a renaming of 2.x's model (``qti-`` prefixed kebab-case elements) with the same interactions,
so nothing of our questions is lost by choosing 2.1, and converters from 2.1 to 3.0 exist.

The package: ``imsmanifest.xml`` (IMS Content Packaging 1.1) lists one ``assessmentItem`` file
per question under ``items/`` and one ``assessmentTest`` (``test.xml``) that takes them in order.

- single answer: ``choiceInteraction`` with a single-cardinality identifier response;
- multiple answer: ``choiceInteraction`` with a multiple-cardinality response, all or nothing;
- true/false: a two-choice ``choiceInteraction`` (``TRUE`` / ``FALSE``);
- matching: ``matchInteraction`` with a ``directedPair`` response, all pairs or nothing.

Scoring is the standard ``match_correct`` template (SCORE 1 if the response is the correct
response, else 0), referenced by its URI when a question has no feedback and written out in full
when it has some, with one more rule that sets ``FEEDBACK`` to the response, so each option's
feedback is a ``modalFeedback`` shown when that option is picked, and the general feedback (our
explanation and citations) a ``modalFeedback`` shown whatever was picked. A case vignette is a
paragraph before the question. Options are shown in the bank's order (``shuffle="false"``);
matching's two lists are shuffled, and its answers are written sorted, so their order says
nothing about which goes with which.

What QTI here does not carry: categories and tags (one note in ``left_out``).
Every identifier is made an XML name; the same items give the same bytes (fixed zip times).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from app.interop.common import Item, Skipped, Written

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_SCHEMA_LOCATION = f"{CP_NS} http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"
MEDIA_TYPE = "application/zip"
SUFFIX = ".zip"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


# Characters XML 1.0 cannot hold at all (control characters but tab and line breaks, and the
# two non-characters, and lone surrogates); a question's text never needs them, so they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def identifier(text: str) -> str:
    """``text`` as a QTI identifier (an XML NCName): other characters become ``_``, and one that
    does not start with a letter or ``_`` gets a leading ``Q``."""
    name = _NOT_NAME.sub("_", text) or "Q"
    if not (name[0].isalpha() or name[0] == "_"):
        name = "Q" + name
    return name


def _lines(parent: ET.Element, text: str) -> None:
    """``text`` into ``parent`` as text, its line breaks as ``<br/>`` (never markup)."""
    lines = _clean(text).split("\n")
    parent.text = lines[0]
    for line in lines[1:]:
        br = _el(parent, "br")
        br.tail = line


def _paragraphs(parent: ET.Element, text: str) -> None:
    for block in re.split(r"\n\s*\n", text.strip()):
        _lines(_el(parent, "p"), block)


def _item_xml(item: Item, ident: str) -> bytes:
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(
        _q("assessmentItem"),
        {
            f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION,
            "identifier": ident,
            "title": _clean(item.name or _title(item.stem)),
            "adaptive": "false",
            "timeDependent": "false",
        },
    )
    multiple = item.kind in ("multiple", "matching")
    response = _el(
        root,
        "responseDeclaration",
        identifier="RESPONSE",
        cardinality="multiple" if multiple else "single",
        baseType="directedPair" if item.kind == "matching" else "identifier",
    )
    correct = _el(response, "correctResponse")
    feedbacks: list[tuple[str, str]] = []  # (choice identifier, feedback)
    if item.kind in ("single", "multiple"):
        choices = [(f"C{n}", c.text, c.correct, c.feedback) for n, c in enumerate(item.choices, 1)]
    elif item.kind == "true_false":
        choices = [
            ("TRUE", "True", item.answer is True, None),
            ("FALSE", "False", item.answer is False, None),
        ]
    else:
        choices = []
    for choice_id, _text, is_right, feedback in choices:
        if is_right:
            _el(correct, "value", choice_id)
        if feedback:
            feedbacks.append((choice_id, feedback))
    lefts: list[str] = []
    rights: list[str] = []
    if item.kind == "matching":
        lefts = [left for left, _ in item.pairs]
        rights = sorted({right for _, right in item.pairs})
        for n, (_, right) in enumerate(item.pairs, 1):
            _el(correct, "value", f"L{n} R{rights.index(right) + 1}")
    score = _el(
        root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float"
    )
    _el(_el(score, "defaultValue"), "value", "0")
    has_feedback = bool(feedbacks or item.general_feedback)
    if feedbacks:
        _el(
            root,
            "outcomeDeclaration",
            identifier="FEEDBACK",
            cardinality="multiple" if multiple else "single",
            baseType="identifier",
        )
    if item.general_feedback:
        _el(
            root,
            "outcomeDeclaration",
            identifier="GENERAL_FEEDBACK",
            cardinality="single",
            baseType="identifier",
        )

    body = _el(root, "itemBody")
    if item.vignette:
        _paragraphs(_el(body, "div", **{"class": "vignette"}), item.vignette)
    if item.kind == "matching":
        interaction = _el(
            body,
            "matchInteraction",
            responseIdentifier="RESPONSE",
            shuffle="true",
            maxAssociations=str(len(item.pairs)),
            minAssociations="0",
        )
        _lines(_el(interaction, "prompt"), item.stem)
        left_set = _el(interaction, "simpleMatchSet")
        for n, left in enumerate(lefts, 1):
            _el(left_set, "simpleAssociableChoice", left, identifier=f"L{n}", matchMax="1")
        right_set = _el(interaction, "simpleMatchSet")
        for n, right in enumerate(rights, 1):
            uses = sum(1 for _, r in item.pairs if r == right)
            _el(right_set, "simpleAssociableChoice", right, identifier=f"R{n}", matchMax=str(uses))
    else:
        interaction = _el(
            body,
            "choiceInteraction",
            responseIdentifier="RESPONSE",
            shuffle="false",
            maxChoices="0" if item.kind == "multiple" else "1",
        )
        _lines(_el(interaction, "prompt"), item.stem)
        for choice_id, text, _right, _feedback in choices:
            _lines(_el(interaction, "simpleChoice", identifier=choice_id), text)

    if not has_feedback:
        _el(root, "responseProcessing", template=MATCH_CORRECT)
    else:
        processing = _el(root, "responseProcessing")
        condition = _el(processing, "responseCondition")
        when = _el(condition, "responseIf")
        match = _el(when, "match")
        _el(match, "variable", identifier="RESPONSE")
        _el(match, "correct", identifier="RESPONSE")
        _el(_el(when, "setOutcomeValue", identifier="SCORE"), "baseValue", "1", baseType="float")
        otherwise = _el(condition, "responseElse")
        _el(
            _el(otherwise, "setOutcomeValue", identifier="SCORE"),
            "baseValue",
            "0",
            baseType="float",
        )
        if feedbacks:
            _el(
                _el(processing, "setOutcomeValue", identifier="FEEDBACK"),
                "variable",
                identifier="RESPONSE",
            )
        if item.general_feedback:
            _el(
                _el(processing, "setOutcomeValue", identifier="GENERAL_FEEDBACK"),
                "baseValue",
                "SHOWN",
                baseType="identifier",
            )
    for choice_id, feedback in feedbacks:
        modal = _el(
            root,
            "modalFeedback",
            outcomeIdentifier="FEEDBACK",
            identifier=choice_id,
            showHide="show",
        )
        _paragraphs(modal, feedback)
    if item.general_feedback:
        modal = _el(
            root,
            "modalFeedback",
            outcomeIdentifier="GENERAL_FEEDBACK",
            identifier="SHOWN",
            showHide="show",
        )
        _paragraphs(modal, item.general_feedback)
    return _bytes(root)


def _bytes(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _title(stem: str) -> str:
    line = " ".join(stem.split())
    return line if len(line) <= 60 else line[:59].rstrip() + "…"


def _test_xml(title: str, refs: list[tuple[str, str]]) -> bytes:
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(
        _q("assessmentTest"),
        {
            f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION,
            "identifier": "TEST",
            "title": _clean(title),
        },
    )
    part = _el(root, "testPart", identifier="PART", navigationMode="nonlinear")
    part.set("submissionMode", "simultaneous")
    section = _el(part, "assessmentSection", identifier="SECTION", title=title, visible="true")
    for ident, href in refs:
        _el(section, "assessmentItemRef", identifier=ident, href=href)
    return _bytes(root)


def _manifest(title: str, refs: list[tuple[str, str]]) -> bytes:
    ET.register_namespace("", CP_NS)
    ET.register_namespace("xsi", XSI)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{CP_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    root = ET.Element(
        f"{{{CP_NS}}}manifest",
        {f"{{{XSI}}}schemaLocation": CP_SCHEMA_LOCATION, "identifier": "MANIFEST"},
    )
    metadata = el(root, "metadata")
    el(metadata, "schema", "QTIv2.1 Package")
    el(metadata, "schemaversion", "1.0.0")
    el(root, "organizations")
    resources = el(root, "resources")
    test = el(resources, "resource", identifier="RES-TEST", type="imsqti_test_xmlv2p1")
    test.set("href", "test.xml")
    el(test, "file", href="test.xml")
    for ident, _href in refs:
        el(test, "dependency", identifierref=f"RES-{ident}")
    for ident, href in refs:
        resource = el(resources, "resource", identifier=f"RES-{ident}", type="imsqti_item_xmlv2p1")
        resource.set("href", href)
        el(resource, "file", href=href)
    del title  # the package has no title of its own; the test carries it
    # Canvas tells a QTI 2 package from a 1.2 one by the QTI 2.1 namespace in the manifest (or
    # "QTIv2." in its schema): declared on the root, though no element of the manifest uses it.
    return _bytes(root).replace(b"<manifest ", f'<manifest xmlns:imsqti="{NS}" '.encode(), 1)


def write(items: list[Item], title: str) -> Written:
    """Every item as a QTI 2.1 assessmentItem in a content package, with a test of them all."""
    left_out: list[Skipped] = []
    files: list[tuple[str, bytes]] = []
    refs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, item in enumerate(items, 1):
        where = item.ident or item.where
        if item.kind in ("single", "multiple") and len(item.choices) < 2:
            left_out.append(Skipped(where, "fewer than two options"))
            continue
        right = sum(c.correct for c in item.choices)
        if (item.kind == "single" and right != 1) or (item.kind == "multiple" and not right):
            left_out.append(Skipped(where, f"a {item.kind}-answer question with {right} right"))
            continue
        if item.kind == "true_false" and item.answer is None:
            left_out.append(Skipped(where, "a true/false question without its answer"))
            continue
        if item.kind == "matching" and not item.pairs:
            left_out.append(Skipped(where, "a matching question without pairs"))
            continue
        ident = identifier(item.ident or f"item{number}")
        base, n = ident, 2
        while ident in seen:
            ident, n = f"{base}_{n}", n + 1
        seen.add(ident)
        href = f"items/{ident}.xml"
        files.append((href, _item_xml(item, ident)))
        refs.append((ident, href))
    lost = sum(1 for item in items if item.category or item.tags)
    if lost:
        left_out.append(
            Skipped(
                "categories and tags",
                f"{lost} of the exported questions have a category or tags, which this QTI "
                "package does not carry",
            )
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in [
            ("imsmanifest.xml", _manifest(title, refs)),
            ("test.xml", _test_xml(title, refs)),
            *files,
        ]:
            info = zipfile.ZipInfo(path, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return Written(data=out.getvalue(), media_type=MEDIA_TYPE, suffix=SUFFIX, left_out=left_out)
