"""CSV exports: Excel-safe cells, RFC 4180 quoting, read back by pandas, and who may export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from app import accounts, config, exports
from app.accounts import Forbidden
from app.bank import load
from app.cli import EXIT_OK, EXIT_USAGE, main
from app.store import audit as audit_store
from conftest import PW, finish

T0 = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
HOSTILE = [
    'Dubois, "Zoë"',
    "line one\nline two",
    '=HYPERLINK("http://x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\tTAB",
    "\uff1dcmd",
    "plain",
]


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd", "'-cmd"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t'=1"),  # a tab or line break starts a cell too: the = after it gets a '
        ("\r=1", "'\r'=1"),
        ("\n=1", "'\n'=1"),
        ("\tTAB", "'\tTAB"),
        ("\uff1d1", "'\uff1d1"),
        ("\uff0b1", "'\uff0b1"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20A1", "'\uff20A1"),
        ("a=1", "a=1"),
        # A separator, then (after spaces or double quotes) a trigger: a cell in some locale.
        ("Ann Lee;=2+3;", "'Ann Lee;'=2+3;"),
        ("Lee, +1 555 0100", "'Lee, '+1 555 0100"),
        ("a|@SUM(A1)", "'a|'@SUM(A1)"),
        ("a\t-1", "'a\t'-1"),
        ("a;\n=1", "'a;\n'=1"),
        ('a;"=1', "'a;\"'=1"),
        ("a; \u3000\uff1d1", "'a; \u3000'\uff1d1"),
        ("=1;=2", "'=1;'=2"),
        ("a;;=1", "'a;;'=1"),
        ("a;'=1", "a;'=1"),  # already text after the ;
        ("a - b; c", "a - b; c"),
        ("1,5;2", "1,5;2"),
        ("Dubois, Zoë", "Dubois, Zoë"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_formula_like_text_is_neutralised_and_numbers_are_not(value, shown):
    assert exports.excel_safe(value) == shown


def test_body_text_is_quoted_and_numbers_booleans_and_the_header_are_not():
    frame = pd.DataFrame(
        {
            "name": ["Ann Lee;=2+3;", "plain", None],
            "score": [-1.5, 2.0, float("nan")],
            "count": pd.array([3, None, 1], dtype="Int64"),
            "passed": [True, None, False],
        }
    )
    assert exports.to_csv(frame, bom=False).decode().split("\r\n") == [
        "name,score,count,passed",
        "\"'Ann Lee;'=2+3;\",-1.5,3,True",
        '"plain",2.0,"",""',
        '"","",1,False',
        "",
    ]


def test_csv_reads_back_with_every_awkward_value_intact():
    frame = pd.DataFrame({"name": HOSTILE, "score": [-1.5, 0, 2, 3, 4, 5, 6, 7, 8]})
    data = exports.to_csv(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    back = read(data)
    expected = [exports.excel_safe(v) for v in HOSTILE]
    assert back["name"].tolist() == expected
    assert back["name"].tolist()[:2] == ['Dubois, "Zoë"', "line one\nline two"]
    assert back["score"].tolist() == [-1.5, 0, 2, 3, 4, 5, 6, 7, 8]  # numbers stay numbers
    assert not exports.to_csv(frame, bom=False).startswith(b"\xef\xbb\xbf")


@pytest.fixture
def taken(fresh_db, people, catalogue):
    """ann passed the quick check on 4 May; bob failed it on 6 May; cat (south) took a practice."""
    return {
        "ann": finish(fresh_db, people["ann"], catalogue, "quick-check", None, T0),
        "bob": finish(fresh_db, people["bob"], catalogue, "quick-check", 3, T0 + timedelta(2)),
        "cat": finish(fresh_db, people["cat"], catalogue, "practice-aftercare", None, T0),
    }


def test_attempts_export_has_one_row_per_attempt_with_its_scores(
    fresh_db, people, taken, catalogue
):
    frame = read(exports.export(fresh_db, people["boss"], "attempts")[0])
    assert frame.columns.tolist()[: len(exports.ATTEMPT_COLUMNS)] == exports.ATTEMPT_COLUMNS
    assert frame["attempt_id"].tolist() == sorted(taken.values())
    ann = frame[frame["username"] == "ann"].iloc[0]
    assert ann["started_at"] == "2026-05-04T08:30:00Z"
    assert ann["submitted_at"] == "2026-05-04T08:35:00Z"
    assert ann["duration_seconds"] == 300
    assert (ann["status"], ann["mode"], ann["quiz_title"]) == ("submitted", "exam", "Quick check")
    assert (ann["points"], ann["max_points"], ann["score_percent"]) == (10, 10, 100)
    assert (ann["pass_mark"], ann["passed"]) == (catalogue.quizzes["quick-check"].pass_mark, True)
    bob = frame[frame["username"] == "bob"].iloc[0]
    assert (bob["score_percent"], bob["passed"]) == (30, False)
    topics = [c for c in frame.columns if c.startswith("topic_")]
    assert "topic_aftercare_percent" in topics
    assert frame.loc[frame["username"] == "cat", "topic_aftercare_percent"].tolist() == [100]


def test_attempts_export_filters_by_date_cohort_and_quiz(fresh_db, people, taken):
    def names(**given):
        filters = exports.ExportFilters(**given)
        return read(exports.export(fresh_db, people["boss"], "attempts", filters)[0])["username"]

    assert names(cohort="south").tolist() == ["cat"]
    assert names(quiz_id="quick-check").tolist() == ["ann", "bob"]
    assert names(since=T0 + timedelta(days=1)).tolist() == ["bob"]
    assert sorted(names(until=T0 + timedelta(days=1))) == ["ann", "cat"]


def test_hostile_names_are_exported_literally_and_neutralised(fresh_db, people, catalogue):
    evil = accounts.create_user(
        fresh_db, people["boss"], "eve", PW, "trainee", "=cmd|' /C calc'!A0", '=HYPERLINK("x"), "é"'
    )
    finish(fresh_db, evil, catalogue, "quick-check", 1, T0)
    frame = read(exports.export(fresh_db, people["boss"], "attempts")[0])
    row = frame[frame["username"] == "eve"].iloc[0]
    assert row["display_name"] == '\'=HYPERLINK("x"), "é"'
    assert row["cohort"] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize("kind", exports.KINDS)
@pytest.mark.parametrize("who", ["ann", "tina"])
def test_only_managers_export(fresh_db, people, taken, catalogue, who, kind):
    with pytest.raises(Forbidden):
        exports.export(fresh_db, people[who], kind, catalogue=catalogue)
    with fresh_db.connect() as conn:
        assert audit_store.lines(conn, "export") == []


def test_every_export_is_in_the_audit_log(fresh_db, people, taken):
    _, rows = exports.export(
        fresh_db, people["boss"], "attempts", exports.ExportFilters(cohort="north", since=T0)
    )
    with fresh_db.connect() as conn:
        (line,) = audit_store.lines(conn, "export")
    assert line["actor_id"] == people["boss"].id
    assert line["target"] == "attempts"
    assert line["detail"] == {
        "format": "csv",
        "rows": rows,
        "since": T0.isoformat(),
        "until": None,
        "cohort": "north",
        "quiz_id": None,
    }
    assert rows == 2


def test_cli_writes_the_same_bytes_as_the_core(
    fresh_db, db_url, people, taken, tmp_path, monkeypatch
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    out = tmp_path / "attempts.csv"
    command = ["export", "attempts", "--from", "2026-05-04", "--to", "2026-05-05", "-o", str(out)]
    assert main(command) == EXIT_OK
    filters = exports.ExportFilters(
        since=T0.replace(hour=0, minute=0), until=datetime(2026, 5, 6, tzinfo=UTC)
    )
    assert out.read_bytes() == exports.export(fresh_db, None, "attempts", filters)[0]
    assert sorted(read(out.read_bytes())["username"]) == ["ann", "cat"]
    assert main([*command, "--no-bom"]) == EXIT_OK
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_refuses_a_bad_date(db_url, monkeypatch, capsys):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    assert main(["export", "attempts", "--from", "4 May"]) == EXIT_USAGE
    assert "'4 May' is not a date (expected YYYY-MM-DD)" in capsys.readouterr().err


SEPARATED = [
    ("lee", "Ann Lee;=2+3;", "north;=2+3;"),
    ("kim", "Kim, +1 555 0100", "x\t=1"),
    ("zed", 'Zed;"=HYPERLINK(""http://x"")', "a|@SUM(A1)"),
    ("roy", "Roy; \uff1dcmd", "=north,-1"),
]


def no_formula_whatever_the_separator(data: bytes) -> None:
    """Read as a spreadsheet in any locale would: no cell starts with a formula trigger."""
    text = data.decode("utf-8-sig")
    for delimiter in (",", ";", "\t", "|"):
        cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                 for c in row]  # fmt: skip
        risky = [c for c in cells if c.lstrip()[:1] in exports.FORMULA_START]
        assert risky == [], repr(delimiter)


@pytest.fixture
def separated(fresh_db, people, catalogue) -> None:
    for name, shown, cohort in SEPARATED:
        user = accounts.create_user(fresh_db, people["boss"], name, PW, "trainee", cohort, shown)
        finish(fresh_db, user, catalogue, "quick-check", 2, T0)


@pytest.mark.parametrize("kind", exports.KINDS)
def test_a_formula_after_a_separator_is_quoted_and_neutralised(
    fresh_db, people, catalogue, separated, kind
):
    data = exports.export(fresh_db, people["boss"], kind, catalogue=catalogue)[0]
    assert "\"'north;'=2+3;\"" in data.decode("utf-8-sig"), "quoted, with a ' before each ="
    if kind != "responses":
        assert "\"'Ann Lee;'=2+3;\"" in data.decode("utf-8-sig")
    no_formula_whatever_the_separator(data)
    frame = read(data)
    for name, shown, cohort in SEPARATED:
        row = frame[frame["username"] == name].iloc[0]
        assert row["cohort"] == exports.excel_safe(cohort)
        if "display_name" in frame.columns:
            assert row["display_name"] == exports.excel_safe(shown)


def test_cli_writes_a_formula_after_a_separator_quoted_and_neutralised(
    fresh_db, db_url, people, separated, tmp_path, monkeypatch
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    out = tmp_path / "out" / "attempts.csv"
    out.parent.mkdir()
    assert main(["export", "attempts", "-o", str(out)]) == EXIT_OK
    data = out.read_bytes()
    assert "\"'Ann Lee;'=2+3;\"" in data.decode("utf-8-sig")
    no_formula_whatever_the_separator(data)
    assert data == exports.export(fresh_db, None, "attempts")[0]
