"""Safe YAML loading that remembers the line of every node.

Only plain YAML is accepted: no Python tags (the safe loader refuses them), no anchors reused by
aliases (they are how alias-expansion bombs work, and a question bank never needs them), no
duplicate keys (PyYAML would silently keep the last one), nothing over ``MAX_BYTES``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is much faster; the pure-Python loader behaves the same
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64

Key = str | int
Loc = tuple[Key, ...]


class YamlError(Exception):
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
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlError("not valid UTF-8 text", line) from None
    return load_text(text)


def load_text(text: str) -> Located:
    """Parse YAML text; raises YamlError with the offending line."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise YamlError(f"text is larger than the limit of {MAX_BYTES:,} bytes", 1)
    _screen(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(None)
        lines = _index(node)
        return Located(loader.construct_document(node), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"invalid YAML: {problem}", mark.line + 1 if mark else 1) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", 1) from None
    except RecursionError:
        raise YamlError("invalid YAML: nested too deeply", 1) from None
    finally:
        loader.dispose()


def _screen(text: str) -> None:
    """Refuse aliases and deep nesting from the event stream, before anything is built.

    libyaml's event parser keeps its own stack, but its composer recurses in C: a document nested
    a hundred thousand levels deep would crash the process instead of raising.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                raise YamlError(
                    "anchors and aliases (&name, *name) are not allowed; write the value out",
                    event.start_mark.line + 1,
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(
                        f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError:
        return  # the full load below reports syntax errors with their position


def _index(root: yaml.Node) -> dict[Loc, int]:
    """Map each location to its line; refuse aliases and duplicate keys.

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
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise YamlError("mapping keys must be plain text", key_node.start_mark.line + 1)
                key = key_node.value
                if key == "<<":
                    raise YamlError("merge keys (<<) are not allowed", key_node.start_mark.line + 1)
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
