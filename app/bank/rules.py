"""Content rules beyond structure: answer keys that make sense, citations that hold, own words."""

from __future__ import annotations

from collections.abc import Iterator

from app.bank.schema import (
    MatchingQuestion,
    MultipleQuestion,
    Option,
    QuestionBase,
    SingleQuestion,
)
from app.bank.text import SourceIndex, normalize, words
from app.bank.yamlpos import Loc

MIN_QUOTE_WORDS = 4
MIN_PAIRS = 3  # a matching question: fewer, and the last pair answers itself
MIN_OPTIONS = 3  # a single-answer question (a multiple one: 2 right and 1 wrong at least)
Finding = tuple[Loc, str]


def question_rules(q: QuestionBase) -> list[Finding]:
    """What is wrong with a question's answer key, options or pairs, by field."""
    found: list[Finding] = []
    if isinstance(q, SingleQuestion):
        if len(q.options) < MIN_OPTIONS:
            found.append(
                (
                    ("options",),
                    _count(
                        f"a single-answer question needs at least {MIN_OPTIONS} options",
                        len(q.options),
                    ),
                )
            )
        right = sum(o.correct for o in q.options)
        if right != 1:
            found.append(
                (
                    ("options",),
                    _count(
                        "a single-answer question needs exactly one correct option",
                        right,
                        "correct",
                    ),
                )
            )
    if isinstance(q, MultipleQuestion):
        right = sum(o.correct for o in q.options)
        if right < 2:
            found.append(
                (
                    ("options",),
                    _count(
                        "a multiple-answer question needs at least 2 correct options",
                        right,
                        "correct",
                    ),
                )
            )
        if len(q.options) - right < 1:
            found.append(
                (("options",), "a multiple-answer question needs at least 1 incorrect option")
            )
    if isinstance(q, SingleQuestion | MultipleQuestion):
        found += _repeats([o.text for o in q.options], "options", "text", "option")
    if isinstance(q, MatchingQuestion):
        if len(q.pairs) < MIN_PAIRS:
            found.append(
                (
                    ("pairs",),
                    _count(f"a matching question needs at least {MIN_PAIRS} pairs", len(q.pairs)),
                )
            )
        found += _repeats([p.left for p in q.pairs], "pairs", "left", "pair")
        found += _repeats([p.right for p in q.pairs], "pairs", "right", "pair")
    return found


def citation_rules(
    q: QuestionBase, known_docs: set[str] | None, index: SourceIndex | None
) -> list[Finding]:
    """Citations: documents that exist, quotes long enough to pin down and found verbatim."""
    found: list[Finding] = []
    for i, ref in enumerate(q.sources):
        if known_docs is not None and ref.doc not in known_docs:
            found.append(
                (
                    ("sources", i, "doc"),
                    f"unknown document '{ref.doc}' (not listed in sources.yaml)",
                )
            )
        elif index is not None and ref.doc not in index:
            found.append((("sources", i, "doc"), f"no file '{ref.doc}.txt' in the sources folder"))
        if len(words(ref.quote)) < MIN_QUOTE_WORDS:
            found.append(
                (
                    ("sources", i, "quote"),
                    f"quote is too short to pin down a passage (at least {MIN_QUOTE_WORDS} words)",
                )
            )
        elif index is not None and ref.doc in index and not index.has_quote(ref.doc, ref.quote):
            found.append(
                (("sources", i, "quote"), f'quote not found in {ref.doc}: "{_clip(ref.quote)}"')
            )
    return found


def own_words(texts: Iterator[tuple[Loc, str]], index: SourceIndex) -> list[Finding]:
    """Texts that copy a run of ``index.run`` or more consecutive words from a source."""
    found: list[Finding] = []
    for loc, text in texts:
        copied = index.copied(text)
        if copied:
            found.append(
                (
                    loc,
                    f"copies {index.run}+ consecutive words from {copied.doc} "
                    f'("{copied.run}"); use your own words',
                )
            )
    return found


def question_texts(q: QuestionBase) -> Iterator[tuple[Loc, str]]:
    """Every text a trainee reads in a question, with its location."""
    yield ("stem",), q.stem
    yield ("explanation",), q.explanation
    options: list[Option] = getattr(q, "options", [])
    for i, o in enumerate(options):
        yield ("options", i, "text"), o.text
        if o.feedback:
            yield ("options", i, "feedback"), o.feedback
    if isinstance(q, MatchingQuestion):
        for i, p in enumerate(q.pairs):
            yield ("pairs", i, "left"), p.left
            yield ("pairs", i, "right"), p.right


def _repeats(texts: list[str], field: str, part: str, noun: str) -> list[Finding]:
    label = "text" if part == "text" else f"{part} side"
    first: dict[str, int] = {}
    found: list[Finding] = []
    for i, text in enumerate(texts):
        key = normalize(text)
        if key in first:
            found.append(((field, i, part), f"repeats the {label} of {noun} {first[key] + 1}"))
        else:
            first[key] = i
    return found


def _count(message: str, n: int, what: str = "") -> str:
    return f"{message} (has {n}{' ' + what if what else ''})"


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
