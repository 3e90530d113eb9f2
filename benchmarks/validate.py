"""Time the validator on the shipped banks against a baseline measured in the same run.

Baseline: parsing the same YAML files with PyYAML's C loader and nothing else. The ratio says what
the positions, the schema, the rules and the source checks cost on top of plain parsing.
Prints a table; asserts nothing.

    python benchmarks/validate.py [--quick]
"""

from __future__ import annotations

import sys

import yaml
from measure import Row, Run, sample, standalone, timing

from app import config
from app.bank import load


def measure(run: Run) -> list[Row]:
    rounds = run.size(30, 5)
    quizzes = config.quizzes_dir()
    sources = config.sources_dir()
    files = sorted(quizzes.rglob("*.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    cat = load([quizzes], sources_dir=sources)
    base = sample(lambda: [yaml.load(t, Loader=yaml.CSafeLoader) for t in texts], rounds)
    spent = sample(lambda: load([quizzes], sources_dir=sources), rounds)
    what = "resurface validate, shipped content" + (" (quotes checked)" if sources else "")
    return [
        timing(
            what,
            f"{len(cat.entries)} questions, {len(files)} files, {sum(map(len, texts)):,} bytes",
            spent,
            "bare yaml.load, CSafeLoader",
            base,
        )
    ]


def main() -> int:
    return standalone(measure, __doc__)


if __name__ == "__main__":
    sys.exit(main())
