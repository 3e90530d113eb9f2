"""Time the validator on the shipped banks against a baseline measured in the same run.

Baseline: parsing the same YAML files with PyYAML's C loader and nothing else. The ratio says what
the positions, the schema, the rules and the source checks cost on top of plain parsing.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time

import yaml

from app import config
from app.bank import load

ROUNDS = 30


def timed(fn) -> list[float]:
    out = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main() -> int:
    quizzes = config.quizzes_dir()
    sources = config.sources_dir()
    files = sorted(quizzes.rglob("*.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]

    def baseline() -> None:
        for text in texts:
            yaml.load(text, Loader=yaml.CSafeLoader)

    def validate() -> None:
        load([quizzes], sources_dir=sources)

    cat = load([quizzes], sources_dir=sources)
    rows = [("yaml.CSafeLoader parse only (baseline)", timed(baseline))]
    rows.append(
        (
            "resurface validate (with --sources)" if sources else "resurface validate",
            timed(validate),
        )
    )
    base = statistics.median(rows[0][1])
    size = sum(map(len, texts))
    print(f"{len(files)} files, {size:,} bytes, {len(cat.entries)} questions; {ROUNDS} rounds")
    print(f"{'what':42} {'median ms':>10} {'p95 ms':>8} {'x baseline':>10}")
    for name, samples in rows:
        med = statistics.median(samples)
        p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
        print(f"{name:42} {med * 1000:10.1f} {p95 * 1000:8.1f} {med / base:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
