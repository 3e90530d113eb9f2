"""Moodle XML, Moodle's own full export format: read and write.

Read as Moodle's importer reads it (question/format/xml/format.php): a ``<quiz>`` of
``<question type="...">`` elements; ``type="category"`` sets the category of those that follow;
``multichoice`` (``<single>true</single>`` or false; ``<answer fraction="100">`` with ``<text>``
and ``<feedback>``), ``truefalse`` (answers ``true`` and ``false``), ``matching``
(``<subquestion>`` with its ``<answer>``); ``<name>``, ``<questiontext>``, ``<generalfeedback>`` and
``<tags>``. Text in ``format="html"`` (often in CDATA) is reduced to plain text, never rendered;
other formats are kept as written. Every other type (essay, numerical, short answer, cloze,
drag-and-drop, calculated, description...) and any question with images is listed as skipped.

The file is parsed by defusedxml: entity declarations (billion laughs), external entities and
external DTDs are refused before anything is expanded or fetched.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.interop.common import Choice, InteropError, Item, Reading, Skipped, Written
from app.interop.gift import _category
from app.interop.text import check_size, html_to_text, text_to_html, tidy

_KNOWN = {
    "essay": "an essay question (free text answer)",
    "numerical": "a numerical question",
    "shortanswer": "a short-answer question (typed answers)",
    "multianswer": "a cloze (embedded answers) question",
    "description": "a description (no answers): not a question",
    "calculated": "a calculated question",
    "calculatedsimple": "a calculated question",
    "calculatedmulti": "a calculated question",
    "ddwtos": "a drag-and-drop into text question",
    "ddimageortext": "a drag-and-drop onto image question",
    "ddmarker": "a drag-and-drop markers question",
    "gapselect": "a select-missing-words question",
    "randomsamatch": "a random short-answer matching question",
    "random": "a random question (drawn by Moodle from a category)",
    "ordering": "an ordering question",
}


def _parse(data: bytes, name: str) -> Element:
    check_size(data, name)
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InteropError(
            f"{name} declares XML entities or refers to outside files ({type(exc).__name__}); "
            "a question file needs neither, so it is refused"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise InteropError(
            f"{name} is not well-formed XML (line {line}, column {column}): "
            f"{str(exc).split(':')[0]}"
        ) from None
    if root.tag != "quiz":
        raise InteropError(
            f"{name} is not Moodle XML: its root element is <{root.tag}>, not <quiz>"
        )
    return root


def _text(node: Element | None, default_format: str = "html") -> str:
    """The plain text of a ``<questiontext>``-like element (its ``<text>`` in its format)."""
    if node is None:
        return ""
    inner = node.find("text")
    raw = (inner.text if inner is not None else node.text) or ""
    if node.get("format", default_format) == "html":
        return html_to_text(raw)
    return tidy(raw)


def _has_images(q: Element) -> bool:
    if q.find(".//file") is not None:
        return True
    return any("<img" in (t.text or "").lower() for t in q.iter("text"))


def _fraction(answer: Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def read(data: bytes, name: str) -> Reading:
    """Every question of a Moodle XML file, and what could not be taken. Raises InteropError."""
    root = _parse(data, name)
    reading = Reading()
    category: str | None = None
    for n, q in enumerate(root.findall("question"), start=1):
        kind = q.get("type", "")
        title = _text(q.find("name"), "plain_text") or None
        where = f"question {n}" + (f" ({title})" if title else "")
        if kind == "category":
            category = _category(_text(q.find("category"), "plain_text"))
            continue
        if kind not in ("multichoice", "truefalse", "matching"):
            reading.skipped.append(Skipped(where, _KNOWN.get(kind, f"a '{kind}' question")))
            continue
        if _has_images(q):
            reading.skipped.append(Skipped(where, "it has images, which we cannot show"))
            continue
        qformat = (q.find("questiontext") or Element("x")).get("format", "html")
        base: dict[str, Any] = {
            "stem": _text(q.find("questiontext")),
            "where": where,
            "name": title,
            "general_feedback": _text(q.find("generalfeedback"), qformat) or None,
            "category": category,
            "tags": tuple(
                t for t in (_text(tag, "plain_text") for tag in q.findall("tags/tag")) if t
            ),
        }
        if not base["stem"]:
            reading.skipped.append(Skipped(where, "the question has no text"))
            continue
        item = _item(kind, q, base, qformat)
        if isinstance(item, Skipped):
            reading.skipped.append(item)
        else:
            reading.items.append(item)
    return reading


def _item(kind: str, q: Element, base: dict[str, Any], qformat: str) -> Item | Skipped:
    answers = q.findall("answer")
    if kind == "truefalse":
        right = max(answers, key=_fraction, default=None)
        if right is None:
            return Skipped(base["where"], "a true/false question without answers")
        key = _text(right, "moodle_auto_format").lower() == "true"
        notes = []
        for a in answers:
            note = _text(a.find("feedback"), qformat)
            if note:
                said = "a right" if a is right else "a wrong"
                notes.append(f"On {said} answer: {note}")
        if notes:
            base["general_feedback"] = "\n\n".join(
                [*([base["general_feedback"]] if base["general_feedback"] else []), *notes]
            )
        return Item(kind="true_false", answer=key, **base)
    if kind == "matching":
        pairs = []
        for sub in q.findall("subquestion"):
            left = _text(sub, qformat)
            if not left:
                return Skipped(
                    base["where"], "a matching question with extra answers that match no item"
                )
            pairs.append((left, _text(sub.find("answer"), "plain_text")))
        return Item(kind="matching", pairs=tuple(pairs), **base)
    single = (q.findtext("single") or "true").strip().lower() in ("true", "1")
    choices = tuple(
        Choice(
            text=_text(a, qformat),
            correct=_fraction(a) >= 100 if single else _fraction(a) > 0,
            feedback=_text(a.find("feedback"), qformat) or None,
        )
        for a in answers
    )
    return Item(kind="single" if single else "multiple", choices=choices, **base)


# --- writing ------------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _html(tag: str, text: str, indent: str, attrs: str = "") -> list[str]:
    return [
        f'{indent}<{tag}{attrs} format="html">',
        f"{indent}  <text>{_cdata(text_to_html(text))}</text>",
        f"{indent}</{tag}>",
    ]


def _plain(tag: str, text: str, indent: str) -> list[str]:
    return [f"{indent}<{tag}>", f"{indent}  <text>{_cdata(text)}</text>", f"{indent}</{tag}>"]


def _fraction_text(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def write(items: list[Item], title: str) -> Written:
    """A Moodle XML file of ``items``: a category question wherever the category changes, our
    question id as the name and ``idnumber``, text as HTML in CDATA."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- {_comment(title)}: written by Resurface -->",
        "<quiz>",
    ]
    left_out: list[Skipped] = []
    category: str | None = None
    for item in items:
        where = item.ident or item.where
        if item.category and item.category != category:
            category = item.category
            out += [
                '  <question type="category">',
                *_plain("category", f"$course$/top/{item.category}", "    "),
                "  </question>",
            ]
        stem = f"{item.vignette}\n\n{item.stem}" if item.vignette else item.stem
        if item.vignette:
            left_out.append(Skipped(where, "case vignette: written before the stem"))
        kind = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse"}.get(
            item.kind, "matching"
        )
        out.append(f'  <question type="{kind}">')
        out += _plain("name", item.name or item.ident or stem[:60], "    ")
        out += _html("questiontext", stem, "    ")
        out += _html("generalfeedback", item.general_feedback or "", "    ")
        out += [
            "    <defaultgrade>1</defaultgrade>",
            "    <penalty>0</penalty>",
            "    <hidden>0</hidden>",
        ]
        if item.ident:
            out.append(f"    <idnumber>{_escape(item.ident)}</idnumber>")
        if item.kind == "true_false":
            for value in (True, False):
                out += [
                    f'    <answer fraction="{100 if value == item.answer else 0}" '
                    'format="moodle_auto_format">',
                    f"      <text>{'true' if value else 'false'}</text>",
                    '      <feedback format="html"><text></text></feedback>',
                    "    </answer>",
                ]
        elif item.kind == "matching":
            out.append("    <shuffleanswers>true</shuffleanswers>")
            for left, right in item.pairs:
                out += [
                    '    <subquestion format="html">',
                    f"      <text>{_cdata(text_to_html(left))}</text>",
                    f"      <answer><text>{_cdata(right)}</text></answer>",
                    "    </subquestion>",
                ]
        else:
            single = item.kind == "single"
            right_count = max(1, sum(c.correct for c in item.choices))
            out += [
                f"    <single>{'true' if single else 'false'}</single>",
                "    <shuffleanswers>true</shuffleanswers>",
                "    <answernumbering>abc</answernumbering>",
            ]
            for c in item.choices:
                if single:
                    fraction = "100" if c.correct else "0"
                else:
                    fraction = _fraction_text(100 / right_count) if c.correct else "-100"
                out += [
                    f'    <answer fraction="{fraction}" format="html">',
                    f"      <text>{_cdata(text_to_html(c.text))}</text>",
                    *_html("feedback", c.feedback or "", "      "),
                    "    </answer>",
                ]
        if item.tags:
            out.append("    <tags>")
            out += [f"      <tag><text>{_escape(t)}</text></tag>" for t in item.tags]
            out.append("    </tags>")
        out.append("  </question>")
    out.append("</quiz>")
    return Written(
        data=("\n".join(out) + "\n").encode("utf-8"),
        media_type="application/xml",
        suffix=".xml",
        left_out=left_out,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _comment(text: str) -> str:
    return _escape(text).replace("--", "- -")
