"""Account commands: init, users add/list/set-password/deactivate, db upgrade, on a real database."""

from __future__ import annotations

import io
import shlex

import pandas as pd
import pytest

from app import accounts
from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.store import open_store
from app.store.migrate import head

PW = "correct horse battery"
ADD_ANN = "users add ann --role trainee --cohort north --password-stdin"


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    """Run a command line against a fresh database; ``stdin`` is what --password-stdin reads."""
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)

    def run(command: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(shlex.split(command))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_init_then_add_list_and_sign_in(cli, db_url):
    assert cli("init --username boss --password-stdin", stdin=PW + "\n")[0] == EXIT_OK
    assert cli(ADD_ANN, stdin=PW)[:2] == (EXIT_OK, "created trainee 'ann' in cohort 'north'\n")
    code, out, _ = cli("users list")
    assert code == EXIT_OK
    assert out.splitlines()[1:] == [
        "ann       ann   trainee  north   active",
        "boss      boss  manager  -       active",
    ]
    engine = open_store(db_url)
    assert accounts.authenticate(engine, "ann", PW).role == "trainee"
    engine.dispose()


def test_init_twice_is_refused(cli):
    cli("init --password-stdin", stdin=PW)
    code, _, err = cli("init --password-stdin", stdin=PW)
    assert code == EXIT_INVALID
    assert (
        err
        == "resurface: error: the database already has users; sign in as a manager to add more\n"
    )


def test_password_is_never_taken_from_argv(cli):
    with pytest.raises(SystemExit) as info:
        cli(f"users add ann --role trainee --password '{PW}'")
    assert info.value.code == EXIT_USAGE


def test_without_a_terminal_a_password_must_come_from_stdin(cli):
    code, _, err = cli("init")
    assert code == EXIT_USAGE
    assert "--password-stdin" in err


def test_short_password_and_duplicate_name_are_clear_errors(cli):
    cli("init --username boss --password-stdin", stdin=PW)
    code, _, err = cli(ADD_ANN, stdin="short")
    assert (code, err) == (
        EXIT_INVALID,
        "resurface: error: password must be at least 10 characters\n",
    )
    code, _, err = cli("users add BOSS --role manager --password-stdin", stdin=PW)
    assert (code, err) == (EXIT_INVALID, "resurface: error: username 'BOSS' is already taken\n")


def test_set_password_and_deactivate(cli, db_url):
    cli("init --username boss --password-stdin", stdin=PW)
    cli(ADD_ANN, stdin=PW)
    assert cli("users set-password ann --password-stdin", stdin="a new password!")[0] == EXIT_OK
    assert cli("users deactivate ann")[1] == "deactivated 'ann'\n"
    engine = open_store(db_url)
    with pytest.raises(accounts.AccountInactive):
        accounts.authenticate(engine, "ann", "a new password!")
    engine.dispose()
    assert cli("users activate ann")[0] == EXIT_OK
    code, _, err = cli("users deactivate nobody")
    assert (code, err) == (EXIT_INVALID, "resurface: error: no user 'nobody'\n")


def test_db_upgrade_reports_the_revision(cli):
    code, out, _ = cli("db upgrade")
    assert code == EXIT_OK
    assert out.rstrip().endswith(f"schema at revision {head()}")


def test_edit_changes_role_and_cohort_and_says_what_changed(cli, db_url):
    cli("init --username boss --password-stdin", stdin=PW)
    cli(ADD_ANN, stdin=PW)
    code, out, _ = cli("users edit ann --role trainer --cohort south --display-name 'Ann Lee'")
    assert (code, out) == (
        EXIT_OK,
        "changed 'ann': display name ann → Ann Lee; role trainee → trainer; cohort north → south\n",
    )
    assert cli("users edit ann --role trainer")[1] == "nothing changed for 'ann'\n"
    code, _, err = cli("users edit ann")
    assert (code, err) == (
        EXIT_USAGE,
        "resurface: error: nothing to change: give --display-name, --role and/or --cohort\n",
    )
    code, _, err = cli("users edit boss --role trainer --cohort north")
    assert (code, err) == (
        EXIT_INVALID,
        "resurface: error: this is the only active manager; make someone else a manager first\n",
    )
    code, _, err = cli("users edit ann --cohort ''")
    assert (code, err) == (
        EXIT_INVALID,
        "resurface: error: a trainer needs a cohort (the clinic or site they belong to)\n",
    )


def test_set_password_temporary_must_be_changed(cli, db_url):
    cli("init --username boss --password-stdin", stdin=PW)
    cli(ADD_ANN, stdin=PW)
    _, out, _ = cli("users set-password ann --temporary --password-stdin", stdin="given by ops!")
    assert out == "password changed for 'ann'; they must choose a new one at their next sign-in\n"
    engine = open_store(db_url)
    assert accounts.authenticate(engine, "ann", "given by ops!").must_change_password
    engine.dispose()


IMPORT = "username;display_name;cohort;password\r\ndan;Dan Dee;north;\r\neve;Eve;south;a temporary one\r\n"


def test_import_dry_run_then_for_real_with_the_passwords_file(cli, db_url, tmp_path):
    cli("init --username boss --password-stdin", stdin=PW)
    source = tmp_path / "trainees.csv"
    source.write_bytes(IMPORT.encode("utf-8-sig"))
    passwords = tmp_path / "passwords.csv"
    code, out, _ = cli(f"users import {source} --dry-run")
    assert (code, out.splitlines()) == (
        EXIT_OK,
        [
            "row 2: note: new cohort 'north'",
            "row 3: note: new cohort 'south'",
            "2 trainees ready to import (dry run: nothing imported)",
        ],
    )
    code, _, err = cli(f"users import {source}")
    assert (code, err) == (
        EXIT_USAGE,
        "resurface: error: 1 row has no password: give -o PASSWORDS.csv to save the "
        "temporary passwords generated for them\n",
    )
    code, out, _ = cli(f"users import {source} -o {passwords}")
    assert code == EXIT_OK
    assert out.splitlines()[-2:] == [
        "imported 2 trainees into north, south",
        f"temporary passwords written to {passwords}; they must be changed at first sign-in",
    ]
    assert passwords.stat().st_mode & 0o777 == 0o600
    sheet = pd.read_csv(passwords, encoding="utf-8-sig", dtype=str)
    assert list(sheet["username"]) == ["dan", "eve"]
    assert sheet.loc[1, "temporary_password"] == "(as in your file)"
    engine = open_store(db_url)
    dan = accounts.authenticate(engine, "dan", sheet.loc[0, "temporary_password"])
    assert (dan.cohort, dan.must_change_password) == ("north", True)
    engine.dispose()

    code, _, err = cli(f"users import {source} -o {passwords}")
    assert (code, err) == (
        EXIT_USAGE,
        f"resurface: error: {passwords} exists already; choose a new file for the passwords\n",
    )


def test_import_with_problems_prints_the_row_report_and_imports_nothing(cli, db_url, tmp_path):
    cli("init --username boss --password-stdin", stdin=PW)
    source = tmp_path / "trainees.csv"
    source.write_text("username,display_name,cohort\nBOSS,Boss Again,north\nfay,,north\n")
    code, out, err = cli(f"users import {source}")
    assert code == EXIT_INVALID
    assert out.splitlines() == [
        "row 2: username: already taken",
        "row 2: note: new cohort 'north'",
        "row 3: display_name: missing",
        "row 3: note: new cohort 'north'",
    ]
    assert err == "resurface: error: nothing imported: the file has 2 problems\n"
    assert [line for line in cli("users list")[1].splitlines()[1:]] == [
        "boss      boss  manager  -       active"
    ]
    code, _, err = cli(f"users import {tmp_path / 'missing.csv'}")
    assert code == EXIT_USAGE
    assert err.startswith("resurface: error: cannot read ")
