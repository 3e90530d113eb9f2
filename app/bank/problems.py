"""Problems found in content files, reported as ``file:line: subject: field: message``.

A warning (an item-writing flaw, ``app.bank.writing``) is a Problem with its rule's name, shown as
``file:line: warning: subject: field: message [rule]``; it does not stop a question loading.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.bank.schema import QUESTION_TYPES
from app.bank.yamlpos import Loc, Located


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a content file, with where it is."""

    file: str
    line: int
    subject: str
    field: str
    message: str
    rule: str = ""  # set for a warning: the item-writing rule it breaks

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}", *(["warning"] if self.rule else []), self.subject]
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts) + (f" [{self.rule}]" if self.rule else "")


def field_name(loc: Loc) -> str:
    """``("options", 2, "text")`` -> ``options[2].text``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _message(err: ErrorDetails) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_not_found":
        return f"required field is missing (one of {', '.join(QUESTION_TYPES)})"
    if kind == "union_tag_invalid":
        return f"must be one of {', '.join(QUESTION_TYPES)} (not '{ctx.get('tag')}')"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        if "a-z0-9]*" in str(ctx.get("pattern", "")):
            return "must be lowercase letters, digits and single hyphens, starting with a letter"
        return "must be letters, digits, '_', '.' or '-'"
    if kind == "string_type":
        return "must be text"
    if kind == "bool_type":
        return "must be true or false"
    if kind in ("int_type", "int_from_float"):
        return "must be a whole number"
    if kind == "float_type":
        return "must be a number"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge'):g}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le'):g}"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"needs at least {n} item{'s' if n != 1 else ''}"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "must be a mapping of keys and values"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"]


def from_validation_error(
    exc: ValidationError,
    located: Located,
    file: str,
    subject: str,
    base: Loc = (),
    limit: int | None = None,
) -> list[Problem]:
    """Turn pydantic's errors (the first ``limit`` of them) into problems whose lines come from
    the YAML positions."""
    out = []
    for err in exc.errors()[:limit]:
        loc: Loc = tuple(err["loc"])
        # Discriminated unions put the tag in the path: ("single", "options") -> ("options",)
        if loc and loc[0] in QUESTION_TYPES:
            loc = loc[1:]
        if err["type"] in ("union_tag_not_found", "union_tag_invalid"):
            loc = (*loc, "type")
        out.append(
            Problem(file, located.line_of((*base, *loc)), subject, field_name(loc), _message(err))
        )
    return out
