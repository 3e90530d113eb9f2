"""Storage: migrations keep data, two processes can upgrade at once, SQLite is set up safely."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import insert, inspect, text

from app import accounts, auditlog, clock, useradmin, websession
from app.store import make_engine
from app.store.migrate import current, head, upgrade
from app.store.tables import users
from conftest import PW


def test_an_older_database_upgrades_with_its_data(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0001")
        assert current(engine) == "0001"
        with engine.begin() as conn:  # a user written by the 0001-era code
            conn.execute(
                insert(users).values(
                    username="Old.Timer",
                    username_key="old.timer",
                    display_name="Old Timer",
                    role="manager",
                    cohort=None,
                    password_hash=accounts.hasher.hash(PW),
                    active=True,
                    failed_logins=0,
                    created_at=clock.now(),
                )
            )
        upgrade(engine)
        assert current(engine) == head() == "0015_prepared_files"
        user = accounts.authenticate(engine, "old.timer", PW)
        assert (user.username, user.role) == ("Old.Timer", "manager")
        trainee = accounts.create_user(engine, user, "new", PW, "trainee", "north")
        assert trainee.id != user.id
    finally:
        engine.dispose()


def test_0004_adds_must_change_password_false_for_existing_users(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0003")
        with engine.begin() as conn:  # a user written by the 0003-era code, without the column
            conn.execute(
                text(
                    "INSERT INTO users (username, username_key, display_name, role, cohort, "
                    "password_hash, active, failed_logins, created_at) VALUES "
                    "('ann', 'ann', 'Ann', 'trainee', 'north', :hash, :yes, 0, :now)"
                ),
                {"hash": accounts.hasher.hash(PW), "yes": True, "now": clock.now()},
            )
        upgrade(engine)
        assert current(engine) == head()
        ann = accounts.authenticate(engine, "ann", PW)
        assert ann.must_change_password is False
        assert useradmin.reset_password(engine, None, "ann", "temporary one") == "temporary one"
        assert accounts.authenticate(engine, "ann", "temporary one").must_change_password
    finally:
        engine.dispose()


def test_upgrading_an_up_to_date_database_changes_nothing(fresh_db):
    accounts.init_first_manager(fresh_db, "boss", PW)
    upgrade(fresh_db)
    assert accounts.authenticate(fresh_db, "boss", PW).role == "manager"


def test_two_processes_starting_at_once_both_succeed(db_url):
    env = {**os.environ, "RESURFACE_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "app.cli", "db", "upgrade"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(out.rstrip().endswith(f"schema at revision {head()}") for out, _ in outs)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    finally:
        engine.dispose()


def test_a_new_sqlite_file_and_its_wal_are_readable_by_their_owner_only(tmp_path):
    where = tmp_path / "results" / "resurface.db"
    umask = os.umask(0o022)  # a usual umask, which would leave a new file readable by everyone
    try:
        engine = make_engine(f"sqlite:///{where}")
    finally:
        os.umask(umask)
    try:
        upgrade(engine)
        accounts.init_first_manager(engine, "boss", PW)  # a write: the -wal file exists now
        made = [where, where.with_name("resurface.db-wal"), where.with_name("resurface.db-shm")]
        assert {p.name: oct(p.stat().st_mode & 0o777) for p in made} == {
            p.name: "0o600" for p in made
        }
    finally:
        engine.dispose()


def test_an_existing_sqlite_file_keeps_its_mode(tmp_path):
    where = tmp_path / "shared.db"
    where.touch(mode=0o640)
    where.chmod(0o640)
    make_engine(f"sqlite:///{where}").dispose()
    assert where.stat().st_mode & 0o777 == 0o640


def test_0006_keeps_sessions_begun_before_it_signed_in_until_idle(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0005")
        boss = accounts.init_first_manager(engine, "boss", PW)
        began = clock.now()
        token = websession.begin(engine, boss, now=began)  # a 0005-era session: no seen_at
        upgrade(engine, "0006")
        assert current(engine) == "0006"
        assert websession.user_for(engine, token, now=began + timedelta(minutes=29)) == boss
        idle = began + timedelta(minutes=29 + 30)
        assert websession.user_for(engine, token, now=idle) is None
    finally:
        engine.dispose()


def test_0007_opens_accounts_locked_under_the_old_rule(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0006")
        boss = accounts.init_first_manager(engine, "boss", PW)
        with engine.begin() as conn:  # locked for 15 minutes, as the old sign-in did
            conn.execute(users.update().values(locked_until=clock.now() + timedelta(minutes=15)))
        upgrade(engine, "0007")
        assert current(engine) == "0007"
        assert accounts.authenticate(engine, "boss", PW).id == boss.id
        with engine.connect() as conn:
            assert conn.execute(text("SELECT locked_until FROM users")).scalar_one() is None
    finally:
        engine.dispose()


def test_0005_indexes_the_audit_log_without_touching_its_lines(db_url):
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0004")
        boss = accounts.init_first_manager(engine, "boss", PW)
        accounts.create_user(engine, boss, "ann", PW, "trainee", "north")
        with engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM audit_log ORDER BY id")).all()
        upgrade(engine, "0005")
        assert current(engine) == "0005"
        names = {i["name"] for i in inspect(engine).get_indexes("audit_log")}
        assert {"ix_audit_log_action_at", "ix_audit_log_actor_at"} <= names
        with engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM audit_log ORDER BY id")).all() == before
        found = auditlog.search(engine, boss, auditlog.AuditFilters(actions=("user.create",)))
        assert [line.target for line in found.lines] == ["ann", "boss"]  # newest first
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_tables_the_code_uses(fresh_db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.store.tables import metadata

    with fresh_db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_0009_keeps_every_score_and_adds_no_original_to_it(db_url):
    """Attempts scored before regrades existed keep their scores; nothing says they were regraded."""
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0007")
        boss = accounts.init_first_manager(engine, "boss", PW)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO attempts (user_id, quiz_id, quiz, seed, status, started_at, points,"
                    " max_points, score_percent, passed) VALUES (:u, 'q', '{}', 1, 'submitted',"
                    " :at, 3, 5, 60, false)"
                ),
                {"u": boss.id, "at": clock.now()},
            )
        upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT points, passed, regraded_at, original_points, pass_changed_at"
                    " FROM attempts"
                )
            ).one()
        assert tuple(row) == (3.0, False, None, None, None)
    finally:
        engine.dispose()
