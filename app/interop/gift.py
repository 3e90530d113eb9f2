"""GIFT, Moodle's text format for questions: read and write.

Read as Moodle's own importer reads it (question/format/gift/format.php): questions are separated
by blank lines; ``//`` starts a comment line; ``::title::`` names a question; ``$CATEGORY: path``
sets the category of the questions that follow; the answers sit in ``{...}``: ``=right ~wrong``
(single answer), ``~%50%right ~%-100%wrong`` (several right answers, no ``=``), ``{T}``/``{TRUE}``/
``{F}``/``{FALSE}`` (true/false, then ``#feedback on a wrong answer#on a right one``), ``=left ->
right`` (matching); ``#feedback`` follows an answer, ``####general feedback`` closes the answers;
``\\~ \\= \\# \\{ \\} \\: \\\\`` are the characters themselves and ``\\n`` a line break. Text
after the answers makes a missing-word question (the answers' place becomes ``_____``). A
``[html]`` text is reduced to plain text; ``[moodle]``, ``[plain]`` and ``[markdown]`` are kept as
written. Essay (``{}``), numerical (``{#...}``), short answer (only ``=`` answers) and description
(no braces) questions are listed as skipped.
"""

from __future__ import annotations

import re
from typing import Any

from app.interop.common import Choice, Item, Reading, Skipped, Written
from app.interop.text import decode, html_to_text, tidy

# Private-use characters stand in for escaped specials while a question is taken apart.
_ESCAPES = {
    ":": "\ue000",
    "#": "\ue001",
    "=": "\ue002",
    "{": "\ue003",
    "}": "\ue004",
    "~": "\ue005",
}
_BACKSLASH, _NEWLINE = "\ue006", "\ue007"
_RESTORE = {v: k for k, v in _ESCAPES.items()} | {_BACKSLASH: "\\", _NEWLINE: "\n"}
_WEIGHT = re.compile(r"^%(-?[0-9]+(?:\.[0-9]*)?)%")
_FORMAT = re.compile(r"^\[(html|moodle|plain|markdown)\]")
_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")


def _hide(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for char, mark in _ESCAPES.items():
        text = text.replace("\\" + char, mark)
    return text.replace("\\n", _NEWLINE)


def _show(text: str) -> str:
    for mark, char in _RESTORE.items():
        text = text.replace(mark, char)
    return text


def _text(raw: str, html: bool = False) -> str:
    """A piece of a question as plain text: its ``[format]`` read, escapes resolved."""
    raw = raw.strip()
    found = _FORMAT.match(raw)
    if found:
        html, raw = found.group(1) == "html", raw[found.end() :]
    # A line break in the file only wraps a long line; ``\n`` is a break the text holds.
    text = _show(raw.replace("\n", " "))
    return html_to_text(text) if html else tidy(text)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """The file's questions as (first line number, lines), split at blank lines."""
    out: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            if current:
                out.append((start, current))
            current = []
            continue
        if line.strip().startswith("//"):
            continue
        if not current:
            start = n
        current.append(line)
    if current:
        out.append((start, current))
    return out


def _category(path: str) -> str | None:
    """A category path without Moodle's context prefix (``$course$/top/``)."""
    parts = [p for p in path.strip().split("/") if p.strip()]
    if parts and parts[0].startswith("$") and parts[0].endswith("$"):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return "/".join(p.strip() for p in parts) or None


def read(data: bytes, name: str) -> Reading:
    """Every question of a GIFT file, and what could not be taken. Raises InteropError."""
    reading = Reading()
    category: str | None = None
    for line, lines in _blocks(decode(data, name)):
        where = f"line {line}"
        text = _hide("\n".join(lines).strip())
        if text.startswith("$CATEGORY:"):
            category = _category(_show(text[len("$CATEGORY:") :]))
            continue
        outcome = _question(text, where, category)
        if isinstance(outcome, Skipped):
            reading.skipped.append(outcome)
        else:
            reading.items.append(outcome)
    return reading


def _question(text: str, where: str, category: str | None) -> Item | Skipped:
    title: str | None = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            title = _show(text[2:end]).strip() or None
            text = text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start == -1 and finish == -1:
        return Skipped(where, "a description (no answers): not a question")
    if start == -1 or finish == -1 or finish < start:
        return Skipped(where, "unbalanced braces: an answer part needs both { and }")
    inside = text[start + 1 : finish].strip()
    after = text[finish + 1 :].strip()
    stem_raw = text[:start] + ("_____" + text[finish + 1 :] if after else "")
    general: str | None = None
    gf = inside.rfind("####")
    if gf != -1:
        general, inside = inside[gf + 4 :], inside[:gf].strip()
    html = stem_raw.strip().startswith("[html]")
    stem = _text(stem_raw, html)
    feedback = _text(general, html) if general else None
    base: dict[str, Any] = {"stem": stem, "where": where, "name": title, "category": category}
    if not stem:
        return Skipped(where, "the question has no text")
    if not inside:
        return Skipped(where, "an essay question (free text answer)")
    if inside.startswith("#"):
        return Skipped(where, "a numerical question")
    if "~" in inside:
        return _choice(inside, html, feedback, base)
    if "=" in inside and "->" in inside:
        return _matching(inside, html, feedback, base)
    key, *notes = inside.split("#", 2)
    if key.strip() in _TRUE + _FALSE:
        wrong, right = [*(_text(n, html) for n in notes), "", ""][:2]
        said = [
            feedback,
            f"On a wrong answer: {wrong}" if wrong else None,
            f"On a right answer: {right}" if right else None,
        ]
        general_all = "\n\n".join(s for s in said if s) or None
        return Item(
            kind="true_false",
            answer=key.strip() in _TRUE,
            general_feedback=general_all,
            **base,
        )
    return Skipped(where, "a short-answer question (typed answers)")


def _choice(inside: str, html: bool, feedback: str | None, base: dict[str, Any]) -> Item | Skipped:
    single = "=" in inside
    parts = [p.strip() for p in inside.replace("=", "~=").split("~")]
    if parts and not parts[0]:
        parts = parts[1:]
    choices = []
    for part in parts:
        if part.startswith("="):
            weight, part = 100.0, part[1:]
        elif found := _WEIGHT.match(part):
            weight, part = float(found.group(1)), part[found.end() :]
        else:
            weight = 0.0
        text, _, note = part.partition("#")
        choices.append(
            Choice(
                text=_text(text, html),
                correct=weight >= 100 if single else weight > 0,
                feedback=_text(note, html) or None,
            )
        )
    if len(choices) < 2:
        return Skipped(base["where"], "a multiple-choice question needs at least 2 answers")
    return Item(
        kind="single" if single else "multiple",
        choices=tuple(choices),
        general_feedback=feedback,
        **base,
    )


def _matching(
    inside: str, html: bool, feedback: str | None, base: dict[str, Any]
) -> Item | Skipped:
    parts = [p.strip() for p in inside.split("=")]
    if parts and not parts[0]:
        parts = parts[1:]
    pairs = []
    for part in parts:
        if "->" not in part:
            return Skipped(base["where"], f"a matching answer without '->': {_show(part)!r}")
        left, _, right = part.partition("->")
        pair = (_text(left, html), _text(right))
        if not pair[0]:
            return Skipped(
                base["where"], "a matching question with extra answers that match no item"
            )
        pairs.append(pair)
    return Item(kind="matching", pairs=tuple(pairs), general_feedback=feedback, **base)


# --- writing ------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text as GIFT holds it: its specials escaped, line breaks as ``\\n`` (Moodle's repchar)."""
    out = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        out = out.replace(char, "\\" + char)
    return out.replace("\r", "").replace("\n", "\\n")


def _weight(n: int) -> str:
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def write(items: list[Item], title: str) -> Written:
    """A GIFT file of ``items``, a ``$CATEGORY`` line wherever the category changes."""
    out = [f"// {escape(title)}", "// Written by Resurface; import it in Moodle as GIFT.", ""]
    left_out: list[Skipped] = []
    category: str | None = None
    for item in items:
        where = item.ident or item.where
        if item.category and item.category != category:
            category = item.category
            out += [f"$CATEGORY: $course$/top/{item.category}", ""]
        stem = f"{item.vignette}\n\n{item.stem}" if item.vignette else item.stem
        if item.vignette:
            left_out.append(Skipped(where, "case vignette: written before the stem"))
        head = f"::{escape(item.name)}::" if item.name else ""
        if item.ident:
            out.append(f"// {item.ident}")
        if item.kind == "true_false":
            key = "TRUE" if item.answer else "FALSE"
            gf = f"####{escape(item.general_feedback)}" if item.general_feedback else ""
            out += [f"{head}{escape(stem)}{{{key}{gf}}}", ""]
            continue
        lines = [f"{head}{escape(stem)}{{"]
        if item.kind == "matching":
            for left, right in item.pairs:
                if "->" in left:
                    left_out.append(Skipped(where, "a matching item with '->' in it"))
                lines.append(f"\t={escape(left)} -> {escape(right)}")
        else:
            right_count = sum(c.correct for c in item.choices)
            for c in item.choices:
                if item.kind == "single":
                    mark = "=" if c.correct else "~"
                else:
                    mark = f"~%{_weight(right_count)}%" if c.correct else "~%-100%"
                note = f"#{escape(c.feedback)}" if c.feedback else ""
                lines.append(f"\t{mark}{escape(c.text)}{note}")
        if item.general_feedback:
            lines.append(f"\t####{escape(item.general_feedback)}")
        out += [*lines, "}", ""]
    tagged = sum(bool(item.tags) for item in items)
    if tagged:
        left_out.append(
            Skipped("tags", f"GIFT has no tags: those of {tagged} question(s) left out")
        )
    return Written(
        data="\n".join(out).encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        suffix=".gift.txt",
        left_out=left_out,
    )
