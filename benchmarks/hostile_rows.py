"""The hostile-YAML timings of benchmarks/hostile_yaml.py as rows of the one table.

Every case is written to a file and refused by ``app.bank.yamlpos.load_file``; the row is the
slowest refusal, against the C loader parsing the largest shipped bank; every case is in a note.
A case that is not refused is named in the row.

    python benchmarks/hostile_rows.py [--quick]   (python benchmarks/hostile_yaml.py: its own table)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hostile_yaml import CASES, refuse
from measure import Row, Run, sample, seconds, standalone, stats, timing

from app import config


def measure(run: Run) -> list[Row]:
    rounds = run.size(5, 1)
    banks = sorted((config.quizzes_dir() / "banks").glob("*.yaml"), key=lambda p: p.stat().st_size)
    text = banks[-1].read_text(encoding="utf-8")
    base = sample(lambda: yaml.load(text, Loader=yaml.CSafeLoader), rounds)
    timed: dict[str, list[float]] = {}
    refused: dict[str, bool] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.yaml"
        for name, write in CASES.items():
            write(path)
            refused[name] = refuse(path) != "NOT REFUSED"
            timed[name] = sample(lambda: refuse(path), rounds)
            path.unlink()
    worst = max(timed, key=lambda n: stats(timed[n])[0])
    run.note(
        "hostile YAML, median time to refuse: "
        + "; ".join(f"{n} {seconds(stats(t)[0])}" for n, t in timed.items())
    )
    missed = [n for n, ok in refused.items() if not ok]
    what = f"refuse hostile YAML: slowest of {len(CASES)} cases ({worst})"
    if missed:
        what += f"; NOT REFUSED: {', '.join(missed)}"
    return [
        timing(
            what,
            f"{len(CASES)} files",
            timed[worst],
            f"bare yaml.load, CSafeLoader, of {banks[-1].name} ({len(text):,} bytes)",
            base,
        )
    ]


def main() -> int:
    return standalone(measure, __doc__)


if __name__ == "__main__":
    raise SystemExit(main())
