"""`resurface db backup`, `db check` and `db restore` through the command line: output, exit codes,
messages, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.request

import pytest
from e2e_support import resurface_command, served

from app.cli import EXIT_INVALID, EXIT_OK, main
from app.store.migrate import head
from conftest import throwaway_database


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


@pytest.mark.slow
def test_the_commands_as_processes_and_the_server_on_the_restored_database(
    db_url, people, tmp_path
):
    """The installed `resurface` command backs up and restores, and `resurface serve` starts on
    the restored database and answers."""
    command = resurface_command()
    folder = tmp_path / "backups"
    folder.mkdir()
    env = {**os.environ, "RESURFACE_DATABASE_URL": db_url}
    done = subprocess.run(
        [command, "db", "backup", f"{folder}/", "--keep", "48"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    [copy] = folder.iterdir()
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    (tmp_path / "restored").mkdir()
    with throwaway_database(backend, tmp_path / "restored") as target:
        env = {**os.environ, "RESURFACE_DATABASE_URL": target}
        done = subprocess.run(
            [command, "db", "restore", str(copy)],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.startswith(f"restored {copy} into ")
        done = subprocess.run(
            [command, "db", "check"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "users 6" in done.stdout
        with served(env, tmp_path / "server.log") as url:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                assert response.read() == b"ok"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
        log = (tmp_path / "server.log").read_text()
        assert "resurface init" not in log  # it found the restored users
