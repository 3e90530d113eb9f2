"""Time the ``responses`` CSV export of 1,000,000 question rows against a bare DataFrame.to_csv.

Seeds a fresh database (a temp SQLite file, or a throwaway schema on ``--url``) the way
benchmarks/item_analysis_db.py does: 33,334 submitted attempts x 30 questions (1,000,020 rows,
2% unanswered). Then times, median of ``--rounds``:

- the baseline: ``DataFrame.to_csv`` of the same rows and columns, already in memory as plain
  columns (read back from the export, outside the timing), to an in-memory buffer;
- ``app.exports.write(..., "responses", ...)``: the whole export as a manager gets it (read
  from the database in chunks, answers in words, Excel-safe cells, CSV with BOM, the audit line).

Prints a table; asserts nothing. Target: the export within 2x the baseline.

    python benchmarks/export_responses.py [--url postgresql+psycopg://root@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sqlite3
import sys
import time

import numpy as np
import pandas as pd
from item_analysis import timed  # sibling scripts: benchmarks/ is on sys.path
from item_analysis_db import BOSS, PER_ATTEMPT, TABLES, database, seed
from measure import Row, Run, sample, timing

from app import config, exports
from app.bank import load
from app.store import open_store


def measure(run: Run) -> list[Row]:
    """The responses export of 1,000,000 rows from SQLite against a bare DataFrame.to_csv."""
    wanted, rounds = run.size(1_000_000, 30_000), run.size(3, 1)
    catalogue = load([config.quizzes_dir()])
    n_attempts = -(-wanted // PER_ATTEMPT)
    with database(None) as url:
        engine = open_store(url)
        started = time.perf_counter()
        seed(engine, catalogue, n_attempts, pool=60, rng_seed=run.seed)
        run.note(
            f"export: {n_attempts:,} attempts x {PER_ATTEMPT} questions seeded in SQLite in "
            f"{time.perf_counter() - started:.1f} s (PostgreSQL: "
            "python benchmarks/export_responses.py --url URL)"
        )
        out = io.BytesIO()
        rows = exports.write(engine, BOSS, "responses", out)
        size = out.tell()
        # The baseline's frame: the same rows and columns, as plain columns in memory.
        frame = pd.read_csv(io.BytesIO(out.getvalue()), encoding="utf-8-sig", keep_default_na=False)
        out = io.BytesIO()
        base = sample(lambda: frame.to_csv(io.StringIO(), index=False), rounds)
        frame = frame.iloc[:0]  # free the memory before the timed export
        spent = sample(lambda: exports.write(engine, BOSS, "responses", io.BytesIO()), rounds)
        engine.dispose()
    return [
        timing(
            "export responses CSV from SQLite (exports.write)",
            f"{rows:,} rows, {size / 1e6:.0f} MB",
            spent,
            "bare DataFrame.to_csv of the same rows",
            base,
            "<= 2x",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: a temp SQLite file)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="question rows (about)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalogue = load([config.quizzes_dir()])
    n_attempts = -(-args.rows // PER_ATTEMPT)
    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    with database(args.url) as url:
        engine = open_store(url)
        backend = engine.dialect.name
        started = time.perf_counter()
        seed(engine, catalogue, n_attempts, pool=60)
        if backend == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(TABLES)}")
        print(
            f"{backend}: {n_attempts:,} attempts x {PER_ATTEMPT} questions seeded in "
            f"{time.perf_counter() - started:.1f} s; median of {args.rounds} rounds"
        )
        sizes = []

        def export() -> None:
            out = io.BytesIO()
            rows = exports.write(engine, BOSS, "responses", out)
            sizes.append((rows, out.tell()))

        export()  # once untimed: the rows and bytes, and the frame for the baseline
        rows, size = sizes[-1]
        out = io.BytesIO()
        exports.write(engine, BOSS, "responses", out)
        frame = pd.read_csv(io.BytesIO(out.getvalue()), encoding="utf-8-sig", keep_default_na=False)
        del out

        def bare() -> None:
            frame.to_csv(io.StringIO(), index=False)

        print(f"{rows:,} rows, {size / 1e6:.1f} MB of CSV, {len(frame.columns)} columns")
        print(f"{'what':58} {'median s':>9} {'x baseline':>10}")
        base = timed(bare, args.rounds)
        print(f"{'bare DataFrame.to_csv of the same rows (baseline)':58} {base:9.2f} {1:10.2f}")
        spent = timed(export, args.rounds)
        print(
            f"{'exports.write responses, from the database (target <= 2x)':58} {spent:9.2f} "
            f"{spent / base:10.2f}"
        )
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
