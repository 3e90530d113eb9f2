"""`resurface db backup`, `db check` and `db restore` through the command line: output, exit codes,
messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from app.cli import EXIT_INVALID, EXIT_OK, main
from app.store.migrate import head


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def live(db_url, people, monkeypatch):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    return people


def test_backup_check_and_restore_from_the_command_line(capsys, live, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    code, out, err = run(capsys, "db", "backup", f"{folder}/", "--keep", "2")
    assert (code, err) == (EXIT_OK, "")
    first, counts = out.splitlines()
    written = re.fullmatch(rf"wrote ({re.escape(str(folder))}/resurface-\S+) \(.+\), (.+)", first)
    assert written, first
    assert written.group(2) == f"schema revision {head()}"
    # one audit line per account the people fixture made
    assert counts == "  users 6, attempts 0, responses 0, comments 0, audit_log 6"
    copy = written.group(1)

    code, out, _ = run(capsys, "db", "check")
    assert code == EXIT_OK
    assert f": sound, schema revision {head()}\n" in out
    code, out, _ = run(capsys, "db", "check", copy)
    assert (code, out.splitlines()[0]) == (EXIT_OK, f"{copy}: sound, schema revision {head()}")

    code, out, err = run(capsys, "db", "restore", copy)
    assert (code, out) == (EXIT_INVALID, "")
    assert err == (
        "resurface: error: the database holds data (users 6, attempts 0): a restore would "
        "replace it. Stop the server, back the database up, then restore with --force\n"
    )
    code, out, err = run(capsys, "db", "restore", copy, "--force")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith(f"restored {copy} into ")
    assert out.splitlines()[1] == "  users 6, attempts 0, responses 0, comments 0, audit_log 6"


def test_a_file_that_is_no_backup_is_refused_with_the_reason(capsys, live, tmp_path):
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n")
    code, out, err = run(capsys, "db", "check", str(notes))
    assert (code, out) == (EXIT_INVALID, "")
    assert err == (
        f"resurface: error: {notes} is not sound:\n"
        "  - not a backup (neither a SQLite database nor a pg_dump file)\n"
    )
    code, out, err = run(capsys, "db", "restore", str(notes), "--force")
    assert (code, out) == (EXIT_INVALID, "")
    assert err.startswith(f"resurface: error: {notes} cannot be restored:\n  - not a backup")
    code, _, err = run(capsys, "db", "check", str(tmp_path / "missing.db"))
    assert code == EXIT_INVALID
    assert "  - no such file\n" in err


def test_backup_will_not_overwrite_a_file(capsys, live, tmp_path):
    taken = tmp_path / "taken.db"
    taken.write_text("mine")
    code, out, err = run(capsys, "db", "backup", str(taken))
    assert (code, out) == (EXIT_INVALID, "")
    assert err == f"resurface: error: {taken} exists already: name a new file, or a folder\n"
    assert taken.read_text() == "mine"
    code, _, err = run(capsys, "db", "backup", str(tmp_path / "one.db"), "--keep", "3")
    assert code == EXIT_INVALID
    assert "--keep needs a folder" in err


def test_a_database_that_cannot_be_reached_is_said_in_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    for argv in (["db", "check"], ["db", "backup", str(tmp_path / "x.dump")]):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (EXIT_INVALID, "")
        assert err.startswith("resurface: error: the database: ")
        assert "127.0.0.1" in err
        assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no partial file left behind
