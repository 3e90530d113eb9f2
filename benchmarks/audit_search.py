"""Time the Audit log page's searches over 1,000,000 lines against a bare read of the newest page.

Seeds a fresh database (a temp SQLite file, and a throwaway schema on PostgreSQL when reachable)
with 1,000,000 audit lines over a year from 2,500 users and the console, in the proportions a
real log has: mostly sign-ins, some exports and comments, few account changes. Each search is
what the page runs for one view: ``auditlog.search`` (how many match, then the first 100,
newest first), for no filter, a common action, a rare action, one user, and text in the details;
and the list of actions the filter offers. Baseline: the newest 100 lines read with the driver's
cursor, no filter and no count. Median of 20 (5 for the text search, which reads every line).
Prints a table; asserts nothing.

    python benchmarks/audit_search.py [--quick] [--pg URL]
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from item_analysis_db import database  # the sibling script: benchmarks/ is on sys.path
from measure import PW, Row, Run, standalone, timing
from sqlalchemy import insert

from app import accounts, auditlog
from app.accounts import new_user
from app.store import audit as store
from app.store import open_store
from app.store.tables import audit_log
from app.store.tables import users as user_table

START = datetime(2025, 11, 1, tzinfo=UTC)
# action -> share of the lines
MIX = {
    "login.ok": 0.62,
    "login.failed": 0.08,
    "logout": 0.20,
    "comment.add": 0.05,
    "export": 0.03,
    "user.create": 0.015,
    "user.edit": 0.004,
    "user.password": 0.001,
}
CHUNK = 50_000


def seed(engine, lines: int, users: int, rng: random.Random) -> accounts.User:
    boss = accounts.init_first_manager(engine, "boss", PW)
    with engine.begin() as conn:
        first = boss.id + 1
        conn.execute(
            insert(user_table),
            [
                {
                    "id": first + i,
                    **new_user(f"u{i:05}", f"User {i}", "trainee", "north", "x", START, False),
                }
                for i in range(users)
            ],
        )
    actions, weights = list(MIX), list(MIX.values())
    span = 365 * 24 * 3600
    with engine.begin() as conn:
        for done in range(0, lines, CHUNK):
            batch = []
            for i in range(done, min(done + CHUNK, lines)):
                action = rng.choices(actions, weights)[0]
                batch.append(
                    {
                        "at": START + timedelta(seconds=span * i / lines),
                        "actor_id": None if rng.random() < 0.01 else first + rng.randrange(users),
                        "action": action,
                        "target": f"u{rng.randrange(users):05}",
                        "detail": {"ip": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}"},
                    }
                )
            conn.execute(insert(audit_log), batch)
    return boss


def searches() -> dict[str, tuple[auditlog.AuditFilters | None, int]]:
    """name -> (filters, rounds); None: the list of actions the filter offers."""
    F = auditlog.AuditFilters
    return {
        "no filter": (F(), 20),
        "a common action (login.ok, 62%)": (F(actions=("login.ok",)), 20),
        "a rare action (user.password, 0.1%)": (F(actions=("user.password",)), 20),
        "one user's lines": (F(user="u00042"), 20),
        "text in the details": (F(text="10.0.42.42"), 5),
        "the actions offered by the filter": (None, 20),
    }


def newest_page(engine) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT id, at, actor_id, action, target, detail FROM audit_log "
            "ORDER BY at DESC, id DESC LIMIT 100"
        ).fetchall()


def measure(run: Run) -> list[Row]:
    lines, users = run.size(1_000_000, 20_000), run.size(2_500, 250)
    backends = [("SQLite", None)] + ([("PostgreSQL", run.pg)] if run.pg else [])
    rows = []
    for name, url in backends:
        with database(url) as db:
            engine = open_store(db)
            started = time.perf_counter()
            boss = seed(engine, lines, users, random.Random(run.seed))
            run.note(
                f"audit: {lines:,} lines seeded on {name} in {time.perf_counter() - started:.0f} s"
            )
            base = []
            for _ in range(21):
                t = time.perf_counter()
                newest_page(engine)
                base.append(time.perf_counter() - t)
            base = base[1:]
            for what, (filters, rounds) in searches().items():
                samples = []
                for _ in range(rounds + 1):  # the first, untimed, warms the cache
                    t = time.perf_counter()
                    if filters is None:
                        with engine.connect() as conn:
                            store.actions(conn)
                    else:
                        found = auditlog.search(engine, boss, filters)
                    samples.append(time.perf_counter() - t)
                if filters is not None and not found.lines and what != "text in the details":
                    raise SystemExit(f"audit: {what} found nothing")
                rows.append(
                    timing(
                        f"audit log page on {name}: {what}",
                        f"{lines:,} lines; count + first 100"
                        if filters is not None
                        else f"{lines:,} lines; distinct actions",
                        samples[1:],
                        "newest 100 lines, bare cursor",
                        base,
                        "",
                    )
                )
            engine.dispose()
    return rows


def main() -> int:
    return standalone(measure, __doc__, quick="20,000 lines", pg=True)


if __name__ == "__main__":
    raise SystemExit(main())
