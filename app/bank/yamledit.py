"""Change one question in a bank file's YAML text, keeping everything else as written.

ruamel.yaml's round trip keeps comments, key order, quoting, flow and block styles and blank
lines; only the values that change are replaced, so an edit's diff is the question's own lines.
New text is written the way the shipped banks are: a value that fits stays on its key's line,
a longer one becomes a folded block (``>-``) broken before ``LINE`` columns, a citation stays a
one-line ``{doc: ..., quote: ...}``, tags stay a ``[flow, list]``.

Pure text in, text out; no files, no validation (``app.bank.editing`` does both).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import (
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from app.errors import ResurfaceError

LINE = 100  # the longest line new text is folded to, as the shipped banks are written

# Where a key goes when a question gains it: after the last key before it in this order.
ORDERS: dict[str, tuple[str, ...]] = {
    "question": (
        "id",
        "type",
        "difficulty",
        "case",
        "exam_only",
        "variant",
        "retired",
        "draft",
        "stem",
        "options",
        "answer",
        "pairs",
        "explanation",
        "sources",
        "tags",
    ),
    "options": ("text", "correct", "feedback"),
    "pairs": ("left", "right"),
    "sources": ("doc", "quote"),
}
# Values left out of the file when they are the default (a question that is not secure has no
# ``exam_only: false`` line), unless the file already spells them out.
DEFAULTS: dict[str, Any] = {
    "exam_only": False,
    "retired": False,
    "draft": False,
    "variant": None,
    "case": None,
    "tags": [],
    "correct": False,
    "feedback": None,
}
FLOW_LISTS = frozenset({"tags"})  # written [a, b]
FLOW_ITEMS = frozenset({"sources"})  # each item written {doc: ..., quote: ...}


class YamlEditError(ResurfaceError):
    """The file cannot be edited this way: it does not parse, or has no such question."""


def _yaml() -> YAML:
    # The shipped banks' layout: a dump of an unchanged file is byte for byte the file.
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096  # never re-wrap a line that was not changed
    return y


def parse(text: str) -> CommentedMap:
    """The round-trip document of a bank file. Raises YamlEditError."""
    try:
        doc = _yaml().load(text)
    except YAMLError as exc:
        raise YamlEditError(f"the file is not valid YAML: {exc}") from None
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("questions"), CommentedSeq):
        raise YamlEditError("the file has no list of questions")
    return doc


def dump(doc: CommentedMap) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()


def find(doc: CommentedMap, qid: str) -> int | None:
    """The index of question ``qid`` in the file's list, or None."""
    for i, item in enumerate(doc["questions"]):
        if isinstance(item, Mapping) and item.get("id") == qid:
            return i
    return None


def replace_question(text: str, qid: str, fields: Mapping[str, Any]) -> str:
    """``text`` with question ``qid`` made equal to ``fields``, its other lines untouched.

    Raises YamlEditError.
    """
    doc = parse(text)
    at = find(doc, qid)
    if at is None:
        raise YamlEditError(f"no question '{qid}' in the file")
    node = doc["questions"][at]
    indent = _column(node, 4)
    if not isinstance(node, CommentedMap):
        raise YamlEditError(f"question '{qid}' is not a mapping")
    _merge_map(node, fields, indent, "question", flow=False)
    return dump(doc)


def append_question(text: str, fields: Mapping[str, Any]) -> str:
    """``text`` with a new question at the end of its list, after a blank line.

    Raises YamlEditError.
    """
    doc = parse(text)
    questions = doc["questions"]
    questions.append(_fresh(fields, _item_column(questions), "question", flow=False))
    if len(questions) > 1:
        questions.ca.items[len(questions) - 1] = [
            None,
            [CommentToken("\n", CommentMark(0))],
            None,
            None,
        ]
    return dump(doc)


def new_bank(header: Mapping[str, Any], questions: Sequence[Mapping[str, Any]], note: str) -> str:
    """The text of a new bank file: its header on one line, ``note`` as comment lines under it,
    then ``questions`` laid out as the shipped banks are, a blank line between them."""
    doc = CommentedMap()
    head = CommentedMap({k: _text(v, 0, k, flow=True) for k, v in header.items()})
    head.fa.set_flow_style()
    doc["bank"] = head
    seq = CommentedSeq()
    for i, fields in enumerate(questions):
        seq.append(_fresh(fields, 4, "question", flow=False))
        if i:
            seq.ca.items[i] = [None, [CommentToken("\n", CommentMark(0))], None, None]
    doc["questions"] = seq
    comment = "".join(f"# {line}".rstrip() + "\n" for line in note.splitlines())
    return dump(doc).replace("\nquestions:", "\n" + comment + "questions:", 1)


def remove_question(text: str, qid: str) -> str:
    """``text`` without question ``qid`` (moved to another bank). Raises YamlEditError."""
    doc = parse(text)
    at = find(doc, qid)
    if at is None:
        raise YamlEditError(f"no question '{qid}' in the file")
    questions = doc["questions"]
    if len(questions) == 1:
        raise YamlEditError("a bank needs at least one question; this is its last")
    # The comment lines before it (a section heading) stay, before whatever follows.
    above = questions.ca.items.pop(at, None)
    shifted = {i - 1 if i > at else i: v for i, v in questions.ca.items.items()}
    questions.ca.items.clear()
    questions.ca.items.update(shifted)
    if above is not None and at < len(questions) - 1 and at not in questions.ca.items:
        questions.ca.items[at] = above
    del questions[at]
    return dump(doc)


def set_quiz_value(text: str, quiz_id: str, key: str, value: Any) -> str:
    """``text`` (quizzes.yaml) with quiz ``quiz_id``'s ``key`` set to ``value``, every other line
    untouched. A whole number is written without a decimal point (80, not 80.0).

    Raises YamlEditError.
    """
    try:
        doc = _yaml().load(text)
    except YAMLError as exc:
        raise YamlEditError(f"the file is not valid YAML: {exc}") from None
    quizzes = doc.get("quizzes") if isinstance(doc, CommentedMap) else None
    if not isinstance(quizzes, CommentedSeq):
        raise YamlEditError("the file has no list of quizzes")
    for quiz in quizzes:
        if isinstance(quiz, CommentedMap) and quiz.get("id") == quiz_id:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            quiz[key] = value
            return dump(doc)
    raise YamlEditError(f"no quiz '{quiz_id}' in the file")


def plain(value: Any) -> Any:
    """A round-trip value as plain Python: dicts, lists, str, bool, int, None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def question_of(text: str, qid: str) -> dict[str, Any] | None:
    """Question ``qid`` of ``text`` as plain Python, or None. Raises YamlEditError."""
    doc = parse(text)
    at = find(doc, qid)
    return None if at is None else plain(doc["questions"][at])


def without_defaults(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with every value that is its default left out, at every level."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if _is_default(key, value):
            continue
        if isinstance(value, list):
            value = [without_defaults(v) if isinstance(v, Mapping) else v for v in value]
        out[key] = value
    return out


# --- merging ------------------------------------------------------------------------------------


def _column(node: Any, default: int) -> int:
    lc = getattr(node, "lc", None)
    col = getattr(lc, "col", None) if lc is not None else None
    return col if isinstance(col, int) and col > 0 else default


def _item_column(seq: CommentedSeq) -> int:
    """The column of the keys of the mappings in ``seq`` (4 in a bank's question list)."""
    for item in seq:
        if isinstance(item, CommentedMap):
            return _column(item, 4)
    return 4


def _same(old: Any, new: Any) -> bool:
    # True == 1 in Python; in YAML they are different values.
    return type(plain(old)) is type(new) and plain(old) == new


def _is_default(key: str, value: Any) -> bool:
    return key in DEFAULTS and (value is None or _same(value, DEFAULTS[key]))


def _merge_map(
    node: CommentedMap, new: Mapping[str, Any], indent: int, kind: str, flow: bool
) -> None:
    order = ORDERS.get(kind, ())
    for key in [k for k in node if k not in new]:
        if not _is_default(key, node[key]):  # a default spelled out in the file stays
            del node[key]
    for key, value in new.items():
        if key in node:
            if _same(node[key], value):
                continue
            if _is_default(key, value):
                del node[key]
            else:
                node[key] = _merged(node[key], value, indent, key, flow)
        elif not _is_default(key, value):
            node.insert(_position(node, key, order), key, _fresh(value, indent, key, flow))


def _position(node: CommentedMap, key: str, order: Sequence[str]) -> int:
    if key not in order:
        return len(node)
    before = set(order[: order.index(key)])
    at = 0
    for i, existing in enumerate(node):
        if existing in before:
            at = i + 1
    return at


def _merged(old: Any, new: Any, indent: int, key: str, flow: bool) -> Any:
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        _merge_map(old, new, indent, key, flow or bool(old.fa.flow_style()))
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        _merge_seq(old, new, indent, key, flow or bool(old.fa.flow_style()))
        return old
    return _fresh(new, indent, key, flow)


def _merge_seq(seq: CommentedSeq, new: list[Any], indent: int, key: str, flow: bool) -> None:
    inner = _item_column(seq) if len(seq) else indent + 4
    for i, value in enumerate(new):
        if i < len(seq):
            if not _same(seq[i], value):
                seq[i] = _merged(seq[i], value, inner, key, flow)
        else:
            siblings = [s for s in seq if isinstance(s, CommentedMap)]
            item_flow = flow or (
                bool(siblings[0].fa.flow_style()) if siblings else key in FLOW_ITEMS
            )
            seq.append(_fresh(value, inner, key, item_flow))
    del seq[len(new) :]


def _fresh(value: Any, indent: int, key: str, flow: bool) -> Any:
    """``value`` as new YAML, laid out the way the banks are written."""
    if isinstance(value, Mapping):
        node = CommentedMap()
        for k in sorted(value, key=_order_key(ORDERS.get(key, ()))):
            if not _is_default(k, value[k]):
                node[k] = _fresh(value[k], indent, k, flow)
        if flow:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list | tuple):
        seq = CommentedSeq()
        item_flow = flow or key in FLOW_ITEMS
        for v in value:
            seq.append(_fresh(v, indent + 4, key, item_flow))
        if flow or key in FLOW_LISTS:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        return _text(value, indent, key, flow)
    return value


def _order_key(order: Sequence[str]) -> Any:
    return lambda k: (order.index(k) if k in order else len(order), "")


# Plain words YAML 1.1 (PyYAML, which loads the banks) reads as booleans, though ruamel's YAML 1.2
# writes them unquoted: a text that is one of them is written quoted.
_YAML11_BOOLS = frozenset(["y", "yes", "n", "no", "true", "false", "on", "off"])


def _text(value: str, indent: int, key: str, flow: bool) -> Any:
    if value.lower() in _YAML11_BOOLS:
        return SingleQuotedScalarString(value)
    if flow:
        return value  # inside {...} only a one-line scalar may stand; ruamel quotes as needed
    if "\n" in value:
        return LiteralScalarString(value)
    if indent + len(key) + 2 + len(value) <= LINE:
        return value
    folded = FoldedScalarString(value)
    folded.fold_pos = _folds(value, LINE - indent - 2)
    return folded


def _folds(value: str, width: int) -> list[int]:
    """Where to break a folded block: single spaces, each line at most ``width`` long if it can."""
    width = max(width, 20)
    breaks: list[int] = []
    start = 0
    while len(value) - start > width:
        found = None
        for pos in range(min(start + width, len(value) - 1), start, -1):
            if _foldable(value, pos):
                found = pos
                break
        if found is None:  # one long word: break at the next space after it
            found = next(
                (p for p in range(start + width, len(value) - 1) if _foldable(value, p)), None
            )
            if found is None:
                break
        breaks.append(found)
        start = found + 1
    return breaks


def _foldable(value: str, pos: int) -> bool:
    return value[pos] == " " and not value[pos - 1].isspace() and not value[pos + 1].isspace()
