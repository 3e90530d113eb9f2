"""Standard setting: a pass mark from trainers' judgements (modified Angoff). Pure: no I/O.

Each rater says, for each question of an exam's pool, how likely a just-competent technician is
to answer it right (0 to 1; in the modified Angoff method usually in steps of 0.05 or 0.1). A
rater's cut score is the mean of their ratings, as a percentage; the recommended pass mark is the
mean of the raters' cut scores, with their spread (standard deviation) and the standard error of
that mean. Questions the raters disagree on (ratings far apart) are listed for discussion before a
second round, as the method asks.

An exam drawn from a larger pool uses the mean over the whole pool: every form is drawn under the
same balance of topics, difficulties and types (app/bank/forms.py), so a form's expected cut is
the pool's, give or take the draw.

What a mark would have done to past attempts is counted per cohort, each attempt's score against
the candidate mark decided exactly as a pass is (app/engine/scoring.reaches).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from app.engine.scoring import reaches
from app.errors import ResurfaceError

# Ratings this far apart (standard deviation across raters, 0 to 1) mark a question to discuss.
DISAGREEMENT = 0.15
# Fewer raters than this give a mark with no spread worth the name.
MIN_RATERS = 2


class NoPassMark(ResurfaceError):
    """The ratings cannot give a pass mark (said why)."""


@dataclass(frozen=True)
class Recommendation:
    """The pass mark the ratings recommend, and how far the raters agree."""

    pass_mark: float  # percent, the mean of the raters' cut scores
    spread: float  # standard deviation of the raters' cut scores (percentage points)
    standard_error: float  # of the mean: spread / sqrt(raters)
    raters: int
    questions: int
    rater_marks: Mapping[str, float]  # each rater's cut score, percent
    to_discuss: tuple[str, ...]  # question ids whose ratings spread more than DISAGREEMENT


@dataclass(frozen=True)
class Impact:
    """What one pass mark does to past attempts of one cohort (or of every cohort together)."""

    cohort: str | None  # None: every cohort together
    attempts: int
    passed: int

    @property
    def rate(self) -> float:
        """The share passed, 0 to 1 (0 for no attempts)."""
        return self.passed / self.attempts if self.attempts else 0.0


def recommend(ratings: Mapping[str, Mapping[str, float]], pool: Iterable[str]) -> Recommendation:
    """The modified-Angoff pass mark from ``ratings[rater][qid]`` over the questions of ``pool``.

    Every rater must rate every question of the pool; raises NoPassMark naming what is
    missing or out of range.
    """
    qids = list(dict.fromkeys(pool))
    if not qids:
        raise NoPassMark("the exam's pool has no questions to rate")
    if len(ratings) < MIN_RATERS:
        raise NoPassMark(f"{len(ratings)} rater(s) so far: a pass mark needs at least {MIN_RATERS}")
    for rater, given in ratings.items():
        missing = [q for q in qids if q not in given]
        if missing:
            raise NoPassMark(
                f"{rater} has not rated {len(missing)} of {len(qids)} questions "
                f"(first: {missing[0]})"
            )
        bad = [q for q in qids if not 0 <= given[q] <= 1]
        if bad:
            raise NoPassMark(f"{rater}: the rating of {bad[0]} is not between 0 and 1")
    marks = {r: 100 * statistics.fmean(given[q] for q in qids) for r, given in ratings.items()}
    spread = statistics.stdev(marks.values())
    to_discuss = tuple(
        q for q in qids if statistics.stdev(given[q] for given in ratings.values()) > DISAGREEMENT
    )
    return Recommendation(
        pass_mark=statistics.fmean(marks.values()),
        spread=spread,
        standard_error=spread / math.sqrt(len(marks)),
        raters=len(marks),
        questions=len(qids),
        rater_marks=marks,
        to_discuss=to_discuss,
    )


def impact(attempts: Iterable[tuple[str, float]], pass_mark: float) -> tuple[list[Impact], Impact]:
    """How many of the attempts, each given as (cohort, score percent), would have passed at
    ``pass_mark``: per cohort (in name order), and for every cohort together."""
    counts: dict[str, list[int]] = {}
    for cohort, percent in attempts:
        # A stored percentage is the float of an exact fraction: recover it before comparing.
        exact = Fraction(percent).limit_denominator(10**6)
        seen = counts.setdefault(cohort, [0, 0])
        seen[0] += 1
        seen[1] += int(reaches(exact, 100, pass_mark))
    per = [Impact(c, n, p) for c, (n, p) in sorted(counts.items())]
    return per, Impact(None, sum(i.attempts for i in per), sum(i.passed for i in per))
