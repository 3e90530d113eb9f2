"""How answers, scores and question types read, on pages and in exports: one home for each rule.

Pure: no streamlit, no I/O. The pages (app/ui) and the exports (app/exports) both ask here, so a
page and a CSV never disagree on a word or a rounding, and tests need no browser to check them.

Where a person and a program read differently, both forms live here, named for their reader:

- a percentage: a page shows one decimal ("79.9%"), an export two (79.96). Both are rounded
  DOWN, so a score just under the pass mark never reads as reaching it;
- a question left unanswered: a page says "no answer", an export leaves the cell empty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from app.engine import Snapshot
from app.engine.scoring import reaches

TYPE_LABELS = {
    "single": "Single answer",
    "multiple": "Multiple answers",
    "true_false": "True / false",
    "matching": "Matching",
}
NO_CHOICE = "(none)"  # a matching item left without a match: in widgets, on pages, in exports
# A page's table cell with nothing to show (a score of a quiz not taken, the end of a certification
# never earned): a dash, never "None" or "nan".
EMPTY = "—"
NO_ANSWER = "no answer"  # a question left unanswered, on a page (an export leaves it empty)
SEPARATOR = " | "  # export: between the options of a multiple-answer question, between pairs
FULL_MARKS = 1  # every question is worth one point; partial credit below it is not "correct"

# Scores are stored as floats of exact fractions; a float can land a hair below the value it
# stands for (0.29 is 0.28999...), which must not round it down a whole step.
_NOISE = 1e-9
# Per-question points have denominators of at most a question's options or pairs, so any sum of
# them is recovered exactly from its float by the nearest fraction with a denominator this small.
_DENOMINATOR = 10**6


def is_answered(answer: Any) -> bool:
    """Anything chosen at all: a matching question counts once one item has its match."""
    if answer is None:
        return False
    if isinstance(answer, list):
        return any(a is not None for a in answer) if answer else False
    return True


def is_complete(answer: Any) -> bool:
    """Answered in full: a matching question counts only once every item has its match."""
    if isinstance(answer, list) and answer:
        return all(a is not None for a in answer)
    return is_answered(answer)


def is_correct(points: float | Fraction) -> bool:
    """Right: full marks. A partly right answer (partial credit) is not correct."""
    return points >= FULL_MARKS


def answer_words(
    kind: str, options: Sequence[str], pairs: Sequence[tuple[str, str]], answer: Any
) -> list[str]:
    """An answer (canonical form, see app.engine) in words: one entry per choice or pair.

    ``options`` are the option texts and ``pairs`` the (left, right) pairs, in YAML order.
    Raises IndexError, TypeError or ValueError for an answer that does not fit the question.
    """
    if kind == "single":
        return [options[answer]]
    if kind == "true_false":
        return ["True" if answer else "False"]
    if kind == "multiple":
        return [options[i] for i in sorted(answer)]
    return [
        f"{left} → {NO_CHOICE if chosen is None else pairs[chosen][1]}"
        for (left, _), chosen in zip(pairs, answer, strict=True)
    ]


def answer_lines(snap: Snapshot, answer: Any) -> list[str]:
    """Page: an answer in words, one line per choice or pair; ["no answer"] when unanswered."""
    if not is_answered(answer):
        return [NO_ANSWER]
    return answer_words(snap.type, [o.text for o in snap.options], snap.pairs, answer)


def answer_cell(
    kind: str, options: Sequence[str], pairs: Sequence[tuple[str, str]], answer: Any
) -> str:
    """Export: an answer in words on one line, joined by " | "; empty when unanswered.

    Raises as ``answer_words`` does.
    """
    if not is_answered(answer):
        return ""
    return SEPARATOR.join(answer_words(kind, options, pairs, answer))


def _floored(value: float | Fraction, places: int) -> int:
    """``value`` times 10**places, rounded down: 6.333 at 2 places is 633."""
    return math.floor(value * 10**places + _NOISE)


def _decimal(value: float | Fraction, places: int) -> str:
    """Rounded down to at most ``places`` decimals, trailing zeros dropped: 6.33, 6.5, 7."""
    whole, part = divmod(_floored(value, places), 10**places)
    return f"{whole}.{part:0{places}d}".rstrip("0") if part else str(whole)


def size(n: int) -> str:
    """A file's size for people: bytes, kB or MB (decimal, as a file manager shows them)."""
    if n < 1000:
        return f"{n} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


def ratio(value: float) -> str:
    """A contrast ratio, rounded down to 2 decimals, never up to a pass: 4.4999 is "4.49:1"."""
    whole, part = divmod(_floored(value, 2), 100)
    return f"{whole}.{part:02d}:1"


def points(value: float | Fraction) -> str:
    """Page: points rounded down to at most 2 decimals, trailing zeros dropped: "6.33", "7"."""
    return _decimal(value, 2)


def points_of(scored: float | Fraction, max_points: int) -> str:
    """Page: "6.33 of 10 points" (points as ``points`` writes them)."""
    return f"{points(scored)} of {max_points} points"


def percent(value: float | None) -> str:
    """Page: rounded down to one decimal, so 79.96% never reads as a pass mark of 80%; "-" if
    there is no score."""
    if value is None:
        return "-"
    return f"{_decimal(value, 1)}%"


def chart_percent(value: float) -> float:
    """Page chart: the figure ``percent`` shows, as a number for a chart's axis and tooltip."""
    return _floored(value, 1) / 10


def export_percent(value: float | None) -> float | None:
    """Export: rounded down to 2 decimals (76.666... is 76.66); None stays None (an empty cell)."""
    if value is None:
        return None
    return _floored(value, 2) / 100


def topic_passed(scored: float | Fraction, max_points: int, pass_mark: float) -> bool:
    """Whether a topic's points reach the pass mark, decided exactly as an attempt's pass is.

    Stored points are floats; they are turned back into the fractions they came from first.
    """
    if max_points <= 0:
        return False
    exact = Fraction(scored).limit_denominator(_DENOMINATOR)
    return reaches(exact, max_points, pass_mark)
