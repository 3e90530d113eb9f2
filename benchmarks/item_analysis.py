"""Time the item analysis on 600,000 synthetic responses against a baseline from the same run.

Two data sets of 20,000 attempts x 30 questions: a fixed form (every attempt has the same 30
questions) and a pool (each attempt draws 30 of 150). Answers follow a two-parameter logistic
model; every question is single-choice with four options and 2% are left unanswered.
Baseline: ``responses.groupby("qid").points.mean()``, the plainest item statistic there is.
Prints a table (median of 3 rounds); asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from measure import Row, Run, sample, timing

from app import analytics

OPTIONS = 4


def build(attempts: int, per_attempt: int, pool: int, seed: int = 42):
    """Synthetic responses and their options mapping."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(size=attempts)
    difficulty = rng.normal(size=pool)
    slope = rng.uniform(0.3, 2.0, size=pool)
    if pool == per_attempt:
        items = np.tile(np.arange(pool), (attempts, 1))
    else:
        items = np.argsort(rng.random((attempts, pool)), axis=1)[:, :per_attempt]
    chance = 1 / (1 + np.exp(-slope[items] * (ability[:, None] - difficulty[items])))
    answered = rng.random(items.shape) > 0.02
    correct = (rng.random(items.shape) < chance) & answered
    key = rng.integers(0, OPTIONS, size=pool)
    wrong = (key[items] + rng.integers(1, OPTIONS, size=items.shape)) % OPTIONS
    choice = np.where(correct, key[items], wrong).astype(object)
    choice[~answered] = None
    qids = np.array([f"bench-q-{i:03d}" for i in range(pool)], dtype=object)
    attempt = np.repeat(np.arange(1, attempts + 1), per_attempt)
    responses = pd.DataFrame(
        {
            "attempt_id": attempt,
            "user_id": (attempt - 1) // 4 + 1,
            "submitted_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(attempt, unit="min"),
            "position": np.tile(np.arange(1, per_attempt + 1), attempts),
            "qid": qids[items.ravel()],
            "points": correct.ravel().astype(float),
            "choice": choice.ravel(),
        }
    )
    options = {qids[i]: [(k, k == key[i]) for k in range(OPTIONS)] for i in range(pool)}
    return responses, options


def timed(fn: Callable[[], object], rounds: int) -> float:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return statistics.median(out)


def measure(run: Run) -> list[Row]:
    """The three analyses together against the groupby baseline, on both data sets."""
    attempts, rounds = run.size(20_000, 2_000), run.size(3, 1)
    rows = []
    for name, pool in (("fixed form", 30), ("pool of 150", 150)):
        responses, options = build(attempts, 30, pool, run.seed)

        def analysis(responses=responses, options=options) -> None:
            analytics.item_stats(responses, options)
            analytics.quiz_stats(responses)
            analytics.distractors(responses, options)

        base = sample(lambda r=responses: r.groupby("qid").points.mean(), rounds)
        rows.append(
            timing(
                f"item analysis in memory, {name} (item + quiz stats + distractors)",
                f"{len(responses):,} responses",
                sample(analysis, rounds),
                "groupby('qid').points.mean()",
                base,
                "< 2 s",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.attempts:,} attempts x 30 questions; median of {args.rounds} rounds")
    print(f"{'data':22} {'what':44} {'median ms':>10} {'x baseline':>10}")
    for name, pool in (("fixed form, 30 items", 30), ("pool of 150, 30 drawn", 150)):
        responses, options = build(args.attempts, 30, pool)

        def analysis(responses=responses, options=options) -> None:
            analytics.item_stats(responses, options)
            analytics.quiz_stats(responses)
            analytics.distractors(responses, options)

        rows = [
            (
                "groupby('qid').points.mean() (baseline)",
                lambda r=responses: r.groupby("qid").points.mean(),
            ),
            (
                "item_stats (with options)",
                lambda r=responses, o=options: analytics.item_stats(r, o),
            ),
            ("quiz_stats", lambda r=responses: analytics.quiz_stats(r)),
            ("distractors", lambda r=responses, o=options: analytics.distractors(r, o)),
            ("item_stats + quiz_stats + distractors", analysis),
            ("select_attempts(best)", lambda r=responses: analytics.select_attempts(r, "best")),
        ]
        base = None
        for what, fn in rows:
            median = timed(fn, args.rounds)
            base = base or median
            print(f"{name:22} {what:44} {median * 1000:10.1f} {median / base:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
