"""Time the item analysis of one quiz read from the database against baselines from the same run.

Seeds a fresh database (a temp SQLite file, or a throwaway schema on ``--url``) with 5,000
trainees who each submitted 4 attempts at one quiz: 20,000 attempts x 30 questions drawn from a
pool of single-choice and true/false questions of the shipped banks, answered after a
two-parameter logistic model with 2% left unanswered (no response row): 600,000 questions.
Baselines: the bare responses table fetched with the driver's cursor, and read with pandas.
Prints a table (median of 3 rounds); asserts nothing.

    python benchmarks/item_analysis_db.py [--url postgresql+psycopg://root@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from item_analysis import timed  # the sibling script: benchmarks/ is on sys.path
from measure import Row, Run, sample, timing
from sqlalchemy import Engine, create_engine, insert, text

from app import config, reports
from app.accounts import User, hasher, new_user
from app.bank import Catalogue, load
from app.bank.schema import SingleQuestion, TrueFalseQuestion
from app.engine.snapshot import snapshot_of
from app.store import attempts as attempt_store
from app.store import open_store
from app.store.tables import attempt_questions, attempts, responses, users

QUIZ = "certification-exam"
PER_ATTEMPT = 30
PER_TRAINEE = 4
BOSS = User(1, "boss", "boss", "manager", None, True)
START = datetime(2026, 1, 1, tzinfo=UTC)
TABLES = ("users", "snapshots", "attempts", "attempt_questions", "responses")


def _choice_qids(catalogue: Catalogue) -> list[str]:
    return sorted(
        qid
        for qid, entry in catalogue.entries.items()
        if isinstance(entry.question, SingleQuestion | TrueFalseQuestion)
    )


def seed(
    engine: Engine, catalogue: Catalogue, n_attempts: int, pool: int, rng_seed: int = 42
) -> int:
    """Fill an empty store with one manager, the trainees and their submitted attempts.

    Returns the number of responses (answered questions).
    """
    rng = np.random.default_rng(rng_seed)
    qids = [str(qid) for qid in rng.choice(_choice_qids(catalogue), size=pool, replace=False)]
    entries = [catalogue.entries[qid] for qid in qids]
    snaps = [snapshot_of(e) for e in entries]
    hashes = [s.content_hash() for s in snaps]
    n_options = np.array([len(s.options) or 2 for s in snaps])
    # The key as the answer stores it: an option index, or True / False (index 0 / 1 here).
    key = np.array(
        [
            next(i for i, o in enumerate(s.options) if o.correct)
            if s.options
            else int(not s.answer)
            for s in snaps
        ]
    )
    is_single = np.array([s.type == "single" for s in snaps])

    trainees = -(-n_attempts // PER_TRAINEE)
    ability = rng.normal(size=n_attempts)
    difficulty = rng.normal(size=pool)
    slope = rng.uniform(0.3, 2.0, size=pool)
    items = np.argsort(rng.random((n_attempts, pool)), axis=1)[:, :PER_ATTEMPT]
    chance = 1 / (1 + np.exp(-slope[items] * (ability[:, None] - difficulty[items])))
    answered = rng.random(items.shape) > 0.02
    correct = (rng.random(items.shape) < chance) & answered
    shift = rng.integers(1, 1 << 30, size=items.shape) % (n_options[items] - 1) + 1
    picked = np.where(correct, key[items], (key[items] + shift) % n_options[items])

    now = START
    password_hash = hasher.hash("benchmark password")
    people = [("boss", "manager", None)]
    people += [(f"t{i:05}", "trainee", "north") for i in range(trainees)]
    user_rows = [
        {"id": i, **new_user(name, name, role, cohort, password_hash, now, False)}
        for i, (name, role, cohort) in enumerate(people, start=1)
    ]
    quiz = catalogue.quizzes[QUIZ].model_dump(mode="json")
    totals = correct.sum(axis=1)
    attempt_rows = []
    for a in range(n_attempts):
        submitted = START + timedelta(minutes=a + 1)
        attempt_rows.append(
            {
                "id": a + 1,
                "user_id": 2 + a % trainees,
                "quiz_id": QUIZ,
                "quiz": quiz,
                "seed": a,
                "status": "submitted",
                "started_at": submitted - timedelta(minutes=30),
                "deadline": submitted + timedelta(minutes=15),
                "submitted_at": submitted,
                "closed_by": "user",
                "points": float(totals[a]),
                "max_points": PER_ATTEMPT,
                "score_percent": float(100 * totals[a] / PER_ATTEMPT),
                "passed": bool(100 * totals[a] / PER_ATTEMPT >= 80),
                "by_topic": {},
            }
        )
    orders = [list(range(len(s.options))) for s in snaps]
    question_rows = []
    response_rows = []
    for a in range(n_attempts):
        answered_at = START + timedelta(minutes=a + 1)
        for p in range(PER_ATTEMPT):
            i = items[a, p]
            question_rows.append(
                {
                    "attempt_id": a + 1,
                    "position": p + 1,
                    "qid": qids[i],
                    "snapshot_hash": hashes[i],
                    "option_order": orders[i],
                    "left_order": [],
                    "right_order": [],
                    "flagged": False,
                }
            )
            if answered[a, p]:
                choice = picked[a, p]
                response_rows.append(
                    {
                        "attempt_id": a + 1,
                        "position": p + 1,
                        "answer": int(choice) if is_single[i] else not choice,
                        "answered_at": answered_at,
                        "points": float(correct[a, p]),
                    }
                )
    with engine.begin() as conn:
        attempt_store.add_snapshots(
            conn, [(h, s.qid, s.to_dict()) for h, s in zip(hashes, snaps, strict=True)], now
        )
        conn.execute(insert(users), user_rows)
        conn.execute(insert(attempts), attempt_rows)
        conn.execute(insert(attempt_questions), question_rows)
        conn.execute(insert(responses), response_rows)
    return len(response_rows)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database URL: a temp SQLite file, or a throwaway schema on ``url``."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in url else "?"
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seeded_file(folder: Path, n_attempts: int, rng_seed: int) -> tuple[str, float]:
    """A SQLite file in ``folder`` filled by ``seed`` (a pool of 60 questions of the shipped
    banks); its URL and the seconds the seeding took."""
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = open_store(url)
    started = time.perf_counter()
    seed(engine, load([config.quizzes_dir()]), n_attempts, pool=60, rng_seed=rng_seed)
    spent = time.perf_counter() - started
    engine.dispose()
    return url, spent


def measure(run: Run) -> list[Row]:
    """reports.item_analysis of all attempts against a bare cursor fetch, per database."""
    n_attempts, rounds = run.size(20_000, 2_000), run.size(3, 1)
    catalogue = load([config.quizzes_dir()])
    backends = [("SQLite", None)]
    if run.pg:
        backends.append(("PostgreSQL", run.pg))
    else:
        run.note("item analysis: PostgreSQL not reachable, its row is skipped")
    rows = []
    for name, url in backends:
        with database(url) as db:
            engine = open_store(db)
            started = time.perf_counter()
            answered = seed(engine, catalogue, n_attempts, 60, run.seed)
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(TABLES)}")
            run.note(
                f"item analysis, {name}: {n_attempts:,} attempts x {PER_ATTEMPT} questions "
                f"({answered:,} answered) seeded in {time.perf_counter() - started:.1f} s"
            )

            def fetch(engine=engine) -> None:
                with engine.connect() as conn:
                    cur = conn.connection.driver_connection.cursor()
                    cur.execute("SELECT attempt_id, position, points FROM responses")
                    cur.fetchall()
                    cur.close()

            base = sample(fetch, rounds)
            spent = sample(lambda engine=engine: _analysis(engine, catalogue, "all"), rounds)
            engine.dispose()
        rows.append(
            timing(
                f"item analysis from {name}, all attempts (reports.item_analysis)",
                f"{n_attempts * PER_ATTEMPT:,} questions ({answered:,} answered)",
                spent,
                "cursor fetchall of 3 response columns",
                base,
                "< 2 s",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: a temp SQLite file)")
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--pool", type=int, default=60, help="questions to draw 30 from")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    catalogue = load([config.quizzes_dir()])
    print(
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, pandas {pd.__version__}, numpy {np.__version__}"
    )
    with database(args.url) as url:
        engine = open_store(url)
        backend = engine.dialect.name
        if backend == "postgresql":
            with engine.connect() as conn:
                print(conn.exec_driver_sql("SELECT version()").scalar_one().split(",")[0])
        started = time.perf_counter()
        answered = seed(engine, catalogue, args.attempts, args.pool)
        if backend == "postgresql":  # fresh statistics, as autovacuum would give them soon
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(TABLES)}")
        seeding = time.perf_counter() - started
        print(
            f"{backend}: {args.attempts:,} attempts x {PER_ATTEMPT} questions of a pool of "
            f"{args.pool} ({answered:,} responses) seeded in {seeding:.1f} s; "
            f"median of {args.rounds} rounds"
        )

        def cursor_fetchall() -> None:
            with engine.connect() as conn:
                cur = conn.connection.driver_connection.cursor()
                cur.execute("SELECT attempt_id, position, points FROM responses")
                cur.fetchall()
                cur.close()

        def read_sql() -> None:
            with engine.connect() as conn:
                pd.read_sql(
                    text("SELECT attempt_id, position, answer, points FROM responses"), conn
                )

        rows = [
            ("cursor fetchall of 3 response columns (baseline)", cursor_fetchall),
            ("pd.read_sql of 4 response columns", read_sql),
            ("reports.quiz_responses (the read)", lambda: _responses(engine)),
            ("reports.item_analysis, first attempts", lambda: _analysis(engine, catalogue)),
            ("reports.item_analysis, all attempts", lambda: _analysis(engine, catalogue, "all")),
        ]
        print(f"{'what':52} {'median ms':>10} {'x baseline':>10}")
        base = None
        for what, fn in rows:
            median = timed(fn, args.rounds)
            base = base or median
            print(f"{what:52} {median * 1000:10.1f} {median / base:10.1f}")
        engine.dispose()
    return 0


def _responses(engine: Engine) -> None:
    frame = reports.quiz_responses(engine, BOSS, QUIZ)
    if frame["choice"].isna().all():  # a read that lost the answers would be timed for nothing
        raise SystemExit("no choices read back")


def _analysis(engine: Engine, catalogue: Catalogue, which: str = "first") -> None:
    result = reports.item_analysis(engine, BOSS, QUIZ, catalogue, which=which)
    if result.distractors.empty:
        raise SystemExit("no distractors: the answers did not match the questions' options")


if __name__ == "__main__":
    sys.exit(main())
