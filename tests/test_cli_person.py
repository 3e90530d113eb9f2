"""``resurface person export|erase`` and ``resurface retention`` on a real database."""

from __future__ import annotations

import io
import json
import shlex
import stat
import zipfile

import pytest
from ui_helpers import shipped_catalogue

from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.store import audit as audit_store
from app.store import users as user_store
from conftest import finish


@pytest.fixture
def cli(db_url, people, monkeypatch, capsys):
    """Run a command line against the people's database."""
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    monkeypatch.delenv("RESURFACE_AUDIT_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("RESURFACE_INACTIVE_RETENTION_DAYS", raising=False)

    def run(command: str) -> tuple[int, str, str]:
        code = main(shlex.split(command))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_export_writes_a_private_zip_and_is_audited_as_the_console(cli, fresh_db, tmp_path):
    code, out, _ = cli(f"person export ann -o {tmp_path}")
    assert code == EXIT_OK
    (written,) = tmp_path.glob("personal-data-ann-*.zip")
    assert out.startswith(f"wrote {written}: everything held about 'ann'")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    with zipfile.ZipFile(written) as z:
        assert json.loads(z.read("person.json"))["account"]["username"] == "ann"
    with fresh_db.connect() as conn:
        (line,) = audit_store.lines(conn, "person.export")
    assert (line["actor_id"], line["target"]) == (None, "ann")


def test_export_of_nobody_is_a_clear_error(cli, tmp_path):
    code, _, err = cli(f"person export nobody-at-all -o {tmp_path / 'x.zip'}")
    assert (code, err) == (EXIT_INVALID, "resurface: error: no user 'nobody-at-all'\n")
    assert not (tmp_path / "x.zip").exists()


def test_erase_then_erase_again(cli, fresh_db, people):
    code, out, _ = cli("person erase bob --reason 'left the clinic'")
    assert code == EXIT_OK
    with fresh_db.connect() as conn:
        pseudonym = user_store.by_id(conn, people["bob"].id)["username"]
    assert out.splitlines()[0] == (
        f"erased: the account is now '{pseudonym}' "
        f"(Erased person {pseudonym.removeprefix('erased-')})"
    )
    code, _, err = cli(f"person erase {pseudonym} --reason again")
    assert (code, err) == (EXIT_INVALID, f"resurface: error: '{pseudonym}' was erased already\n")
    assert cli("person erase bob --reason again")[2] == "resurface: error: no user 'bob'\n"


def test_erase_refuses_a_certified_person_without_force(cli, fresh_db, people):
    finish(fresh_db, people["cat"], shipped_catalogue(), "certification-exam")
    code, _, err = cli("person erase cat --reason 'left the clinic'")
    assert code == EXIT_INVALID
    assert "holds Laser resurfacing technician" in err
    assert err.rstrip().endswith("erase anyway with --force")
    assert cli("person erase cat --reason 'left the clinic' --force")[0] == EXIT_OK


def test_erase_needs_a_reason(cli, capsys):
    with pytest.raises(SystemExit) as info:
        cli("person erase bob")
    assert info.value.code == EXIT_USAGE
    assert "the following arguments are required: --reason" in capsys.readouterr().err
    code, _, err = cli("person erase bob --reason ' '")
    assert (code, err) == (
        EXIT_INVALID,
        "resurface: error: say why the person is erased (--reason)\n",
    )


def test_the_last_manager_is_not_erased(cli):
    code, _, err = cli("person erase boss --reason 'left the clinic'")
    assert code == EXIT_INVALID
    assert "only active manager" in err


def test_retention_keeps_everything_by_default_and_says_so(cli, fresh_db):
    code, out, _ = cli("retention")
    assert code == EXIT_OK
    assert out.splitlines() == [
        "deactivated accounts: kept (RESURFACE_INACTIVE_RETENTION_DAYS is not set)",
        "audit log: kept (RESURFACE_AUDIT_RETENTION_DAYS is not set)",
        "recorded in the audit log (action retention)",
    ]


def test_retention_dry_run_changes_nothing(cli, fresh_db, monkeypatch):
    monkeypatch.setenv("RESURFACE_AUDIT_RETENTION_DAYS", "1")
    with fresh_db.connect() as conn:
        before = len(audit_store.lines(conn))
    code, out, _ = cli("retention --dry-run")
    assert code == EXIT_OK
    assert "audit log: would delete 0 lines older than 1 days" in out
    assert out.splitlines()[-1] == "dry run: nothing was changed"
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn)) == before


def test_retention_refuses_a_setting_that_is_not_days(cli, monkeypatch):
    monkeypatch.setenv("RESURFACE_INACTIVE_RETENTION_DAYS", "0")
    code, _, err = cli("retention")
    assert code == EXIT_USAGE
    assert err.startswith("resurface: error: RESURFACE_INACTIVE_RETENTION_DAYS must be")


def test_help_names_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["person", "--help"])
    assert "export" in capsys.readouterr().out


def test_export_to_standard_output_when_it_is_not_a_terminal(
    db_url, people, monkeypatch, capsysbinary
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    assert main(["person", "export", "tom"]) == EXIT_OK
    data = capsysbinary.readouterr().out
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert json.loads(z.read("person.json"))["account"]["role"] == "trainer"
