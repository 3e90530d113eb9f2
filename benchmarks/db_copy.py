"""Time ``resurface db copy`` of a database with 1,000,000 responses: SQLite to PostgreSQL and back.

Seeds a temp SQLite file the way benchmarks/item_analysis_db.py does (fixed seed): 34,014
submitted attempts x 30 questions (2% are left unanswered, so that many give 999,986
responses), their 1,020,420 attempt questions, 8,505 users, and 50,000 audit lines with JSON
details: 2,112,985 rows. Then times ``app.dbcopy.copy`` (the whole command: open
and migrate both, copy in one snapshot and one transaction, read the target back and compare
checksums) into a fresh PostgreSQL schema, and from there into a fresh SQLite file. Without
PostgreSQL it copies SQLite to SQLite. Prints a table (one run each) and rows/s per table in the
notes; asserts nothing.

    python benchmarks/db_copy.py [--quick] [--pg postgresql+psycopg://root@127.0.0.1:5432/test]
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from item_analysis_db import PER_ATTEMPT, START, database, seed  # sibling scripts
from measure import Row, Run, seconds, standalone
from sqlalchemy import insert

from app import config, dbcopy
from app.bank import load
from app.store import open_store
from app.store.tables import audit_log

ANSWERED = 0.98  # the seed leaves 2% of the questions unanswered (no response row)
ACTIONS = ("login.ok", "attempt.start", "attempt.submit", "user.create", "login.failed")


def seeded(url: str, responses: int, audit_lines: int, rng_seed: int) -> tuple[int, float]:
    """Fill the SQLite database at ``url``; the responses made and the seconds it took."""
    started = time.perf_counter()
    engine = open_store(url)
    n_attempts = -(-int(responses / ANSWERED) // PER_ATTEMPT)
    made = seed(engine, load([config.quizzes_dir()]), n_attempts, pool=60, rng_seed=rng_seed)
    rng = random.Random(rng_seed)
    lines = [
        {
            "at": START + timedelta(seconds=i),
            "actor_id": rng.choice((1, 2, None)),
            "action": rng.choice(ACTIONS),
            "target": f"t{rng.randrange(10_000):05}",
            "detail": {"client": f"10.0.{i % 256}.{i // 256 % 256}", "n": i, "ok": i % 3 == 0},
        }
        for i in range(audit_lines)
    ]
    with engine.begin() as conn:
        for at in range(0, len(lines), 10_000):
            conn.execute(insert(audit_log), lines[at : at + 10_000])
    engine.dispose()
    return made, time.perf_counter() - started


def _rss() -> int:
    """This process's resident memory now, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@contextmanager
def peak_rss() -> Iterator[Callable[[], tuple[int, int]]]:
    """Sample the resident memory every 50 ms inside the block: (before, peak) in bytes."""
    before = peak = _rss()
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.wait(0.05):
            peak = max(peak, _rss())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield lambda: (before, peak)
    finally:
        stop.set()
        watcher.join()


def _timed_copy(run: Run, what: str, source: str, target: str) -> tuple[dbcopy.CopyReport, float]:
    with peak_rss() as memory:
        started = time.perf_counter()
        report = dbcopy.copy(source, target)
        spent = time.perf_counter() - started
    report.check()
    before, peak = memory()
    run.note(_rates(what, report, spent))
    run.note(
        f"db copy {what}: resident memory {before / 2**20:.0f} MB before the copy, "
        f"peak {peak / 2**20:.0f} MB during it"
    )
    return report, spent


def _row(what: str, report: dbcopy.CopyReport, spent: float, responses: int) -> Row:
    return Row(
        what,
        f"{report.rows:,} rows ({responses:,} responses)",
        seconds(spent),
        "1 run",
        "of which reading back and comparing",
        seconds(report.verify_seconds),
    )


def _rates(direction: str, report: dbcopy.CopyReport, spent: float) -> str:
    tables = ", ".join(
        f"{t.name} {t.rows:,} at {t.rows / t.seconds:,.0f}/s"
        for t in sorted(report.tables, key=lambda t: -t.rows)
        if t.rows and t.seconds > 0
    )
    return (
        f"db copy {direction}: {report.rows:,} rows in {spent:.1f} s "
        f"({report.rows / spent:,.0f} rows/s end to end; copy {report.copy_seconds:.1f} s, "
        f"read back and compare {report.verify_seconds:.1f} s); per table while copying: {tables}"
    )


def measure(run: Run) -> list[Row]:
    """db copy of a 1,000,000-response SQLite database to PostgreSQL and back (or to SQLite)."""
    wanted, lines = run.size(1_000_000, 10_000), run.size(50_000, 1_000)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        source = f"sqlite:///{Path(tmp) / 'source.db'}"
        made, spent = seeded(source, wanted, lines, run.seed)
        run.note(f"db copy: {made:,} responses and {lines:,} audit lines seeded in {spent:.1f} s")
        back = f"sqlite:///{Path(tmp) / 'back.db'}"
        if not run.pg:
            run.note("db copy: PostgreSQL not reachable, so SQLite to SQLite only")
            report, spent = _timed_copy(run, "SQLite -> SQLite", source, back)
            return [_row("db copy SQLite -> SQLite (app.dbcopy.copy)", report, spent, made)]
        with database(run.pg) as pg:
            ways = (("SQLite -> PostgreSQL", source, pg), ("PostgreSQL -> SQLite", pg, back))
            for what, frm, to in ways:
                report, spent = _timed_copy(run, what, frm, to)
                rows.append(_row(f"db copy {what} (app.dbcopy.copy)", report, spent, made))
    return rows


if __name__ == "__main__":
    sys.exit(standalone(measure, __doc__, pg=True, seed=True))
