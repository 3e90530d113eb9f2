"""Time one saved answer under load: 20 threads x 50 answers, on SQLite and on PostgreSQL.

Baseline, measured in the same run on the same database: one thread saving the same 50 answers
alone. Prints median and p95 per save and the ratio to the baseline; asserts nothing.

    python benchmarks/answer_save.py [--pg URL]   (default URL: the local test server)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from app import accounts, attempts, config
from app.bank import load
from app.bank.schema import Quiz
from app.store import open_store

THREADS, ANSWERS = 20, 50
PW = "benchmark password"
PER_TOPIC = {"ablative": 8, "contraindications": 8, "aftercare": 8, "certification": 8}
PER_TOPIC |= {"side-effects": 5, "recovery": 5, "planning": 4, "collagen": 4}
QUIZ = Quiz.model_validate(
    {
        "id": "bench",
        "title": "Bench",
        "description": "50 questions",
        "mode": "exam",
        "pass_mark": 50,
        "draw": [{"topic": t, "count": n} for t, n in PER_TOPIC.items()],
    }
)


def answer(snapshot):
    return {"single": 0, "multiple": [0], "true_false": True}.get(
        snapshot.type, [0] * len(snapshot.pairs)
    )


def run(url: str) -> tuple[list[float], list[float]]:
    """(baseline latencies, latencies under load) in seconds."""
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    boss = accounts.init_first_manager(engine, "boss", PW)
    users = [
        accounts.create_user(engine, boss, f"t{i:02}", PW, "trainee", "c")
        for i in range(THREADS + 1)
    ]
    views = [attempts.start(engine, u, QUIZ, catalogue) for u in users]

    def save_all(user, view, out: list[float], barrier: threading.Barrier | None = None) -> None:
        if barrier:
            barrier.wait()
        for q in view.questions:
            started = time.perf_counter()
            attempts.save_answer(
                engine, user, view.id, q.presented.position, answer(q.presented.snapshot)
            )
            out.append(time.perf_counter() - started)

    baseline: list[float] = []
    save_all(users[-1], views[-1], baseline)
    loaded: list[float] = []
    barrier = threading.Barrier(THREADS)
    threads = [
        threading.Thread(target=save_all, args=(users[i], views[i], loaded, barrier))
        for i in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert len(loaded) == THREADS * ANSWERS  # a benchmark of lost saves would be meaningless
    return baseline, loaded


def row(name: str, samples: list[float], base: float) -> str:
    med = statistics.median(samples)
    p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
    return f"{name:44} {len(samples):6} {med * 1000:10.2f} {p95 * 1000:8.2f} {med / base:10.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgresql+psycopg://root@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(f"{'what':44} {'saves':>6} {'median ms':>10} {'p95 ms':>8} {'x baseline':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        base, loaded = run(f"sqlite:///{Path(tmp) / 'bench.db'}")
        b = statistics.median(base)
        print(row("SQLite: 1 thread alone (baseline)", base, b))
        print(row(f"SQLite: {THREADS} threads x {ANSWERS} answers", loaded, b))
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in args.pg else "?"
        base, loaded = run(f"{args.pg}{sep}options=-csearch_path%3D{schema}")
        b = statistics.median(base)
        print(row("PostgreSQL: 1 thread alone (baseline)", base, b))
        print(row(f"PostgreSQL: {THREADS} threads x {ANSWERS} answers", loaded, b))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
