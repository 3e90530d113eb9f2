"""Time one saved answer, 1 thread alone and 20 threads at once, on SQLite and on PostgreSQL.

Each save is ``attempts.save_answer`` as the quiz page calls it: check the attempt is the
trainee's and open, read the question's snapshot, check the answer's shape, write it, in one
write transaction. One thread saves 200 answers alone; then 20 trainees save 50 answers each, all
at once (a barrier starts them together).

Baseline, measured in the same run on the same database and engine: a bare one-row UPDATE in its
own write transaction (``app.store.db.writing``), from 1 thread and from 20 threads the same way:
the price of a durable commit. Prints median and p95 per save; asserts nothing.

    python benchmarks/answer_save.py [--pg URL] [--quick]   (default URL: the local test server)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from item_analysis_db import database
from measure import PW, Row, Run, standalone, timing
from sqlalchemy import Column, Integer, MetaData, Table, update

from app import accounts, attempts, config
from app.bank import load
from app.bank.schema import Quiz
from app.store import open_store
from app.store.db import writing

THREADS = 20
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
SCRATCH = Table("bench_scratch", MetaData(), Column("id", Integer, primary_key=True))
SCRATCH.append_column(Column("n", Integer, nullable=False))


def answer(snapshot):
    return {"single": 0, "multiple": [0, 1], "true_false": True}.get(
        snapshot.type, list(range(len(snapshot.pairs)))
    )


def in_threads(jobs: list[Callable[[list[float]], None]]) -> list[float]:
    """Run each job in its own thread, all released together; their latencies, pooled."""
    out: list[float] = []
    barrier = threading.Barrier(len(jobs))

    def go(job: Callable[[list[float]], None]) -> None:
        barrier.wait()
        job(out)  # list.append is atomic under the GIL

    threads = [threading.Thread(target=go, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def run(url: str, per_thread: int, alone: int) -> dict[str, list[float]]:
    """Latencies in seconds: save and bare write, 1 thread and THREADS threads."""
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    boss = accounts.init_first_manager(engine, "boss", PW)
    users = [
        accounts.create_user(engine, boss, f"t{i:02}", PW, "trainee", "c")
        for i in range(THREADS + 1)
    ]
    views = [attempts.start(engine, u, QUIZ, catalogue) for u in users]
    SCRATCH.create(engine)
    with writing(engine) as conn:
        conn.execute(SCRATCH.insert(), [{"id": i, "n": 0} for i in range(THREADS)])

    def saves(i: int, count: int) -> Callable[[list[float]], None]:
        user, view = users[i], views[i]
        questions = [view.questions[k % len(view.questions)] for k in range(count)]

        def job(out: list[float]) -> None:
            for q in questions:
                started = time.perf_counter()
                attempts.save_answer(
                    engine, user, view.id, q.presented.position, answer(q.presented.snapshot)
                )
                out.append(time.perf_counter() - started)

        return job

    def bare(i: int, count: int) -> Callable[[list[float]], None]:
        def job(out: list[float]) -> None:
            for n in range(count):
                started = time.perf_counter()
                with writing(engine) as conn:
                    conn.execute(update(SCRATCH).where(SCRATCH.c.id == i).values(n=n))
                out.append(time.perf_counter() - started)

        return job

    found = {
        "bare 1": in_threads([bare(0, alone)]),
        "save 1": in_threads([saves(THREADS, alone)]),
        f"bare {THREADS}": in_threads([bare(i, per_thread) for i in range(THREADS)]),
        f"save {THREADS}": in_threads([saves(i, per_thread) for i in range(THREADS)]),
    }
    saved = sum(
        s.answer is not None for u, v in zip(users, views, strict=True)
        for s in attempts.get(engine, u, v.id).questions
    )  # fmt: skip
    engine.dispose()
    expected = min(alone, 50) + THREADS * min(per_thread, 50)
    if saved != expected:  # a benchmark of lost saves would be meaningless
        raise SystemExit(f"answer save: {saved} answers in the database, {expected} expected")
    return found


def measure(run_: Run) -> list[Row]:
    per_thread, alone = run_.size(50, 10), run_.size(200, 20)
    backends = [("SQLite", None)]
    if run_.pg:
        backends.append(("PostgreSQL", run_.pg))
    else:
        run_.note("answer save: PostgreSQL not reachable, its rows are skipped")
    rows = []
    for name, url in backends:
        with database(url) as db:
            found = run(db, per_thread, alone)
        for threads, size in ((1, f"{alone} saves"), (THREADS, f"{THREADS} x {per_thread} saves")):
            rows.append(
                timing(
                    f"save answer, {name}, {threads} thread{'s' if threads > 1 else ''}",
                    size,
                    found[f"save {threads}"],
                    f"bare one-row UPDATE + commit, {threads} thread{'s' if threads > 1 else ''}",
                    found[f"bare {threads}"],
                )
            )
    return rows


def main() -> int:
    return standalone(measure, __doc__, pg=True)


if __name__ == "__main__":
    raise SystemExit(main())
