"""``resurface db copy``: every table but sessions and throttling goes into an empty database,
SQLite to PostgreSQL and back, checked table by table, and the app reads the same on the copy."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text, update

from app import (
    accommodations,
    accounts,
    attempts,
    bank,
    certificates,
    certification,
    comments,
    config,
    dbcopy,
    demo,
    examwindows,
    passmark,
    prepared,
    progress,
    useradmin,
    websession,
)
from app.cli import main
from app.store import audit as audit_store
from app.store import open_store
from app.store import sessions as session_store
from app.store.copy import NOT_COPIED, copied_tables
from app.store.db import writing
from app.store.tables import (
    attempt_questions,
    invitations,
    mail_sent,
    metadata,
    question_reports,
    question_voids,
    regrade_attempts,
    regrades,
    settings,
    user_emails,
)
from app.store.tables import (
    attempts as attempt_table,
)
from conftest import BACKENDS, PW, sign_in_outcome, throwaway_database

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DIRECTIONS = [
    pytest.param("sqlite", "postgresql", id="sqlite-to-postgresql"),
    pytest.param("postgresql", "sqlite", id="postgresql-to-sqlite"),
    pytest.param("postgresql", "postgresql", id="postgresql-to-postgresql"),  # a new server
]


@pytest.fixture(scope="module")
def catalogue(sources: Path) -> bank.Catalogue:
    """The shipped banks and quizzes, as the demo uses them."""
    return bank.load([config.quizzes_dir()], sources_dir=sources)


def user(engine: Engine, username: str) -> accounts.User:
    return next(u for u in accounts.list_users(engine, None) if u.username == username)


def fill(engine: Engine, catalogue: bank.Catalogue) -> None:
    """The demo, then at least one row in every table, sessions and throttling included."""
    demo.seed_demo(engine, catalogue, now=NOW)
    manager, trainer, trainee = (user(engine, n) for n in ("manager", "trainer", "trainee"))
    useradmin.set_content_editor(engine, None, "trainer", True)
    with engine.connect() as conn:
        done = conn.execute(
            select(attempt_table.c.id, attempt_table.c.quiz_id).order_by(attempt_table.c.id)
        ).all()
    first, quiz_id = done[0]
    comments.add(engine, trainer, first, "Révisez la protection solaire — « SPF 50 »", position=1)
    comments.add(engine, manager, first, "Whole attempt: good progress.\nSecond line.")
    exam = catalogue.quizzes["certification-exam"]
    qids = passmark.pool(exam, catalogue)[:3]
    passmark.rate(
        engine, trainer, catalogue, exam.id, dict(zip(qids, (0.65, 1 / 3, 0.9), strict=True))
    )
    accommodations.set_accommodation(
        engine, manager, "trainee", extra_minutes=15, time_factor=1.25, reason="Learning plan"
    )
    examwindows.set_window(
        engine, manager, catalogue, "certification-exam", "north", NOW, NOW + timedelta(days=7)
    )
    assert certificates.issue(engine, NOW) >= 1  # the demo trainee's passed exam
    assert certificates.verify_allowed(engine, "10.9.8.7", NOW)  # a verification counted
    websession.begin(engine, trainee)  # a session: left behind
    # A prepared export of two chunks: left behind (short-lived, prepared again).
    data = io.BytesIO(b"username\r\n" + b"x" * prepared.CHUNK)
    prepared.keep(engine, manager, data, "resurface-attempts.csv", "text/csv", now=NOW)
    sign_in_outcome(engine, "trainee", "not the password", NOW, client="10.1.2.3")  # throttled
    with writing(engine) as conn:
        session_store.setting_or_add(conn, "copy.test", '{"a": 1}')
        audit_store.record(
            conn, NOW, manager.id, "test.detail", "x", nested={"b": [1, 2.5, None]}, s="ü"
        )
        snap, qid = conn.execute(
            select(attempt_questions.c.snapshot_hash, attempt_questions.c.qid).where(
                attempt_questions.c.attempt_id == first, attempt_questions.c.position == 1
            )
        ).one()
        conn.execute(
            insert(question_reports).values(
                qid=qid, snapshot_hash=snap, attempt_id=first, position=1,
                reporter_id=trainee.id, kind="unclear", comment="Which SPF?", created_at=NOW,
                status="resolved", resolved_by=trainer.id, resolved_at=NOW + timedelta(hours=1),
                resolution="SPF 30 or more.",
            )
        )  # fmt: skip
        regrade = conn.execute(
            insert(regrades).values(
                kind="void", quiz_id=quiz_id, qid=qid, void="give", cohort=None,
                reason="Ambiguous wording", actor_id=None, created_at=NOW,
            )
        ).inserted_primary_key[0]  # fmt: skip
        conn.execute(
            insert(regrade_attempts).values(
                regrade_id=regrade, attempt_id=first, position=1, from_hash=None,
                question_before=0.0, question_after=1.0, points_before=2 / 3,
                points_after=5 / 3, max_before=3, max_after=3, percent_before=200 / 9,
                percent_after=55.55555555555556, passed_before=False, passed_after=False,
            )
        )  # fmt: skip
        conn.execute(
            insert(question_voids).values(quiz_id=quiz_id, qid=qid, void="give", regrade_id=regrade)
        )
        # Mail: an address, an invitation (only its token's hash) and a reminder sent.
        conn.execute(
            insert(user_emails).values(
                user_id=trainee.id, email="trainee@clinic.example", set_at=NOW
            )
        )
        conn.execute(
            insert(invitations).values(
                token_hash="ab" * 32, user_id=trainee.id, invited_by=manager.id, created_at=NOW,
                expires_at=NOW + timedelta(hours=72), used_at=None,
            )
        )  # fmt: skip
        conn.execute(
            insert(mail_sent).values(
                user_id=trainee.id, kind="reminder", about="certification-exam",
                period=(NOW + timedelta(days=30)).isoformat(), threshold="30", status="sent",
                claimed_at=NOW, sent_at=NOW, subject="Your certification expires", error=None,
            )
        )  # fmt: skip


def every_row(engine: Engine) -> dict[str, list[dict]]:
    """Every table's rows as the schema's types read them, sorted by primary key in Python."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            key = [c.name for c in table.primary_key.columns]
            rows = [dict(r) for r in conn.execute(select(table)).mappings()]
            out[table.name] = sorted(rows, key=lambda r, key=key: [r[k] for k in key])
    return out


def app_reads(engine: Engine, catalogue: bank.Catalogue) -> dict[str, object]:
    """What the app shows of the demo: the trainee's progress, the roster, the comments."""
    trainee = user(engine, "trainee")
    overview = progress.overview(engine, trainee, catalogue, now=NOW)
    shown = progress.history(engine, trainee, trainee.id, now=NOW)
    roster = certification.trainee_statuses(engine, None, catalogue, now=NOW)
    return {
        "overview": overview,
        "history": shown,
        "roster": roster.to_dict("records"),
        "comments": comments.of_attempt(engine, user(engine, "manager"), shown[-1]["id"]),
        "users": accounts.list_users(engine, None),
    }


def test_only_sessions_and_throttling_are_left_behind():
    assert set(NOT_COPIED) == {
        "web_sessions",
        "sign_in_throttle",
        "prepared_files",
        "prepared_chunks",
    }
    copied = {t.name for t in copied_tables()}
    assert copied | set(NOT_COPIED) == set(metadata.tables)
    assert not copied & set(NOT_COPIED)
    order = [t.name for t in copied_tables()]  # parents first: foreign keys hold as rows arrive
    assert order.index("users") < order.index("attempts") < order.index("responses")
    assert order.index("snapshots") < order.index("attempt_questions")


@pytest.mark.parametrize(("source_backend", "target_backend"), DIRECTIONS)
def test_copy_carries_every_table_and_the_app_reads_the_same(
    source_backend, target_backend, tmp_path, catalogue
):
    (tmp_path / "s").mkdir()
    (tmp_path / "t").mkdir()
    with (
        throwaway_database(source_backend, tmp_path / "s") as source_url,
        throwaway_database(target_backend, tmp_path / "t") as target_url,
    ):
        source = open_store(source_url)
        fill(source, catalogue)
        before = every_row(source)
        # Every table holds rows, so each one's copy is exercised (a new table fails here
        # until this test fills it too).
        assert [name for name, rows in before.items() if not rows] == []

        report = dbcopy.copy(source_url, target_url, batch=7)  # many batches per table
        report.check()
        target = open_store(target_url)
        after = every_row(target)

        copy_line = after["audit_log"].pop()  # the copy's own line, by the console
        assert (copy_line["action"], copy_line["actor_id"]) == ("db.copy", None)
        assert copy_line["detail"]["rows"]["responses"] == len(before["responses"])
        for name in NOT_COPIED:
            assert after.pop(name) == []
            assert report.left_behind[name] == len(before.pop(name)) > 0
        assert after == before
        assert {t.name: t.rows for t in report.tables} == {n: len(r) for n, r in before.items()}
        assert all(t.matches for t in report.tables)
        assert app_reads(target, catalogue) == app_reads(source, catalogue)

        # The ids go on from the copied ones (PostgreSQL's sequences were set past them).
        manager = user(target, "manager")
        newbie = accounts.create_user(target, manager, "newbie", PW, "trainee", demo.COHORT)
        assert newbie.id == max(r["id"] for r in before["users"]) + 1
        view = attempts.start(target, newbie, catalogue.quizzes["quick-check"], catalogue)
        assert view.id == max(r["id"] for r in before["attempts"]) + 1
        attempt_id = before["attempts"][0]["id"]
        note = comments.add(target, user(target, "trainer"), attempt_id, "After the move.")
        assert note.id == max(r["id"] for r in before["comments"]) + 1
        # Everyone signs in again: the password hashes came along, the sessions did not.
        password = next(pw for name, pw, _ in demo.ACCOUNTS if name == "trainee")
        assert sign_in_outcome(target, "trainee", password, NOW) == "ok"
        source.dispose()
        target.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_target_that_holds_rows_is_refused_and_left_alone(backend, tmp_path, catalogue):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_url)
    fill(source, catalogue)
    source.dispose()
    (tmp_path / "t").mkdir()
    with throwaway_database(backend, tmp_path / "t") as target_url:
        target = open_store(target_url)
        accounts.init_first_manager(target, "someone", PW)
        held = every_row(target)
        with pytest.raises(dbcopy.TargetNotEmpty, match=r"is not empty \(rows: users 1, "):
            dbcopy.copy(source_url, target_url)
        assert every_row(target) == held
        target.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://ops:hunter2@127.0.0.1:1/resurface", "cannot open the target "
         "database postgresql+psycopg://ops:***@127.0.0.1:1/resurface: "),
        ("no database here", "the target is not a database URL: 'no database here'"),
        ("mysql+nosuchdriver://x/y", "cannot open the target database mysql+nosuchdriver://x/y: "),
    ],
)  # fmt: skip
def test_a_target_that_cannot_be_opened_is_named_with_its_password_hidden(url, message, tmp_path):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    with pytest.raises(dbcopy.CannotOpen) as caught:
        dbcopy.copy(source_url, url)
    assert str(caught.value).startswith(message)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_target_that_differs_from_the_source_is_reported_table_by_table(
    backend, tmp_path, catalogue
):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_url)
    fill(source, catalogue)
    source.dispose()
    (tmp_path / "t").mkdir()
    with throwaway_database(backend, tmp_path / "t") as target_url:
        report = dbcopy.copy(source_url, target_url)
        report.check()
        target = open_store(target_url)
        # The copy's own audit line came after its check: compare the other tables.
        tables = [t for t in report.tables if t.name != "audit_log"]
        assert dbcopy.verify(target, tables) == []
        with target.begin() as conn:  # one score off in its last digit, one comment gone
            conn.execute(
                update(attempt_table)
                .where(attempt_table.c.id == 1)
                .values(score_percent=attempt_table.c.score_percent + 1e-9)
            )
            conn.execute(text("DELETE FROM comments WHERE id = 2"))
        found = dbcopy.verify(target, tables)
        assert [line.split(":")[0] for line in found] == ["attempts", "comments"]
        assert "comments: 2 rows, checksum" in found[1]
        assert "but 1 rows, checksum" in found[1]
        report.mismatches = found
        with pytest.raises(dbcopy.Mismatch, match=r"^the copy does not match the source: attempts"):
            report.check()
        target.dispose()


def test_the_checksum_sees_every_digit_and_the_instant_not_the_zone():
    table = attempt_table
    row = {c.name: None for c in table.columns} | {
        "id": 1, "quiz": {"b": 1, "a": [0.1, "ü"]}, "points": 2 / 3, "passed": True,
        "started_at": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    }  # fmt: skip

    def digest(**changes) -> str:
        summed = dbcopy.Checksum(table)
        summed.add([row | changes])
        return summed.hexdigest()

    same_instant = datetime(2026, 3, 2, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert digest() == digest(started_at=same_instant)
    assert digest() == digest(quiz={"a": [0.1, "ü"], "b": 1})  # key order of JSON: no matter
    assert digest() != digest(points=0.6666666666666667 + 1e-16)
    assert digest() != digest(points=0.6666666666666)
    assert digest() != digest(passed=1)
    assert digest() != digest(quiz={"b": 1, "a": [0.1, "u"]})
    assert digest() != digest(started_at=same_instant + timedelta(microseconds=1))


@pytest.mark.parametrize("backend", BACKENDS)
def test_writes_to_the_source_during_the_copy_stay_out_and_are_reported(
    backend, tmp_path, catalogue
):
    (tmp_path / "s").mkdir()
    with throwaway_database(backend, tmp_path / "s") as source_url:
        source = open_store(source_url)
        fill(source, catalogue)
        lines = len(every_row(source)["audit_log"])

        def server_writes(done: dbcopy.TableCopy) -> None:  # a server still running on it
            if done.name == "users":
                with writing(source) as conn:
                    audit_store.record(conn, NOW, None, "test.meanwhile")

        target_url = f"sqlite:///{tmp_path / 'target.db'}"
        report = dbcopy.copy(source_url, target_url, progress=server_writes)
        assert report.mismatches == []
        assert report.changed == [f"audit_log: {lines:,} copied, {lines + 1:,} now"]
        with pytest.raises(dbcopy.SourceChanged, match="delete its file"):
            report.check()
        target = open_store(target_url)
        with target.connect() as conn:  # the snapshot's lines only, and no line for the copy
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == lines
        source.dispose()
        target.dispose()


def test_a_copy_that_fails_part_way_leaves_the_target_empty(tmp_path, catalogue):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_url)
    fill(source, catalogue)
    with source.begin() as conn:  # SQLite keeps a value longer than the column; PostgreSQL won't
        conn.execute(update(question_voids).values(void="give-and-more"))
    source.dispose()
    (tmp_path / "t").mkdir()
    with throwaway_database("postgresql", tmp_path / "t") as target_url:
        with pytest.raises(
            dbcopy.CopyFailed,
            match=r"(?s)^copying question_voids failed: value too long.*empty as before",
        ):
            dbcopy.copy(source_url, target_url)
        target = open_store(target_url)
        assert {name: rows for name, rows in every_row(target).items() if rows} == {}
        with target.connect() as conn:
            assert conn.execute(select(func.count()).select_from(regrades)).scalar_one() == 0
        target.dispose()


def test_the_command_copies_prints_each_table_and_how_to_switch(
    tmp_path, catalogue, capsys, monkeypatch
):
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = open_store(source_url)
    fill(source, catalogue)
    held = every_row(source)
    source.dispose()
    monkeypatch.setenv("RESURFACE_DATABASE_URL", source_url)
    target_url = f"sqlite:///{tmp_path / 'copy' / 'new.db'}"
    assert main(["db", "copy", "--to", target_url]) == 0
    out = capsys.readouterr().out
    assert f"{source_url} -> {target_url}" in out
    table = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for name in (t.name for t in copied_tables()):  # rows, rows in the target, ..., match
        assert table[name][1] == table[name][2] == f"{len(held[name]):,}"
        assert table[name][4] == "yes"
    assert f"not copied: web_sessions ({len(held['web_sessions'])} rows)" in out
    assert f"Set RESURFACE_DATABASE_URL={target_url} for the service" in out
    assert "Everyone signs in again" in out

    assert main(["db", "copy", "--from", source_url, "--to", target_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"resurface: error: the target database {target_url} is not empty")


def test_text_keys_are_read_in_the_same_order_whatever_postgresqls_collation(tmp_path):
    """A clinic's PostgreSQL sorts text by its locale ("apple" before "Zed"), SQLite by bytes
    ("Zed" first): the copy reads keys in byte order on both, or the checksums would differ."""
    (tmp_path / "s").mkdir()
    with throwaway_database("postgresql", tmp_path / "s") as source_url:
        source = open_store(source_url)
        with source.begin() as conn:  # as if the database's own collation were en-US
            conn.execute(
                text('ALTER TABLE settings ALTER COLUMN key TYPE varchar(64) COLLATE "en-US-x-icu"')
            )
            conn.execute(
                insert(settings), [{"key": k, "value": k} for k in ("Zed", "apple", "b-c", "bA")]
            )
            in_locale = list(
                conn.execute(select(settings.c.key).order_by(settings.c.key)).scalars()
            )
            assert in_locale.index("apple") < in_locale.index("Zed")  # not byte order
        report = dbcopy.copy(source_url, f"sqlite:///{tmp_path / 'target.db'}")
        report.check()
        source.dispose()


def test_the_command_refuses_a_batch_of_nothing(tmp_path, capsys):
    target = tmp_path / "new.db"
    assert main(["db", "copy", "--to", f"sqlite:///{target}", "--batch", "0"]) == 2
    assert capsys.readouterr().err == "resurface: error: --batch must be 1 or more, not 0\n"
    assert not target.exists()


@pytest.mark.parametrize("role", ["source", "target"])
def test_a_database_a_newer_version_wrote_is_refused_by_name(role, tmp_path):
    urls = {r: f"sqlite:///{tmp_path / f'{r}.db'}" for r in ("source", "target")}
    newer = open_store(urls[role])
    with newer.begin() as conn:  # as a later Resurface with one more migration leaves it
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    newer.dispose()
    with pytest.raises(dbcopy.RevisionsDiffer) as caught:
        dbcopy.copy(urls["source"], urls["target"])
    assert str(caught.value).startswith(f"the {role} database {urls[role]} cannot be brought")
    assert "'9999'" in str(caught.value)
