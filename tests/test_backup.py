"""Backups that restore: `db backup` while trainees answer, `db check`, `db restore`, on SQLite and
PostgreSQL; damaged backups refused, the live database untouched; a plain file copy loses rows."""

from __future__ import annotations

import re
import shutil
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from app import accounts, attempts, backup, comments, config
from app.bank import load
from app.store import make_engine, open_store
from app.store.migrate import current, head, upgrade
from app.store.tables import metadata, responses
from conftest import PW, finish, throwaway_database


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@contextmanager
def another(db_url: str, tmp_path: Path, name: str = "other") -> Iterator[str]:
    """A second empty database of the same kind as ``db_url``."""
    folder = tmp_path / name
    folder.mkdir()
    with throwaway_database(backend(db_url), folder) as url:
        yield url


def everything(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the schema revision), in primary key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = {
                t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key))]
                for t in metadata.sorted_tables
            }
            found["alembic_version"] = [
                tuple(r) for r in conn.execute(text("SELECT version_num FROM alembic_version"))
            ]
    finally:
        engine.dispose()
    return found


def first_option(snapshot):
    """A valid answer for any question type."""
    return {"single": 0, "multiple": [0], "true_false": True}.get(
        snapshot.type, [0] * len(snapshot.pairs)
    )


@pytest.fixture
def filled(fresh_db, people, catalogue):
    """The people with submitted attempts, an open one and a comment."""
    exam = "certification-exam"
    done = finish(fresh_db, people["ann"], catalogue, exam, right=20)
    finish(fresh_db, people["cat"], catalogue, "quick-check")
    attempts.start(fresh_db, people["bob"], catalogue.quizzes["practice-ablative"], catalogue)
    comments.add(fresh_db, people["tina"], done, "Revise the sun questions.")
    return people


def test_backup_then_restore_into_a_fresh_database_gives_every_row(
    db_url, fresh_db, filled, tmp_path
):
    before = everything(db_url)
    made = backup.backup(db_url, tmp_path / "copy")
    assert made.path == tmp_path / "copy"
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
    assert made.facts.revision == head()
    assert made.facts.counts["users"] == len(filled)
    assert made.facts.counts["responses"] == len(before["responses"])
    with another(db_url, tmp_path) as target:
        done = backup.restore(target, made.path)
        after = everything(target)
        assert done.upgraded_from is None
        assert backup.check(target).problems == []
    assert set(after) == set(before)
    for table, rows in before.items():
        if table == "audit_log":
            assert after[table][:-1] == rows
            assert after[table][-1][3] == "db.restore"  # action: the restore is on record
        else:
            assert after[table] == rows, table
    assert before["responses"]
    assert before["comments"]
    with fresh_db.connect() as conn:  # the backup is on record in the database it copied
        logged = conn.execute(text("SELECT target FROM audit_log WHERE action = 'db.backup'"))
        assert logged.scalars().all() == [str(made.path)]


def test_a_backup_taken_while_trainees_answer_holds_every_answer_saved_before_it(
    db_url, fresh_db, people, catalogue, tmp_path
):
    quiz = catalogue.quizzes["practice-ablative"]
    trainees = [
        accounts.create_user(fresh_db, people["boss"], f"load{i}", PW, "trainee", "north")
        for i in range(4)
    ]
    saved: list[tuple[int, int, datetime, float]] = []  # attempt, position, saved at, returned
    errors: list[Exception] = []
    stop = threading.Event()
    warm = threading.Semaphore(0)

    def answer(user):
        try:
            while not stop.is_set():
                view = attempts.start(fresh_db, user, quiz, catalogue)
                for q in view.questions:
                    if stop.is_set():
                        return
                    pos = q.presented.position
                    answer = first_option(q.presented.snapshot)
                    at = attempts.save_answer(fresh_db, user, view.id, pos, answer)
                    saved.append((view.id, pos, at, time.monotonic()))
                    warm.release()
                attempts.submit(fresh_db, user, view.id)
        except Exception as exc:  # collected and asserted empty below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(t,)) for t in trainees]
    for t in threads:
        t.start()
    try:
        for _ in range(20):  # the load is under way
            assert warm.acquire(timeout=60)
        began = time.monotonic()
        made = backup.backup(db_url, tmp_path / "during-load")
        ended = time.monotonic()
        for _ in range(10):  # and goes on afterwards
            assert warm.acquire(timeout=60)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    before = {(a, p): at for a, p, at, returned in saved if returned < began}
    during = sum(began <= returned <= ended for *_, returned in saved)
    print(
        f"\n{backend(db_url)}: backup of {made.facts.counts['responses']} answers took "
        f"{ended - began:.3f} s; {during} answers saved meanwhile, {len(saved)} in all"
    )
    assert len(before) >= 20

    with another(db_url, tmp_path) as target:
        backup.restore(target, made.path)
        assert backup.check(target).problems == []
        engine = open_store(target)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(responses.c.attempt_id, responses.c.position, responses.c.answered_at)
                ).all()
            restored = {(a, p): at for a, p, at in rows}
            missing = {k for k in before if k not in restored}
            assert missing == set()
            assert all(restored[k] == at for k, at in before.items())
            # The app runs on it: the trainees sign in, and resume the attempts the backup caught
            # (one between a submit and the next start has none: it starts one).
            for trainee in trainees:
                user = accounts.authenticate(engine, trainee.username, PW)
                view = attempts.open_attempt(engine, user, quiz.id)
                if view is None:
                    view = attempts.start(engine, user, quiz, catalogue)
                for q in view.questions:
                    if q.answered_at is None:
                        pos, snap = q.presented.position, q.presented.snapshot
                        attempts.save_answer(engine, user, view.id, pos, first_option(snap))
                assert attempts.submit(engine, user, view.id).status == "submitted"
            # New rows get new ids (PostgreSQL's sequences came back too).
            boss = accounts.authenticate(engine, "boss", PW)
            accounts.create_user(engine, boss, "newcomer", PW, "trainee", "north")
        finally:
            engine.dispose()


def damaged(good: Path, how: str) -> Path:
    data = bytearray(good.read_bytes())
    bad = good.with_name(f"{how}-{good.name}")
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "corrupted":  # one page's worth in the middle, every bit flipped
        middle = len(data) // 2 // 4096 * 4096
        data[middle : middle + 4096] = bytes(b ^ 0xFF for b in data[middle : middle + 4096])
    else:
        data = b"name,score\nann,90\n" * 100
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("truncated", ("truncated", "cannot read", "end of file")),
        ("corrupted", ("integrity check", "malformed", "cannot read", "corrupt")),
        ("not-a-database", ("not a backup",)),
    ],
)
def test_a_damaged_backup_is_refused_and_the_database_is_untouched(
    db_url, fresh_db, filled, tmp_path, how, said
):
    made = backup.backup(db_url, tmp_path / "good")
    bad = damaged(made.path, how)
    report = backup.check(db_url, bad)
    assert report.problems, f"a {how} backup passed the check"
    assert any(word in p for p in report.problems for word in said), report.problems
    live = everything(db_url)
    with pytest.raises(backup.BadBackup) as refused:
        backup.restore(db_url, bad, force=True)
    assert str(refused.value).startswith(f"{bad} cannot be restored:\n  - ")
    assert everything(db_url) == live
    assert backup.check(db_url).problems == []


def test_a_backup_from_a_newer_version_is_refused(db_url, fresh_db, filled, tmp_path):
    with fresh_db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    made = backup.backup(db_url, tmp_path / "future")
    with fresh_db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head()})
    [problem] = backup.check(db_url, made.path).problems
    assert "9999_future is newer than this version of Resurface knows" in problem
    with another(db_url, tmp_path) as target:
        with pytest.raises(backup.BadBackup, match="upgrade Resurface first"):
            backup.restore(target, made.path)
        engine = make_engine(target)
        try:
            assert current(engine) is None  # nothing was put there
        finally:
            engine.dispose()


def test_a_backup_from_an_older_revision_is_restored_and_upgraded(db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine, "0010")
    engine.dispose()
    made = backup.backup(db_url, tmp_path / "old")
    report = backup.check(db_url, made.path)
    assert report.problems == []
    assert report.notes == [f"schema revision 0010 is older than {head()}: a restore upgrades it"]
    with another(db_url, tmp_path) as target:
        open_store(target).dispose()  # `db upgrade` made its tables, empty: no --force needed
        assert backup.restore(target, made.path).upgraded_from == "0010"
        restored = make_engine(target)
        try:
            assert current(restored) == head()
        finally:
            restored.dispose()
        assert backup.check(target).problems == []


def test_restoring_over_a_database_that_holds_data_needs_force(db_url, fresh_db, filled, tmp_path):
    made = backup.backup(db_url, tmp_path / "copy")
    wanted = everything(db_url)
    with another(db_url, tmp_path) as target:
        other = open_store(target)
        accounts.init_first_manager(other, "someone", PW)
        other.dispose()
        theirs = everything(target)
        with pytest.raises(backup.DatabaseNotEmpty, match=r"holds data \(users 1, attempts 0\)"):
            backup.restore(target, made.path)
        assert everything(target) == theirs
        backup.restore(target, made.path, force=True)
        after = everything(target)
    for table, rows in wanted.items():
        if table == "audit_log":  # less the backup's own line, plus the restore's
            assert after[table][:-1] == rows[:-1]
        else:
            assert after[table] == rows, table


def test_keep_leaves_the_newest_of_our_backups_and_no_other_file(
    db_url, fresh_db, people, tmp_path
):
    folder = tmp_path / "backups"
    folder.mkdir()
    ext = ".db" if backend(db_url) == "sqlite" else ".dump"
    other_kind = ".dump" if ext == ".db" else ".db"
    strangers = [
        "notes.txt",
        f"resurface-manual{ext}",
        f"resurface-20200101-000000{other_kind}",  # the other kind of database's backup
        f"my-resurface-20200101-000000{ext}",
    ]
    for name in strangers:
        (folder / name).write_text("not ours")
    start = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    made = [backup.backup(db_url, folder, now=start + timedelta(hours=i)) for i in range(4)]
    same_second = backup.backup(db_url, f"{folder}/", now=start + timedelta(hours=3))
    assert same_second.path.name == f"resurface-20261207-060000-2{ext}"
    last = backup.backup(db_url, folder, keep=3, now=start + timedelta(hours=5))
    assert last.path.name == f"resurface-20261207-080000{ext}"
    assert last.removed == [m.path for m in made[:3]]
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([*strangers, made[3].path.name, same_second.path.name, last.path.name])
    assert all(stat.S_IMODE((folder / n).stat().st_mode) == 0o600 for n in left if "2026" in n)


def test_backup_refuses_an_existing_file_and_keep_without_a_folder(db_url, fresh_db, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("something else")
    with pytest.raises(backup.BackupError, match="exists already"):
        backup.backup(db_url, taken)
    assert taken.read_text() == "something else"
    with pytest.raises(backup.BackupError, match="--keep needs a folder"):
        backup.backup(db_url, tmp_path / "new", keep=2)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_check_reports_a_database_with_a_broken_foreign_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = open_store(url)
    accounts.init_first_manager(engine, "boss", PW)
    engine.dispose()
    raw = sqlite3.connect(tmp_path / "live.db")  # foreign keys are off unless asked for
    raw.execute("INSERT INTO audit_log (at, actor_id, action) VALUES ('2026-12-07', 999, 'x')")
    raw.commit()
    raw.close()
    assert backup.check(url).problems == [
        "foreign key check: audit_log row 2 refers to a row of users that is not there"
    ]


def test_a_plain_file_copy_during_writes_loses_rows_and_db_backup_does_not(tmp_path):
    """The issue's complaint: the recent writes are in the WAL, which a copy of the file lacks."""
    live = tmp_path / "live.db"
    url = f"sqlite:///{live}"
    engine = open_store(url)
    boss = accounts.init_first_manager(engine, "boss", PW)
    # A reader's open snapshot (a page being drawn, say) keeps every later write in the WAL.
    reader = sqlite3.connect(live, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM users").fetchone()
    for i in range(5):
        accounts.create_user(engine, boss, f"trainee{i}", PW, "trainee", "north")
    shutil.copy(live, tmp_path / "copied.db")
    made = backup.backup(url, tmp_path / "backed-up.db")
    reader.close()
    engine.dispose()

    def users_in(path: Path) -> int:
        with sqlite3.connect(path) as conn:
            try:
                return conn.execute("SELECT count(*) FROM users").fetchone()[0]
            except sqlite3.OperationalError:  # not even the table made it
                return 0

    assert users_in(live) == 6
    assert users_in(made.path) == 6
    assert users_in(tmp_path / "copied.db") < 6


def test_restore_refuses_a_backup_of_the_other_kind_of_database(tmp_path):
    sqlite_url = f"sqlite:///{tmp_path / 'small.db'}"
    open_store(sqlite_url).dispose()
    sqlite_copy = backup.backup(sqlite_url, tmp_path / "small-copy.db").path
    with throwaway_database("postgresql", tmp_path) as pg_url:
        open_store(pg_url).dispose()
        pg_copy = backup.backup(pg_url, tmp_path / "small-copy.dump").path
        pg_before = everything(pg_url)
        with pytest.raises(backup.BackupError, match="is a sqlite backup and the database is post"):
            backup.restore(pg_url, sqlite_copy, force=True)
        assert everything(pg_url) == pg_before
    sqlite_before = everything(sqlite_url)
    with pytest.raises(backup.BackupError, match="is a postgresql backup and the database is sql"):
        backup.restore(sqlite_url, pg_copy, force=True)
    assert everything(sqlite_url) == sqlite_before


def test_a_damaged_database_is_set_aside_by_a_forced_restore(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = open_store(url)
    accounts.init_first_manager(engine, "boss", PW)
    engine.dispose()
    made = backup.backup(url, tmp_path / "copy.db")
    wanted = everything(url)
    ruined = damaged(made.path, "corrupted").read_bytes()
    (tmp_path / "live.db").write_bytes(ruined)
    with pytest.raises(backup.DatabaseNotEmpty, match="cannot tell whether the database holds"):
        backup.restore(url, made.path)
    done = backup.restore(url, made.path, force=True)
    assert done.set_aside is not None
    assert done.set_aside.parent == tmp_path
    assert re.fullmatch(r"live\.db\.damaged-\d{8}-\d{6}", done.set_aside.name)
    assert done.set_aside.read_bytes() == ruined
    after = everything(url)
    assert after["users"] == wanted["users"]
    assert after["audit_log"][:-1] == wanted["audit_log"][:-1]
    assert backup.check(url).problems == []


def test_checking_a_backup_in_wal_mode_leaves_nothing_beside_it(tmp_path):
    """A copy the sqlite3 shell made of a WAL database is in WAL mode too: checking it or
    restoring from it makes no -wal or -shm file beside it."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = open_store(url)
    accounts.init_first_manager(engine, "boss", PW)
    engine.dispose()  # the last connection folds the WAL into the file
    (tmp_path / "old").mkdir()
    shell_copy = tmp_path / "old" / "by-hand.db"
    shutil.copy(tmp_path / "live.db", shell_copy)
    with sqlite3.connect(shell_copy) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    (tmp_path / "old" / "by-hand.db-wal").unlink(missing_ok=True)
    (tmp_path / "old" / "by-hand.db-shm").unlink(missing_ok=True)
    assert backup.check(url, shell_copy).problems == []
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    backup.restore(target, shell_copy)
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["by-hand.db"]
    assert everything(target)["users"] == everything(url)["users"]


def test_keep_never_deletes_the_backup_it_just_wrote(tmp_path):
    """A clock set back makes the new backup's name the oldest: it stays all the same."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    open_store(url).dispose()
    folder = tmp_path / "backups"
    folder.mkdir()
    later = backup.backup(url, folder, now=datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    earlier = backup.backup(url, folder, keep=1, now=datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert earlier.removed == []
    assert sorted(folder.iterdir()) == sorted([earlier.path, later.path])
