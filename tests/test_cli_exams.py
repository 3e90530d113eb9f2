"""``resurface windows`` and ``resurface accommodate`` against a real database."""

from __future__ import annotations

import io
import shlex
from datetime import UTC, datetime, timedelta

import pytest

from app import accommodations, attempts, config
from app.bank import load
from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.examwindows import QuizNotOpen
from app.store import open_store
from conftest import PW


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)

    def run(command: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(shlex.split(command))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init --username boss --password-stdin", PW)[0] == EXIT_OK
    assert run("users add ann --role trainee --cohort north --password-stdin", PW)[0] == EXIT_OK
    return run


def test_windows_set_list_clear_and_the_window_holds(cli, db_url):
    assert cli("windows list")[1] == "no exam windows\n"
    code, out, _ = cli("windows set certification-exam --opens 2027-01-10 --closes 2027-01-17")
    assert (code, out) == (
        EXIT_OK,
        "certification-exam for everyone: opens 2027-01-10 00:00 UTC, "
        "closes 2027-01-18 00:00 UTC\n",  # --closes takes the whole of its day
    )
    cli("windows set certification-exam --cohort north --closes 2027-02-01T12:30")
    code, out, _ = cli("windows list")
    assert out.splitlines()[1:] == [
        "certification-exam  (everyone)  2027-01-10 00:00 UTC  2027-01-18 00:00 UTC",
        "certification-exam  north       -                     2027-02-01 12:30 UTC",
    ]
    engine = open_store(db_url)
    try:
        ann = next(u for u in _users(engine) if u.username == "ann")
        catalogue = load([config.quizzes_dir()])
        exam = catalogue.quizzes["certification-exam"]
        after = datetime(2027, 2, 1, 12, 30, tzinfo=UTC)
        with pytest.raises(QuizNotOpen, match="closed on 01 Feb 2027 at 12:30"):
            attempts.start(engine, ann, exam, catalogue, now=after)
        assert attempts.start(engine, ann, exam, catalogue, now=after - timedelta(seconds=1))
    finally:
        engine.dispose()
    assert cli("windows clear certification-exam --cohort north")[1] == (
        "removed the window of certification-exam for cohort 'north'\n"
    )
    assert cli("windows clear certification-exam --cohort north")[1] == "there was no such window\n"


def test_windows_refuse_what_cannot_be(cli):
    code, _, err = cli("windows set certification-exam")
    assert (code, err) == (EXIT_USAGE, "resurface: error: give --opens, --closes or both\n")
    code, _, err = cli("windows set nope --opens 2027-01-10")
    assert code == EXIT_INVALID
    assert "no quiz 'nope'" in err
    code, _, err = cli("windows set certification-exam --opens 2027-01-10 --closes 2027-01-09")
    assert code == EXIT_INVALID
    assert "before it opens" in err


def test_accommodate_gives_and_takes_away(cli, db_url):
    code, out, _ = cli("accommodate ann --extra-minutes 15 --extra-attempts 1 --reason 'plan'")
    assert (code, out) == (
        EXIT_OK,
        "ann: You have 15 extra minutes on timed exams. "
        "You have 1 extra attempt at exams with an attempt limit.\n",
    )
    engine = open_store(db_url)
    try:
        ann = next(u for u in _users(engine) if u.username == "ann")
        assert accommodations.accommodation_of(engine, None, ann.id).extra_minutes == 15
    finally:
        engine.dispose()
    code, _, err = cli("accommodate ann --extra-minutes 5 --reason ' '")
    assert (code, err) == (
        EXIT_INVALID,
        "resurface: error: reason: say why (it is kept in the audit log)\n",
    )
    assert cli("accommodate boss --extra-minutes 5 --reason x")[0] == EXIT_INVALID  # not a trainee
    assert cli("accommodate ann --reason 'plan ended'")[1] == "ann: no accommodation\n"


def _users(engine):
    from app import accounts

    return accounts.list_users(engine, None)
