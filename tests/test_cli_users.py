"""Account commands: init, users add/list/set-password/deactivate, db upgrade, on a real database."""

from __future__ import annotations

import io
import shlex

import pytest

from app import accounts
from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.store import open_store

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
    assert out.rstrip().endswith("schema at revision 0003")
