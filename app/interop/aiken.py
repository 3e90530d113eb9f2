"""Aiken: Moodle's plain-text format for single-answer questions.

A question is a stem, then its options, one a line, each starting with a capital letter and a
full stop or closing bracket and a space (``A. text`` or ``A) text``), then a line
``ANSWER: B``; questions are separated by blank lines (optional). Moodle's own documentation
puts the stem on one line; this reader also takes a stem over several lines (joined with line
breaks), and writes every stem on one line, so what it writes any Aiken reader takes.

What Aiken cannot hold: more than one right answer (multiple answer and matching questions are
left out), feedback of any kind, names, categories and tags. A true/false question is written as
a single-answer question with the options ``True`` and ``False``, so reading it back gives a
single-answer question with those two options, not a true/false one.

A file with any malformed question is refused whole with every problem and its line
(``Problems``); nothing is imported from it in part.
"""

from __future__ import annotations

import re
import string

from app.interop.common import (
    MAX_IMPORT_BYTES,
    Choice,
    InteropError,
    Item,
    Reading,
    Skipped,
    Written,
)
from app.interop.problems import Problems, decode_text

MEDIA_TYPE = "text/plain; charset=utf-8"
SUFFIX = ".txt"
LETTERS = string.ascii_uppercase

_OPTION = re.compile(r"^([A-Z])[.)][ \t]+(.*)$")
_ANSWER = re.compile(r"^ANSWER:[ \t]*(.*)$")
_NOT_CARRIED = "Aiken holds only single-answer questions"


def read(data: bytes, name: str) -> Reading:
    """The questions of an Aiken file; Problems if any question is malformed, InteropError if the
    file is too large or not UTF-8 text."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InteropError(
            f"{name} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
            "that is not an Aiken question file"
        )
    text = decode_text(data, "Aiken file")
    items: list[Item] = []
    problems: list[str] = []

    stem: list[str] = []
    stem_line = 0
    options: list[tuple[str, str, int]] = []  # letter, text, line

    def reset() -> None:
        nonlocal stem, stem_line, options
        stem, stem_line, options = [], 0, []

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            # A blank line between the stem and its options is harmless; a blank line after
            # options without an ANSWER ends nothing either: ANSWER is what ends a question.
            continue
        option = _OPTION.match(line)
        answer = _ANSWER.match(line)
        if answer:
            where = f"line {stem_line or number}"
            if not stem:
                problems.append(f"line {number}: an ANSWER line with no question before it")
            elif len(options) < 2:
                problems.append(
                    f"line {number}: the question at {where} has "
                    f"{'no options' if not options else 'only one option'}; it needs at least two"
                )
            else:
                item = _item(stem, options, answer.group(1).strip(), number, where, problems)
                if item is not None:
                    items.append(item)
            reset()
        elif option:
            letter, body = option.group(1), option.group(2).strip()
            if not stem:
                problems.append(f"line {number}: option {letter} has no question before it")
                continue
            expected = LETTERS[len(options)]
            if letter != expected:
                problems.append(
                    f"line {number}: option {letter} where option {expected} was expected "
                    f"(the question at line {stem_line})"
                )
            if not body:
                problems.append(f"line {number}: option {letter} has no text")
            options.append((letter, body, number))
        else:
            if options:
                # Text after options: the question before had no ANSWER line.
                problems.append(
                    f"line {options[-1][2]}: the question at line {stem_line} has options but "
                    "no 'ANSWER: <letter>' line after them"
                )
                reset()
            if not stem:
                stem_line = number
            stem.append(line)
    if options:
        problems.append(
            f"line {options[-1][2]}: the question at line {stem_line} has options but no "
            "'ANSWER: <letter>' line after them"
        )
    elif stem:
        problems.append(f"line {stem_line}: a question with no options and no ANSWER line")
    if problems:
        raise Problems(problems)
    return Reading(items=items)


def _item(
    stem: list[str],
    options: list[tuple[str, str, int]],
    answer: str,
    number: int,
    where: str,
    problems: list[str],
) -> Item | None:
    letters = [letter for letter, _, _ in options]
    if not answer:
        problems.append(f"line {number}: ANSWER names no option (write e.g. 'ANSWER: B')")
        return None
    if len(answer) != 1 or answer not in LETTERS:
        problems.append(
            f"line {number}: ANSWER: {answer!r} is not one capital letter; "
            "Aiken questions have exactly one right option"
        )
        return None
    if answer not in letters:
        problems.append(
            f"line {number}: ANSWER: {answer} names no option "
            f"(the options are {', '.join(letters)})"
        )
        return None
    return Item(
        kind="single",
        stem="\n".join(stem),
        where=where,
        choices=tuple(Choice(text, letter == answer) for letter, text, _ in options),
    )


# Control characters other than white space (NUL and the like): never meant, and a reader
# (ours among them) may refuse a text file that holds them; white space is made single spaces.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub("", text).split())


def write(items: list[Item], title: str) -> Written:
    """Single-answer and true/false questions as Aiken text; the others in ``left_out``.

    ``title`` is not written (Aiken has no place for it). Feedback is dropped; one entry in
    ``left_out`` says how many questions lost it, rather than one per question.
    """
    blocks: list[str] = []
    left_out: list[Skipped] = []
    without_feedback = 0
    for item in items:
        where = item.ident or item.where
        if item.kind == "single":
            choices = list(item.choices)
        elif item.kind == "true_false":
            if item.answer is None:
                left_out.append(Skipped(where, "a true/false question without its answer"))
                continue
            choices = [Choice("True", item.answer), Choice("False", not item.answer)]
        else:
            kind = "multiple-answer" if item.kind == "multiple" else "matching"
            left_out.append(Skipped(where, f"a {kind} question: {_NOT_CARRIED}"))
            continue
        if len(choices) > len(LETTERS) or sum(c.correct for c in choices) != 1:
            left_out.append(Skipped(where, f"not exactly one right option: {_NOT_CARRIED}"))
            continue
        stem = _one_line(item.stem)
        if not stem or not all(_one_line(c.text) for c in choices):
            left_out.append(Skipped(where, "an empty question or option text"))
            continue
        if item.vignette:
            stem = f"{_one_line(item.vignette)} {stem}"
        if _OPTION.match(stem) or _ANSWER.match(stem):
            # A stem like "A. ..." would be read back as an option; "Q: " keeps it a stem.
            stem = f"Q: {stem}"
        lines = [stem]
        for letter, choice in zip(LETTERS, choices, strict=False):
            lines.append(f"{letter}. {_one_line(choice.text)}")
        right = next(letter for letter, c in zip(LETTERS, choices, strict=False) if c.correct)
        lines.append(f"ANSWER: {right}")
        blocks.append("\n".join(lines))
        if item.general_feedback or any(c.feedback for c in choices):
            without_feedback += 1
    if without_feedback:
        left_out.append(
            Skipped(
                "feedback",
                f"{without_feedback} of the exported questions were written without their "
                "feedback and explanation: Aiken has no place for feedback",
            )
        )
    text = "\n\n".join(blocks) + ("\n" if blocks else "")
    return Written(data=text.encode(), media_type=MEDIA_TYPE, suffix=SUFFIX, left_out=left_out)
