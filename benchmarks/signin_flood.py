"""Answer saves while three clients hammer the sign-in with wrong passwords, on each database.

A trainee saves answers, one every 50 ms (``attempts.save_answer``, as the quiz page does), while
three threads, each from its own address, sign in over and over (``accounts.authenticate``, at
the production argon2 costs) with a username that exists and a wrong password, and with one that
does not. The throttle (app.throttle) soon turns most of them away without a password check.
Baseline, measured in the same run on the same database: the same saves with nobody signing in.
Prints the saves' median and p95, how many failed, and how many sign-ins the flood made; asserts
nothing.

    python benchmarks/signin_flood.py [--pg URL] [--quick]   (default URL: the local test server)
"""

from __future__ import annotations

import threading
import time

from item_analysis_db import database
from measure import PW, Row, Run, standalone, timing

from app import accounts, attempts, config
from app.accounts import AccountError
from app.bank import load
from app.store import open_store

CLIENTS = 3
GAP = 0.05  # between saves: a trainee's clicks come one at a time, the flood never stops


def flood(engine, stop: threading.Event, done: list[tuple[int, int]], index: int) -> None:
    """Sign in with wrong passwords until told to stop; a known and an unknown name in turn.

    Appends (sign-ins, how many of them raised something other than a refusal).
    """
    names = (f"victim{index}", f"nobody{index}")
    address = f"203.0.113.{index + 1}"  # each client its own address
    n = errors = 0
    while not stop.is_set():
        try:
            accounts.authenticate(engine, names[n % 2], "not the password at all", client=address)
        except AccountError:
            pass  # the refusal expected: a wrong password, or "wait" (app.throttle)
        except Exception:  # "database is locked", as sign-in used to hold the write lock
            errors += 1
        n += 1
    done.append((n, errors))


def saves(engine, user, view, count: int) -> tuple[list[float], int]:
    """Latencies of ``count`` answer saves, one every GAP seconds, and how many raised."""
    out, failed = [], 0
    questions = [q for q in view.questions if q.presented.snapshot.type == "single"]
    for k in range(count):
        time.sleep(GAP)
        q = questions[k % len(questions)]
        started = time.perf_counter()
        try:
            attempts.save_answer(engine, user, view.id, q.presented.position, k % 2)
        except Exception:  # what a trainee would have seen as an error instead of "saved"
            failed += 1
        out.append(time.perf_counter() - started)
    return out, failed


def run_on(url: str, count: int) -> dict[str, object]:
    engine = open_store(url)
    catalogue = load([config.quizzes_dir()])
    boss = accounts.init_first_manager(engine, "boss", PW)
    ann = accounts.create_user(engine, boss, "ann", PW, "trainee", "north")
    for i in range(CLIENTS):
        accounts.create_user(engine, boss, f"victim{i}", PW, "trainee", "north")
    view = attempts.start(engine, ann, catalogue.quizzes["certification-exam"], catalogue)
    quiet, quiet_failed = saves(engine, ann, view, count)
    stop, done = threading.Event(), []
    threads = [threading.Thread(target=flood, args=(engine, stop, done, i)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the flood is under way before the first save
    started = time.perf_counter()
    loaded, loaded_failed = saves(engine, ann, view, count)
    spent = time.perf_counter() - started
    stop.set()
    for t in threads:
        t.join()
    engine.dispose()
    return {
        "quiet": quiet,
        "quiet_failed": quiet_failed,
        "loaded": loaded,
        "loaded_failed": loaded_failed,
        "signins": sum(n for n, _ in done),
        "errors": sum(e for _, e in done),
        "spent": spent,
    }


def measure(run: Run) -> list[Row]:
    count = run.size(200, 30)
    rows = []
    for name, url in [("SQLite", None), *([("PostgreSQL", run.pg)] if run.pg else [])]:
        with database(url) as fresh:
            found = run_on(fresh, count)
        rows.append(
            timing(
                f"save answer while {CLIENTS} clients fail sign-ins ({name})",
                f"{count} saves, {found['loaded_failed']} failed",
                found["loaded"],
                "the same saves, no sign-ins",
                found["quiet"],
                target="p95 close to the baseline; none failed",
            )
        )
        run.note(
            f"signin ({name}): the flood made {found['signins']} sign-ins "
            f"({found['errors']} of them failed with an error) while the {count} "
            f"saves took {found['spent']:.1f} s; {found['quiet_failed']} quiet saves failed"
        )
    return rows


if __name__ == "__main__":
    raise SystemExit(standalone(measure, __doc__, pg=True))
