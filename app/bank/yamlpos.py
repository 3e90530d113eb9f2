"""Safe YAML loading that remembers the line of every node.

Only plain YAML is accepted: no Python tags (the safe loader refuses them), no anchors reused by
aliases (they are how alias-expansion bombs work, and a question bank never needs them), no
duplicate keys (PyYAML would silently keep the last one), nothing over ``MAX_BYTES``, nothing
nested deeper than ``MAX_DEPTH``, UTF-8 text only. Each limit is checked before the step it
protects, so a hostile file costs no more than reading it, and every refusal is a YamlError with a
line, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.errors import ResurfaceError

try:  # libyaml is much faster; the pure-Python loader behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
# Values (scalars, lists and mappings) in one file: the largest shipped bank has about 1,300 (21
# questions), so this leaves room for some 300 questions a file, and it bounds the work a file
# of tiny items can cause (parsing, then a problem for each).
MAX_VALUES = 20_000

# Characters YAML does not allow in a stream, as PyYAML's reader defines them; NEL and the Unicode
# line and paragraph separators are refused too: YAML counts them as line breaks and editors do
# not, so every line number after one would be wrong.
_NOT_TEXT = re.compile(
    r"[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_BREAK = re.compile(r"\r\n|\r|\n")
_BOMS = {  # longest first: the UTF-32 little-endian mark begins with the UTF-16 one
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
_KINDS = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "timestamp": "a date",
    "binary": "base64 data",
    "null": "nothing (null)",
}
_YAML_TAG = "tag:yaml.org,2002:"
_STANDARD_TAGS = {
    _YAML_TAG + t
    for t in [
        "str",
        "int",
        "float",
        "bool",
        "null",
        "timestamp",
        "binary",
        "seq",
        "map",
        "set",
        "omap",
        "pairs",
        "merge",
        "value",
    ]
}

Key = str | int
Loc = tuple[Key, ...]


def _line(event: yaml.Event) -> int:
    """The 1-based line an event starts on (0 when the parser gave no position)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 0


class YamlError(ResurfaceError):
    """A YAML file could not be read safely; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Located:
    """Parsed YAML data plus the line where each mapping key or sequence item starts."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


def load_file(path: Path) -> Located:
    """Read and parse ``path``; raises YamlError for anything unsafe or malformed."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes", 1)
    return load_text(decode(path.read_bytes()))


def decode(raw: bytes) -> str:
    """The text of a content file; raises YamlError unless it is UTF-8."""
    for bom, encoding in _BOMS.items():
        if raw.startswith(bom):
            raise YamlError(f"the file is {encoding} text; save it as UTF-8", 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = line_at(raw[: exc.start].decode("utf-8"), exc.start)
        raise YamlError("not valid UTF-8 text", line) from None


def line_at(text: str, offset: int) -> int:
    """The 1-based line of character ``offset``, counting line breaks as YAML does."""
    return len(_BREAK.findall(text, 0, offset)) + 1


def load_text(text: str) -> Located:
    """Parse YAML text; raises YamlError with the offending line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(f"text is larger than the limit of {MAX_BYTES:,} bytes", 1)
    _refuse_characters(text)
    _screen(text)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(None)
        lines = _index(node)
        return Located(loader.construct_document(node), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        # libyaml puts the end of a file that lacks a final line break on a line of its own.
        line = min(mark.line + 1, line_at(text, len(text))) if mark else 1
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", 1) from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply", 1) from None
    finally:
        loader.dispose()


class _SafeLoader(_Loader):
    """The safe loader; a value it cannot build (``2024-02-30``) is a YamlError at its line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # PyYAML lets these escape for a few tagged or date-like scalars: !!int abc,
            # !!bool maybe, !!timestamp x, 2024-02-30, an integer of more than 4,300 digits.
            kind = _KINDS.get(node.tag.removeprefix(_YAML_TAG), node.tag)
            value = _clip(node.value) if isinstance(node.value, str) else "this value"
            raise YamlError(
                f"cannot read '{value}' as {kind}; put it in quotes if it is meant as text",
                node.start_mark.line + 1,
            ) from None


def _refuse_characters(text: str) -> None:
    bad = _NOT_TEXT.search(text)
    if bad is None:
        return
    char, line = bad.group(), line_at(text, bad.start())
    if char == "\x00":
        raise YamlError(
            "contains a NUL byte: this is a binary file or UTF-16 text, not UTF-8 YAML", line
        )
    if char in "\x85\u2028\u2029":
        raise YamlError(
            f"contains the Unicode line break U+{ord(char):04X}; use an ordinary line break", line
        )
    raise YamlError(
        f"contains the control character U+{ord(char):04X}, which YAML does not allow", line
    )


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _screen(text: str) -> None:
    """Refuse aliases, deep nesting and too many values from the event stream, before anything
    is built.

    libyaml's event parser keeps its own stack, but its composer recurses in C: a document nested
    a hundred thousand levels deep would crash the process instead of raising. Newer libyaml
    builds (PyYAML 6.0.4's wheels) also stop at a nesting limit of their own while scanning ahead,
    before this check sees the 65th level; so when libyaml gives up, the text up to where it
    stopped is screened again by PyYAML's pure-Python parser, which has no such limit, and the
    refusal is this module's, with its line, whatever PyYAML version is installed.
    """
    try:
        _screen_events(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if _Loader is yaml.SafeLoader or mark is None:
            return  # the full load below reports syntax errors with their position
        end = text.find("\n", mark.index)
        prefix = text if end < 0 else text[: end + 1]
        with suppress(yaml.YAMLError):
            _screen_events(yaml.parse(prefix, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return


def _screen_events(events: Iterator[yaml.Event]) -> None:
    depth = values = 0
    for event in events:
        if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            values += 1
            if values > MAX_VALUES:
                raise YamlError(
                    f"more than {MAX_VALUES:,} values in one file; split it into smaller files",
                    _line(event),
                )
        if isinstance(event, yaml.AliasEvent):
            raise YamlError(
                "anchors and aliases (&name, *name) are not allowed; write the value out",
                _line(event),
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"nested more than {MAX_DEPTH} levels deep", _line(event))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _index(root: yaml.Node) -> dict[Loc, int]:
    """Map each location to its line; refuse aliases, Python and custom tags, duplicate keys and
    keys that are not text.

    Iterative, so a deeply nested document cannot exhaust the stack, and it stops at the first
    reused node, so an alias bomb costs no more than its text.
    """
    lines: dict[Loc, int] = {(): root.start_mark.line + 1}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen:
            raise YamlError(
                "anchors and aliases (&name, *name) are not allowed; write the value out",
                node.start_mark.line + 1,
            )
        seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            tag = node.tag.replace(_YAML_TAG, "!!")
            raise YamlError(
                f"the tag '{tag}' is not allowed (could not determine a constructor for the "
                "tag): write plain text, numbers, lists and mappings",
                node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlError("mapping keys must be plain text", key_node.start_mark.line + 1)
                key = key_node.value
                if key == "<<":
                    raise YamlError("merge keys (<<) are not allowed", key_node.start_mark.line + 1)
                kind = _KINDS.get(key_node.tag.removeprefix(_YAML_TAG))
                if kind:
                    raise YamlError(
                        f"the key '{_clip(key)}' reads as {kind}, not text; put it in quotes",
                        key_node.start_mark.line + 1,
                    )
                if key in keys:
                    raise YamlError(f"duplicate key '{key}'", key_node.start_mark.line + 1)
                keys.add(key)
                lines[(*loc, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*loc, index)] = item.start_mark.line + 1
                stack.append((item, (*loc, index)))
    return lines
