"""Check answers against a question's snapshot and score questions and whole attempts.

Scoring reads only snapshots, so a finished attempt keeps its score when the banks are edited.
Answers always use canonical indices (YAML order); the UI maps what it showed back through the
attempt's option orders before calling in here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, cast

from app.engine.snapshot import Snapshot
from app.errors import ResurfaceError

Scoring = Literal["all_or_nothing", "partial"]
SCORINGS: tuple[str, ...] = ("all_or_nothing", "partial")
# A question voided for a quiz: everyone given its point ("give"), or left out of the total
# ("drop"). Whatever was answered, and whenever the attempt was taken.
Void = Literal["give", "drop"]
VOIDS: tuple[Void, ...] = ("give", "drop")


class InvalidAnswer(ResurfaceError, ValueError):
    """An answer whose shape does not fit its question."""


@dataclass(frozen=True)
class TopicScore:
    """Points earned on one topic's questions, each question worth one point."""

    topic: str
    points: Fraction
    max_points: int


@dataclass(frozen=True)
class AttemptScore:
    """The score of a whole attempt, with a breakdown by topic (sorted by topic id)."""

    points: Fraction
    max_points: int
    percent: float
    passed: bool
    by_topic: tuple[TopicScore, ...]


def normalize_answer(snap: Snapshot, answer: object) -> object | None:
    """The answer in canonical JSON-safe form, None if unanswered; raises InvalidAnswer."""
    if answer is None:
        return None
    if snap.type == "single":
        return _index(snap, answer, len(snap.options), "option")
    if snap.type == "true_false":
        if not isinstance(answer, bool):
            raise InvalidAnswer(
                f"{snap.qid}: a true/false answer must be True or False, got {_show(answer)}"
            )
        return answer
    if snap.type == "multiple":
        return _multiple(snap, answer)
    if snap.type == "matching":
        return _matching(snap, answer)
    raise InvalidAnswer(f"{snap.qid}: unknown question type {snap.type!r}")


def score_question(snap: Snapshot, answer: object | None, scoring: Scoring) -> Fraction:
    """Points from 0 to 1 for one answer; raises InvalidAnswer, or ValueError for a bad scoring."""
    if scoring not in SCORINGS:
        raise ValueError(f"unknown scoring {scoring!r} (expected one of {', '.join(SCORINGS)})")
    given = normalize_answer(snap, answer)
    if given is None:
        return Fraction(0)
    if snap.type == "single":
        return Fraction(int(snap.options[cast(int, given)].correct))
    if snap.type == "true_false":
        return Fraction(int(given == snap.answer))
    if snap.type == "multiple":
        picked = set(cast(list[int], given))
        correct = {i for i, o in enumerate(snap.options) if o.correct}
        if scoring == "all_or_nothing":
            return Fraction(int(picked == correct))
        right, wrong = len(picked & correct), len(picked - correct)
        return max(Fraction(0), Fraction(right - wrong, len(correct)))
    # matching: left i is right when it was given its own pair's right side
    hits = sum(1 for i, chosen in enumerate(cast(list[int], given)) if chosen == i)
    return Fraction(hits, len(snap.pairs))


def score_attempt(
    snaps: Sequence[Snapshot],
    answers: Mapping[str, object | None],
    scoring: Scoring,
    pass_mark: float,
    voids: Mapping[str, Void] | None = None,
) -> AttemptScore:
    """Score every question (missing answers count as unanswered) and decide pass or fail.

    A question in ``voids`` scores its point whatever the answer ("give") or counts neither in
    the points nor in the points available ("drop"). The pass decision is exact (24/30 is 80%,
    which passes a mark of 80). Raises InvalidAnswer for a malformed answer, ValueError for a
    repeated question, an answer to a question not in ``snaps``, a bad scoring or a bad void.
    """
    voids = voids or {}
    bad = sorted(qid for qid, how in voids.items() if how not in VOIDS)
    if bad:
        raise ValueError(f"unknown void for {', '.join(bad)} (expected give or drop)")
    qids = [s.qid for s in snaps]
    if len(set(qids)) != len(qids):
        repeated = sorted({q for q in qids if qids.count(q) > 1})
        raise ValueError(f"questions appear more than once: {', '.join(repeated)}")
    stray = sorted(set(answers) - set(qids))
    if stray:
        raise ValueError(f"answers to questions not in the attempt: {', '.join(stray)}")
    points: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    for snap in snaps:
        got = score_question(snap, answers.get(snap.qid), scoring)
        if voids.get(snap.qid) == "drop":
            continue
        if voids.get(snap.qid) == "give":
            got = Fraction(1)
        points[snap.topic] = points.get(snap.topic, Fraction(0)) + got
        counts[snap.topic] = counts.get(snap.topic, 0) + 1
    total, max_points = sum(points.values(), Fraction(0)), sum(counts.values())
    share = total / max_points * 100 if max_points else Fraction(0)
    return AttemptScore(
        points=total,
        max_points=max_points,
        percent=float(share),
        passed=reaches(total, max_points, pass_mark),
        by_topic=tuple(TopicScore(t, points[t], counts[t]) for t in sorted(points)),
    )


def reaches(points: Fraction, max_points: int, pass_mark: float) -> bool:
    """Whether ``points`` of ``max_points`` reach ``pass_mark`` (a percentage), exactly.

    24 of 30 is 80%, which reaches a mark of 80; no points available is 0%.
    """
    share = points / max_points * 100 if max_points else Fraction(0)
    # str() first: Fraction(80.1) would be the binary float, not 80.1.
    return share >= Fraction(str(pass_mark))


def _index(snap: Snapshot, value: object, size: int, noun: str) -> int:
    # bool is an int subclass; True must not quietly mean "option 1".
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidAnswer(f"{snap.qid}: {noun} index must be an int, got {_show(value)}")
    if not 0 <= value < size:
        raise InvalidAnswer(f"{snap.qid}: {noun} index {value} is out of range (0 to {size - 1})")
    return value


def _multiple(snap: Snapshot, answer: object) -> list[int] | None:
    if not isinstance(answer, list | tuple):
        raise InvalidAnswer(
            f"{snap.qid}: a multiple-answer question needs a list of option indices, "
            f"got {_show(answer)}"
        )
    picked = [_index(snap, v, len(snap.options), "option") for v in answer]
    repeated = sorted({i for i in picked if picked.count(i) > 1})
    if repeated:
        raise InvalidAnswer(
            f"{snap.qid}: options picked more than once: {', '.join(map(str, repeated))}"
        )
    return sorted(picked) or None


def _matching(snap: Snapshot, answer: object) -> list[int | None] | None:
    size = len(snap.pairs)
    if not isinstance(answer, list | tuple):
        raise InvalidAnswer(
            f"{snap.qid}: a matching question needs a list with one pair index (or None) per "
            f"left item, got {_show(answer)}"
        )
    if len(answer) != size:
        raise InvalidAnswer(
            f"{snap.qid}: a matching question needs one choice per left item ({size}), "
            f"got {len(answer)}"
        )
    # The same right side chosen twice is allowed: independent pickers can do it, and at most
    # one of the two can score.
    chosen = [None if v is None else _index(snap, v, size, "pair") for v in answer]
    return chosen if any(v is not None for v in chosen) else None


def _show(value: object) -> str:
    return f"{type(value).__name__} {value!r}"
