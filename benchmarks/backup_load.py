"""``resurface db backup`` while trainees answer: how long the backup takes and what the trainees'
answer saves cost meanwhile, on each database.

Seeds a fresh database (a temp SQLite file, or a throwaway schema on ``--pg``) with 10,000
submitted attempts of 30 answers (``item_analysis_db.seed``: 300,000 responses), then TRAINEES
threads answer a practice quiz over and over through the core (``attempts.save_answer``, one
answer every GAP seconds, as people click), while ROUNDS backups are taken (``app.backup.backup``).
Rows: the backup's time, and the saves that overlapped a backup against those that did not.
Then the last backup is restored into a fresh database, which must hold every answer whose save
had returned before that backup began (said in the notes). Asserts no time.

    python benchmarks/backup_load.py [--pg URL] [--quick]   (default URL: the local test server)
"""

from __future__ import annotations

import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from item_analysis_db import BOSS, database, seed
from measure import PW, Row, Run, seconds, standalone, timing
from sqlalchemy import select, text

from app import accounts, attempts, backup, config
from app.bank import load
from app.store import open_store
from app.store.tables import responses

TRAINEES = 4
GAP = 0.02
ROUNDS = 3
QUIZ = "practice-ablative"

Saved = tuple[int, int, datetime, float, float]  # attempt, position, saved at, began, returned


def answer(
    engine, user, catalogue, stop: threading.Event, saved: list[Saved], errors: list
) -> None:
    quiz = catalogue.quizzes[QUIZ]
    try:
        while not stop.is_set():
            view = attempts.start(engine, user, quiz, catalogue)
            for q in view.questions:
                if stop.is_set():
                    return
                time.sleep(GAP)
                snap = q.presented.snapshot
                given = {"single": 0, "multiple": [0], "true_false": True}.get(
                    snap.type, [0] * len(snap.pairs)
                )
                began = time.perf_counter()
                at = attempts.save_answer(engine, user, view.id, q.presented.position, given)
                saved.append((view.id, q.presented.position, at, began, time.perf_counter()))
            attempts.submit(engine, user, view.id)
    except Exception as exc:  # what a trainee would have seen as an error: counted in the notes
        errors.append(f"{type(exc).__name__}: {exc}")


def run_on(url: str, pg: str | None, n_attempts: int, folder: Path) -> dict[str, object]:
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    seeded = seed(engine, catalogue, n_attempts, pool=60)
    if engine.dialect.name == "postgresql":  # the seed gave its rows ids: move the sequences on
        with engine.begin() as conn:
            for table in ("users", "attempts"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))"
                         f" FROM {table}")
                )  # fmt: skip
    users = [
        accounts.create_user(engine, BOSS, f"load{i}", PW, "trainee", "north")
        for i in range(TRAINEES)
    ]
    stop, saved, errors = threading.Event(), [], []
    threads = [
        threading.Thread(target=answer, args=(engine, u, catalogue, stop, saved, errors))
        for u in users
    ]
    for t in threads:
        t.start()
    windows, made = [], None
    try:
        for _ in range(ROUNDS):
            time.sleep(1.0)
            began = time.perf_counter()
            made = backup.backup(url, f"{folder}/", keep=1)
            windows.append((began, time.perf_counter()))
    finally:
        stop.set()
        for t in threads:
            t.join()
        engine.dispose()
    assert made is not None
    during = [s for s in saved if any(s[3] < end and s[4] > start for start, end in windows)]
    quiet = [s for s in saved if s not in during]
    last_began = windows[-1][0]
    before = {(a, p): at for a, p, at, _, returned in saved if returned < last_began}
    with database(pg) as target:
        backup.restore(target, made.path)
        problems = backup.check(target).problems
        restored_engine = open_store(target)
        with restored_engine.connect() as conn:
            rows = conn.execute(
                select(responses.c.attempt_id, responses.c.position, responses.c.answered_at)
            ).all()
        restored_engine.dispose()
    restored = {(a, p): at for a, p, at in rows}
    missing = sum(restored.get(k) != at for k, at in before.items())
    return {
        "seeded": seeded,
        "size": made.size,
        "backups": [end - start for start, end in windows],
        "during": [s[4] - s[3] for s in during],
        "quiet": [s[4] - s[3] for s in quiet],
        "saved": len(saved),
        "before": len(before),
        "missing": missing,
        "problems": problems,
        "errors": errors,
    }


def measure(run: Run) -> list[Row]:
    n_attempts = run.size(10_000, 200)
    rows = []
    for name, url in [("SQLite", None), *([("PostgreSQL", run.pg)] if run.pg else [])]:
        with database(url) as fresh, tempfile.TemporaryDirectory() as folder:
            found = run_on(fresh, url, n_attempts, Path(folder))
        size = f"{found['seeded']:,} responses, {found['size'] / 1e6:.1f} MB"
        rows.append(
            timing(f"db backup while {TRAINEES} trainees answer ({name})", size, found["backups"])  # type: ignore[arg-type]
        )
        rows.append(
            timing(
                f"save answer during a backup ({name})",
                f"{len(found['during'])} saves",  # type: ignore[arg-type]
                found["during"] or [0.0],  # type: ignore[arg-type]
                "saves between backups",
                found["quiet"],  # type: ignore[arg-type]
            )
        )
        backups = ", ".join(seconds(b) for b in found["backups"])  # type: ignore[attr-defined]
        run.note(
            f"backup ({name}): backups took {backups}; {found['saved']} answers saved in all; "
            f"restored the last backup: {found['before']} answers saved before it began, "
            f"{found['missing']} of them missing; check: {found['problems'] or 'sound'}; "
            f"errors in the trainees' threads: {found['errors'] or 'none'}"
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(standalone(measure, __doc__, pg=True))
