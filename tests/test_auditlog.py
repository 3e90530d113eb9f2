"""The audit log: filters, paging, who may read it, its CSV/JSON exports, and the CLI."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app import accounts, auditlog, useradmin
from app.accounts import Forbidden, NotFound
from app.auditlog import AuditFilters
from app.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from app.exports import excel_safe
from app.store import audit as audit_store
from app.store.db import writing
from conftest import PW

# Hashing at full cost is tested elsewhere; here it would only make the people slow to create.

T0 = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
HOSTILE = [
    '=HYPERLINK("http://x","click")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\tTAB",
    "\uff1dcmd",
    'Dubois, "Zoë"',
    "line one\nline two",
]


def logged(engine, action: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        return audit_store.lines(conn, action)


@pytest.fixture
def log(fresh_db, people):
    """On top of the people's creation: a day of known lines from T0, a minute apart."""
    lines = [
        ("ann", "login", "ann", {}),
        ("ann", "attempt.start", "quick-check", {"attempt": 1}),
        ("ann", "attempt.submit", "quick-check", {"attempt": 1, "closed_by": "user"}),
        (None, "login.failed", "nobody", {"reason": "unknown user"}),
        ("bob", "login.failed", "bob", {"reason": "password", "locked": False}),
        ("tina", "comment.add", "ann", {"attempt": 1, "position": None, "comment": 7}),
        ("boss", "user.password", "tina", {}),
        (None, "user.deactivate", "cat", {}),
        ("tina", "comment.add", "Zoë Müller", {"note": 'said "hello", café'}),
    ]
    with writing(fresh_db) as conn:
        for i, (who, action, target, detail) in enumerate(lines):
            actor = people[who].id if who else None
            audit_store.record(conn, T0 + timedelta(minutes=i), actor, action, target, **detail)
    return people


def ids(page: auditlog.Page) -> list[str]:
    return [f"{line.action}:{line.target}" for line in page.lines]


def found(engine, **filters) -> list[str]:
    return ids(auditlog.search(engine, None, AuditFilters(**filters)))


# --- filters ------------------------------------------------------------------------------------


def test_everything_newest_first_with_the_actor_joined(fresh_db, log):
    page = auditlog.search(fresh_db, log["boss"])
    assert page.total == len(logged(fresh_db)) == 6 + 9
    ats = [line.at for line in page.lines]
    assert ats == sorted(ats, reverse=True)
    # The people were created now (after T0), so they come first; then the T0 day, newest first.
    assert ids(page)[6:] == [
        "comment.add:Zoë Müller",
        "user.deactivate:cat",
        "user.password:tina",
        "comment.add:ann",
        "login.failed:bob",
        "login.failed:nobody",
        "attempt.submit:quick-check",
        "attempt.start:quick-check",
        "login:ann",
    ]
    by_action = {f"{x.action}:{x.target}": x for x in page.lines}
    assert by_action["comment.add:ann"].who == "tina"
    assert by_action["comment.add:ann"].details == "attempt=1, comment=7, position=none"
    assert by_action["login.failed:nobody"].who == "(not signed in)"
    assert by_action["user.deactivate:cat"].who == "(console)"
    assert by_action["login.failed:bob"].details == "locked=no, reason=password"
    assert by_action["comment.add:Zoë Müller"].details == 'note="said \\"hello\\", café"'


def test_time_range_is_from_inclusive_to_exclusive(fresh_db, log):
    got = found(fresh_db, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert got == ["attempt.submit:quick-check", "attempt.start:quick-check"]
    assert found(fresh_db, until=T0) == []


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (("login",), ["login:ann"]),
        (("login.failed",), ["login.failed:bob", "login.failed:nobody"]),
        (("login*",), ["login.failed:bob", "login.failed:nobody", "login:ann"]),
        (("attempt.*",), ["attempt.submit:quick-check", "attempt.start:quick-check"]),
        (("login", "user.password"), ["user.password:tina", "login:ann"]),
        (("user",), []),  # exact: no action is called just "user"
        (("*",), None),  # everything
        (("100%_*",), []),  # LIKE wildcards in a prefix are taken literally
    ],
)
def test_actions_exact_or_a_group(fresh_db, log, actions, expected):
    got = found(fresh_db, since=T0, actions=actions)
    assert got == (expected if expected is not None else found(fresh_db, since=T0))


def test_user_any_case_the_console_or_unknown(fresh_db, log):
    assert found(fresh_db, since=T0, user="TINA") == ["comment.add:Zoë Müller", "comment.add:ann"]
    assert found(fresh_db, since=T0, user=" ann ") == [
        "attempt.submit:quick-check",
        "attempt.start:quick-check",
        "login:ann",
    ]
    # The console: no actor, and not a failed sign-in (nobody known typed that one).
    # (boss made everyone else; boss was made at the console, now, after the T0 day.)
    assert found(fresh_db, user="console") == ["user.create:boss", "user.deactivate:cat"]
    with pytest.raises(NotFound, match="no user 'nobody'"):
        auditlog.search(fresh_db, None, AuditFilters(user="nobody"))


def test_target_and_free_text_without_case(fresh_db, log):
    assert found(fresh_db, since=T0, target="QUICK") == [
        "attempt.submit:quick-check",
        "attempt.start:quick-check",
    ]
    assert found(fresh_db, since=T0, target="100%") == []  # % is no wildcard
    # Free text looks in the target and the details, whatever the database keeps JSON as.
    assert found(fresh_db, since=T0, text="closed_by") == ["attempt.submit:quick-check"]
    assert found(fresh_db, since=T0, text="UNKNOWN USER") == ["login.failed:nobody"]
    assert found(fresh_db, since=T0, text="café") == ["comment.add:Zoë Müller"]
    assert found(fresh_db, since=T0, text='"hello"') == ["comment.add:Zoë Müller"]
    assert found(fresh_db, since=T0, text="Müller") == ["comment.add:Zoë Müller"]
    assert found(fresh_db, since=T0, text="tina") == ["user.create:tina", "user.password:tina"]


def test_filters_combine(fresh_db, log):
    got = found(fresh_db, since=T0, actions=("comment.*",), user="tina", text="ann")
    assert got == ["comment.add:ann"]


def test_distinct_actions_and_their_groups(fresh_db, log):
    names = auditlog.actions(fresh_db, log["boss"])
    assert names == [
        "attempt.start",
        "attempt.submit",
        "comment.add",
        "login",
        "login.failed",
        "user.create",
        "user.deactivate",
        "user.password",
    ]
    assert auditlog.groups(names) == ["attempt.*", "comment.*", "login*", "user.*"]


# --- paging -------------------------------------------------------------------------------------


def test_pages_cover_every_line_once_with_counts(fresh_db, log):
    total = len(logged(fresh_db))
    seen = []
    for number in range(1, 5):
        page = auditlog.search(fresh_db, None, page=number, per_page=4)
        assert (page.total, page.pages, page.page) == (total, 4, number)
        seen += [line.id for line in page.lines]
    assert sorted(seen) == sorted(r["id"] for r in logged(fresh_db))
    first = auditlog.search(fresh_db, None, page=1, per_page=4)
    assert first.label == f"1\u20134 of {total}"
    last = auditlog.search(fresh_db, None, page=99, per_page=4)
    assert (last.page, last.label) == (4, f"13\u2013{total} of {total}"), "past the end: the last"
    none = auditlog.search(fresh_db, None, AuditFilters(text="no such thing"))
    assert (none.total, none.lines, none.label, none.pages) == (0, [], "0 of 0", 1)
    with pytest.raises(ValueError, match="1 to 1000"):
        auditlog.search(fresh_db, None, per_page=0)


def test_thousands_are_grouped_and_ties_in_time_keep_a_stable_order(fresh_db, people):
    with writing(fresh_db) as conn:
        for i in range(1234):
            audit_store.record(conn, T0, None, "bulk", str(i))
    page = auditlog.search(fresh_db, None, AuditFilters(actions=("bulk",)), page=2, per_page=100)
    assert page.label == "101\u2013200 of 1,234"
    # Same time everywhere: newest first means highest id first.
    assert [line.target for line in page.lines] == [str(i) for i in range(1133, 1033, -1)]
    every = list(auditlog.lines(fresh_db, None, AuditFilters(actions=("bulk",))))
    assert [line.target for line in every] == [str(i) for i in range(1233, -1, -1)]


def test_reading_whole_goes_batch_by_batch(fresh_db, people, monkeypatch):
    monkeypatch.setattr(auditlog, "BATCH", 7)
    with writing(fresh_db) as conn:
        for i in range(30):  # pairs share a time: batches must not lose or repeat ties
            audit_store.record(conn, T0 + timedelta(seconds=i // 2), None, "bulk", str(i))
    every = [
        line.target for line in auditlog.lines(fresh_db, None, AuditFilters(actions=("bulk",)))
    ]
    assert every == [str(i) for i in range(29, -1, -1)]
    some = auditlog.lines(fresh_db, None, AuditFilters(actions=("bulk",)), limit=10)
    assert [line.target for line in some] == [str(i) for i in range(29, 19, -1)]


# --- who may read -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ann", "tina"])
def test_trainees_and_trainers_may_not_read_or_export(fresh_db, log, name):
    actor = log[name]
    for call in (
        lambda: auditlog.search(fresh_db, actor),
        lambda: auditlog.count(fresh_db, actor),
        lambda: auditlog.lines(fresh_db, actor),
        lambda: auditlog.actions(fresh_db, actor),
        lambda: auditlog.export(fresh_db, actor),
    ):
        with pytest.raises(Forbidden, match="the audit log is for managers"):
            call()
    assert not logged(fresh_db, "export"), "a refused export is not an export"


def test_a_deactivated_manager_may_not_read(fresh_db, log):
    accounts.create_user(fresh_db, None, "meg", PW, "manager")
    meg = useradmin.set_active(fresh_db, None, "meg", False)
    assert (meg.role, meg.active) == ("manager", False)
    with pytest.raises(Forbidden):
        auditlog.search(fresh_db, meg)


# --- no password material -----------------------------------------------------------------------


def test_no_line_ever_carries_a_password(fresh_db):
    secret, other = "s3cret-Passphrase!", "n3w-Passphrase-99"
    boss = accounts.init_first_manager(fresh_db, "boss", secret)
    accounts.create_user(fresh_db, boss, "ann", secret, "trainee", "north")
    accounts.authenticate(fresh_db, "ann", secret)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(fresh_db, "ann", other)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate(fresh_db, other, secret)  # a password typed as the username
    useradmin.set_password(fresh_db, boss, "ann", other)
    useradmin.set_password(fresh_db, None, "boss", other)
    rows = logged(fresh_db)
    assert {r["action"] for r in rows} >= {"user.create", "login", "login.failed", "user.password"}
    raw = json.dumps([{**r, "at": None} for r in rows], default=str)
    assert secret not in raw
    # Nor a password typed into the username box: a username nobody has is not kept.
    assert other not in raw
    data, _ = auditlog.export(fresh_db, None, AuditFilters(actions=("user.*", "login")))
    assert secret.encode() not in data
    assert other.encode() not in data


def test_secret_looking_details_are_redacted_even_if_written(fresh_db, people):
    with writing(fresh_db) as conn:
        audit_store.record(
            conn,
            T0,
            None,
            "oops",
            "x",
            password="hunter2",
            api_token="t",
            must_change_password=True,
        )
    [line] = auditlog.search(fresh_db, None, AuditFilters(actions=("oops",))).lines
    assert line.details == "api_token=[redacted], must_change_password=yes, password=[redacted]"
    data, _ = auditlog.export(fresh_db, None, AuditFilters(actions=("oops",)))
    assert b"hunter2" not in data


# --- exports ------------------------------------------------------------------------------------


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def test_csv_reads_back_with_hostile_targets_neutralised(fresh_db, people):
    with writing(fresh_db) as conn:
        for i, target in enumerate(HOSTILE):
            audit_store.record(
                conn,
                T0 + timedelta(seconds=i),
                people["tina"].id,
                "comment.add",
                target,
                note=target,
            )
    filters = AuditFilters(actions=("comment.add",))
    data, rows = auditlog.export(fresh_db, people["boss"], filters, now=T0 + timedelta(days=1))
    assert rows == len(HOSTILE)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    back = read(data)
    assert list(back.columns) == auditlog.COLUMNS
    newest_first = HOSTILE[::-1]
    assert back["target"].tolist() == [excel_safe(t) for t in newest_first]
    assert back["target"].tolist()[:2] == ["line one\nline two", 'Dubois, "Zoë"']  # as they were
    assert back["target"].tolist()[-1] == "'" + HOSTILE[0]
    assert all(not str(v).startswith(("=", "+", "-", "@", "\t")) for v in back["target"])
    assert back["actor"].unique().tolist() == ["tina"]
    assert back["at_utc"].tolist()[-1] == "2026-05-04T08:30:00Z"
    assert [json.loads(j)["note"] for j in back["detail_json"]] == newest_first
    assert back["id"].dtype.kind == "i"


def test_the_export_is_itself_logged_with_its_filters(fresh_db, log):
    filters = AuditFilters(since=T0, until=T0 + timedelta(days=1), actions=("login*",), user="bob")
    when = T0 + timedelta(days=2)
    _, rows = auditlog.export(fresh_db, log["boss"], filters, now=when)
    assert rows == 1
    [line] = logged(fresh_db, "export")
    assert (line["at"], line["actor_id"], line["target"]) == (when, log["boss"].id, "audit")
    assert line["detail"] == {
        "format": "csv",
        "rows": 1,
        "since": "2026-05-04T08:30:00Z",
        "until": "2026-05-05T08:30:00Z",
        "actions": ["login*"],
        "user": "bob",
    }
    again, _ = auditlog.export(fresh_db, log["boss"], AuditFilters(actions=("export",)))
    assert read(again)["target"].tolist() == ["audit"], "the next export lists the first"


def test_an_empty_export_is_a_header_and_still_logged(fresh_db, log):
    data, rows = auditlog.export(fresh_db, None, AuditFilters(text="nothing like this"), bom=False)
    assert (rows, data) == (0, (",".join(auditlog.COLUMNS) + "\r\n").encode())
    assert logged(fresh_db, "export")[0]["detail"]["rows"] == 0


def test_large_exports_are_written_in_batches_with_one_header(fresh_db, people, monkeypatch):
    monkeypatch.setattr(auditlog, "BATCH", 4)
    with writing(fresh_db) as conn:
        for i in range(10):
            audit_store.record(conn, T0 + timedelta(seconds=i), None, "bulk", f"=t{i}")
    data, rows = auditlog.export(fresh_db, None, AuditFilters(actions=("bulk",)))
    assert rows == 10
    assert (data.count(b"\xef\xbb\xbf"), data.count(b"id,at_utc")) == (1, 1)
    assert read(data)["target"].tolist() == [f"'=t{i}" for i in range(9, -1, -1)]
    js, rows = auditlog.export(fresh_db, None, AuditFilters(actions=("bulk",)), "json", limit=6)
    parsed = json.loads(js)
    assert rows == 6
    assert [r["target"] for r in parsed] == [f"=t{i}" for i in range(9, 3, -1)]
    assert parsed[0]["detail"] == {}
    assert list(parsed[0]) == ["id", "at_utc", "actor", "actor_name", "action", "target", "detail"]


def test_an_interrupted_export_is_logged_as_incomplete(fresh_db, log):
    class Broken(io.BytesIO):
        def write(self, data):
            raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        auditlog.write(fresh_db, None, Broken(), AuditFilters())
    assert logged(fresh_db, "export")[0]["detail"]["complete"] is False


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, db_url, log):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    return log


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_table_newest_first(capsys, cli, fresh_db):
    code, out, err = run(capsys, "--from", "2026-05-04", "--to", "2026-05-04", "--limit", "3")
    assert code == EXIT_OK
    assert out.splitlines() == [
        "when (UTC)           who        action           target      details",
        '2026-05-04 08:38:00  tina       comment.add      Zoë Müller  note="said \\"hello\\", café"',
        "2026-05-04 08:37:00  (console)  user.deactivate  cat         -",
        "2026-05-04 08:36:00  boss       user.password    tina        -",
    ]
    assert err == "3 of 9 matching lines, newest first (--limit 3; --limit 0 for all)\n"
    assert not logged(fresh_db, "export"), "reading the table is no export"


def test_cli_filters(capsys, cli):
    code, out, err = run(capsys, "--action", "login*", "--user", "BOB")
    assert (code, err) == (EXIT_OK, "1 matching line\n")
    assert out.splitlines()[1].split() == [
        "2026-05-04",
        "08:34:00",
        "bob",
        "login.failed",
        "bob",
        "locked=no,",
        "reason=password",
    ]
    code, out, _ = run(capsys, "--user", "console", "--action", "user.*")
    assert [row.split()[3:5] for row in out.splitlines()[1:]] == [
        ["user.create", "boss"],  # made now, so newer than the T0 day
        ["user.deactivate", "cat"],
    ]
    code, out, _ = run(capsys, "--target", "CA", "--action", "user.*", "comment.add")
    assert [row.split()[2:5] for row in out.splitlines()[1:]] == [
        ["boss", "user.create", "cat"],
        ["(console)", "user.deactivate", "cat"],
    ]
    code, out, _ = run(capsys, "--text", "closed_by")
    assert len(out.splitlines()) == 2


def test_cli_nothing_found_says_so_and_hints_at_groups(capsys, cli):
    code, out, err = run(capsys, "--action", "user")
    assert (code, out) == (EXIT_OK, "")
    assert err.splitlines() == [
        "no audit lines match",
        "note: no line in the log has the action 'user' (for every action under it: --action 'user.*')",
    ]


def test_cli_csv_and_json_are_logged_exports(capsysbinary, cli, fresh_db, tmp_path):
    code = main(["audit", "--format", "csv", "--action", "comment.add"])
    out, err = capsysbinary.readouterr()
    assert (code, err) == (EXIT_OK, b"")
    assert read(out)["target"].tolist() == ["Zoë Müller", "ann"]
    assert out.startswith(b"\xef\xbb\xbfid,at_utc,actor")
    capsys = capsysbinary
    target = tmp_path / "audit.json"
    code = main(["audit", "--format", "json", "--user", "tina", "-o", str(target)])
    assert (code, capsys.readouterr()) == (EXIT_OK, (b"", b"2 matching lines\n"))
    parsed = json.loads(target.read_text(encoding="utf-8"))
    assert [r["target"] for r in parsed] == ["Zoë Müller", "ann"]
    exports = logged(fresh_db, "export")
    assert [(e["actor_id"], e["target"], e["detail"]) for e in exports] == [
        (None, "audit", {"format": "csv", "rows": 2, "actions": ["comment.add"]}),
        (None, "audit", {"format": "json", "rows": 2, "user": "tina"}),
    ]


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--from", "2026-02-30"], EXIT_USAGE, "'2026-02-30' is not a date (expected YYYY-MM-DD)"),
        (
            ["--to", "yesterday"],
            EXIT_USAGE,
            "'yesterday' is not a date or time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        ),
        (["--from", "2026-05-05", "--to", "2026-05-04"], EXIT_USAGE, "--to is before --from"),
        (["--limit", "-1"], EXIT_USAGE, "--limit must be 0 (no limit) or more"),
        (["-o", "x.txt"], EXIT_USAGE, "--output is for --format csv or json"),
        (["--user", "nobody"], EXIT_INVALID, "no user 'nobody'"),
    ],
)
def test_cli_errors_and_exit_codes(capsys, cli, argv, code, message):
    got, out, err = run(capsys, *argv)
    assert (got, out) == (code, "")
    assert err.startswith(f"resurface: error: {message}")


def test_cli_times_and_limit_zero(capsys, cli):
    code, out, _ = run(capsys, "--from", "2026-05-04T08:35", "--to", "2026-05-04T08:37:00Z")
    assert code == EXIT_OK
    assert [row.split()[3] for row in out.splitlines()[1:]] == ["user.password", "comment.add"]
    code, out, err = run(capsys, "--limit", "0")
    assert code == EXIT_OK
    assert len(out.splitlines()) == 1 + 6 + 9
    assert err == "15 matching lines\n"
