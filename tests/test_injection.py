"""Hostile text in usernames, display names, cohorts and filters: SQL metacharacters, LIKE
wildcards, backslashes, NUL, and spreadsheet formulas (also in their full-width forms).

Made through the core and through the CSV import, such text is stored and shown exactly as
written, a filter matches it only literally, every export neutralises a formula with a leading
``'``, and afterwards every table is still there with every row it had.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from xml.sax.saxutils import escape

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select
from ui_helpers import open_page, shipped_catalogue, sign_in

from app import (
    accounts,
    auditlog,
    certification,
    dashboard,
    exports,
    reports,
    useradmin,
    userimport,
)
from app.accounts import InvalidUser
from app.bank import Catalogue
from app.exports import excel_safe
from app.store.tables import metadata, users
from conftest import PW, finish

# (username, display name, cohort): usernames may hold no spaces; names and cohorts anything.
HOSTILE = [
    ("o'brien';--", "'; DROP TABLE users; --", "'; DROP TABLE users; --"),
    ('"or"1"="1"--', '" OR 1=1 --', '" OR ""="'),
    ("%", "100% sure", "%"),
    ("_", "under_score", "_"),
    ("back\\slash", "C:\\Users\\x \\' \\\\", "\\"),
    ("=cmd|'/C_calc'!A0", "=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ("+1", "+1 555 0100", "+1"),
    ("-1", "-1", "-2+3"),
    ("@SUM(A1)", "@SUM(1+1)*cmd|' /C calc'!A0", "@north"),
    ("robert');DROP", "Robert'); DROP TABLE attempts; --", "1; DELETE FROM audit_log"),
    ("fw-eq", '\uff1dHYPERLINK("http://x")', "\uff0b1"),
    ("fw-at", "\uff20SUM(1)", "\uff0d1"),
    ("lead-space", "  =1+1", "north\u200d"),
]
# The filters a person types, each of which must match only its literal cohort.
WILDCARDS = ["%", "_", "\\", "'; DROP TABLE users; --", '" OR ""="']


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def tables_intact(engine, people_before: int) -> None:
    """Every table is still there, and nobody has gone."""
    names = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(users)).scalar_one() >= people_before


def expected_username(name: str) -> str:
    return accounts.check_username(name)  # NFKC: a full-width = is an = in a username


def make_hostile(engine, boss) -> list[accounts.User]:
    made = []
    for name, shown, cohort in HOSTILE:
        made.append(accounts.create_user(engine, boss, name, PW, "trainee", cohort, shown))
    return made


def stored(shown: str) -> str:
    """A display name as kept: without spaces around it (so "  =1+1" is a formula again)."""
    return shown.strip()


def test_made_through_the_core_they_read_back_exactly(people, fresh_db):
    made = make_hostile(fresh_db, people["boss"])
    tables_intact(fresh_db, len(people) + len(HOSTILE))
    listed = {u.username: u for u in accounts.list_users(fresh_db, people["boss"])}
    for (name, shown, cohort), user in zip(HOSTILE, made, strict=True):
        back = listed[expected_username(name)]
        assert (back.display_name, back.cohort) == (stored(shown), cohort)
        assert accounts.get_user(fresh_db, people["boss"], name) == back
        assert accounts.authenticate(fresh_db, name, PW).id == user.id
    edited = useradmin.edit_user(fresh_db, people["boss"], "%", display_name="'; --", cohort="_")
    assert (edited.user.display_name, edited.user.cohort) == ("'; --", "_")
    assert accounts.get_user(fresh_db, people["boss"], "_").display_name == "under_score"


def test_made_through_the_csv_import_they_read_back_exactly(people, fresh_db):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "display_name", "cohort", "password"])
    writer.writerows([[n, s, c, ""] for n, s, c in HOSTILE])
    data = out.getvalue().encode()
    preview = userimport.preview(fresh_db, people["boss"], data)
    assert preview.report() == []
    imported = userimport.apply(fresh_db, people["boss"], data)
    tables_intact(fresh_db, len(people) + len(HOSTILE))
    listed = {u.username: u for u in accounts.list_users(fresh_db, None)}
    for name, shown, cohort in HOSTILE:
        back = listed[expected_username(name)]
        assert (back.display_name, back.cohort) == (stored(shown), cohort)
    # The sign-in sheet is a CSV too: formulas in it are neutralised like in any export.
    sheet = list(csv.DictReader(io.StringIO(imported.passwords_csv().decode("utf-8-sig"))))
    assert [r["display_name"] for r in sheet] == [excel_safe(stored(s)) for _, s, _ in HOSTILE]
    assert [r["cohort"] for r in sheet] == [excel_safe(c) for _, _, c in HOSTILE]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("display_name", "Ann\x00Lee", "display name may not contain control characters"),
        ("display_name", "Ann\x1b[31mLee", "display name may not contain control characters"),
        ("cohort", "north\x00", "cohort may not contain control characters"),
        ("cohort", "no\x7frth", "cohort may not contain control characters"),
        ("username", "ann\x00", "username may not contain spaces or control characters"),
        ("display_name", "Ann \u202eeeL", "display name may not contain control characters"),
        ("cohort", "north\u2066", "cohort may not contain control characters"),
        ("username", "ann\u202e", "username may not contain spaces or control characters"),
        ("username", "ß" * 64, "username must be 1 to 64 characters"),
    ],
)
def test_nul_and_other_control_characters_are_refused_with_a_reason(
    people, fresh_db, field, value, message
):
    """PostgreSQL cannot store NUL at all; a clear refusal on every database, nothing saved."""
    given = {"username": "newbie", "display_name": "New Bie", "cohort": "north"} | {field: value}
    before = len(accounts.list_users(fresh_db, None))
    with pytest.raises(InvalidUser, match=f"^{message}$"):
        accounts.create_user(
            fresh_db, people["boss"], given["username"], PW, "trainee", given["cohort"],
            given["display_name"],
        )  # fmt: skip
    if field != "username":
        with pytest.raises(InvalidUser, match=f"^{message}$"):
            useradmin.edit_user(fresh_db, people["boss"], "ann", **{field: value})
    assert len(accounts.list_users(fresh_db, None)) == before
    assert accounts.get_user(fresh_db, people["boss"], "ann") == people["ann"]


def test_control_characters_in_an_import_are_reported_by_row(people, fresh_db):
    data = (
        b"username,display_name,cohort\r\n"
        b"dan,Dan \x1b[2J Dee,north\r\n"
        b"eve,Eve,nor\x07th\r\n"
        b"fay,Fay,north\r\n"
    )
    preview = userimport.preview(fresh_db, people["boss"], data)
    assert preview.report() == [
        "row 2: display_name: may not contain control characters",
        "row 3: cohort: may not contain control characters",
    ]
    with pytest.raises(userimport.ImportRefused):
        userimport.apply(fresh_db, people["boss"], data)
    assert "fay" not in {u.username for u in accounts.list_users(fresh_db, None)}
    nul = b"username,display_name,cohort\r\ndan,Dan\x00,north\r\n"
    assert userimport.preview(fresh_db, people["boss"], nul).report() == [
        "this is not a CSV file (it contains binary data)"
    ]


@pytest.fixture
def hostile(people, fresh_db, catalogue) -> list[accounts.User]:
    """The hostile trainees, each with a submitted attempt at the quick check."""
    made = make_hostile(fresh_db, people["boss"])
    for user in made:
        finish(fresh_db, user, catalogue, "quick-check", right=1)
    finish(fresh_db, people["ann"], catalogue, "quick-check", right=1)
    return made


@pytest.mark.parametrize("wildcard", WILDCARDS)
def test_a_filter_matches_its_cohort_literally_and_nothing_else(
    people, fresh_db, catalogue, hostile, wildcard
):
    boss = people["boss"]
    mine = {u.username for u in hostile if u.cohort == wildcard}
    assert len(mine) == 1
    assert {u.username for u in accounts.list_users(fresh_db, boss, cohort=wildcard)} == mine
    assert {i.user.username for i in useradmin.find_users(fresh_db, boss, cohort=wildcard)} == mine
    board = dashboard.cohort_dashboard(
        fresh_db, boss, catalogue, dashboard.DashboardFilters(cohort=wildcard)
    )
    assert set(board.trainees["username"]) == mine
    assert len(board.attempts) == 1
    roster = certification.trainee_statuses(fresh_db, boss, catalogue, cohort=wildcard)
    assert set(roster["username"]) == mine
    answers = reports.quiz_responses(fresh_db, boss, "quick-check", cohort=wildcard)
    assert set(answers["user_id"]) == {u.id for u in hostile if u.cohort == wildcard}
    filters = exports.ExportFilters(cohort=wildcard)
    for kind in exports.KINDS:
        frame = read(exports.export(fresh_db, boss, kind, filters, catalogue=catalogue)[0])
        assert set(frame["username"]) == {excel_safe(n) for n in mine}, kind
    tables_intact(fresh_db, len(people) + len(HOSTILE))


def test_searching_for_wildcards_finds_only_names_holding_them(people, fresh_db, hostile):
    boss = people["boss"]
    found = {i.user.username for i in useradmin.find_users(fresh_db, boss, search="%")}
    assert found == {"%"}  # "100% sure" is the display name of "%" itself
    found = {i.user.username for i in useradmin.find_users(fresh_db, boss, search="_")}
    assert found == {"_", "=cmd|'/C_calc'!A0"}
    # The audit log's filters: its targets include every hostile username.
    by_target = auditlog.search(fresh_db, boss, auditlog.AuditFilters(target="%"), per_page=1000)
    assert {line.target for line in by_target.lines} == {"%"}
    by_text = auditlog.search(fresh_db, boss, auditlog.AuditFilters(text="_"), per_page=1000)
    assert all("_" in (line.target or "") + json.dumps(line.detail) for line in by_text.lines)
    assert by_text.lines


def read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_every_export_neutralises_formulas_and_keeps_the_rest_literal(
    people, fresh_db, catalogue, hostile
):
    boss = people["boss"]
    want = {
        excel_safe(u.username): {
            "display_name": excel_safe(u.display_name),
            "cohort": excel_safe(u.cohort),
        }
        for u in hostile
    }
    for kind in exports.KINDS:
        frame = read(exports.export(fresh_db, boss, kind, catalogue=catalogue)[0])
        frame = frame[frame["username"].isin(want)]
        assert set(frame["username"]) == set(want), kind
        for _, row in frame.iterrows():
            for column in ("display_name", "cohort"):
                if column in frame.columns:
                    assert row[column] == want[row["username"]][column], (kind, column)
        risky = [c for c in frame.to_numpy().ravel() if c[:1] in exports.FORMULA_START]
        assert risky == [], kind
    log = read(auditlog.export(fresh_db, boss)[0])
    targets = set(log["target"])
    assert {excel_safe(expected_username(n)) for n, _, _ in HOSTILE} <= targets
    assert not [c for c in log.to_numpy().ravel() if c[:1] in exports.FORMULA_START]
    tables_intact(fresh_db, len(people) + len(HOSTILE))


def test_pages_show_hostile_names_as_plain_text(ui, fresh_db, catalogue):
    made = make_hostile(fresh_db, ui["boss"])
    at = open_page(sign_in("boss"), "users")
    table = at.dataframe[0].value
    shown = dict(zip(table["Username"], table["Name"], strict=True))
    for user in made:
        assert shown[user.username] == user.display_name
    at = open_page(at, "trainees")
    table = at.dataframe[0].value
    assert {u.username for u in made} <= set(table["Username"])
    assert {u.cohort for u in made} <= set(table["Cohort"])


def test_a_display_name_with_markdown_shows_no_link(ui, fresh_db):
    link = "[Reset your password](https://evil.example)"
    accounts.create_user(fresh_db, ui["boss"], "mallory", PW, "trainee", "north", link)
    at = sign_in("mallory")
    sources = [e.value for e in (*at.title, *at.markdown, *at.sidebar.markdown)]
    assert any("Reset your password" in s for s in sources), "the name is shown somewhere"
    assert not [s for s in sources if link in s], "shown as Markdown, it is a working link"


# A formula after a separator: in a locale whose list separator is ; (or tab, or |), a
# spreadsheet cuts the line there, quotes or not, and the piece after it is a cell of its own.
SEPARATED = [
    ("semi", "Ann Lee;=2+3;", "north;=2+3;"),
    ("comma", "Lee, +1 555 0100", "south, @SUM(A1)"),
    ("tab", "Tab\t-2+3", "x\t=1"),
    ("pipe", 'a|=HYPERLINK("http://x")', "b| \uff1dcmd"),
    ("quote", 'q;"=1', "line\n=2"),
]


def cells(data: bytes, delimiter: str) -> list[str]:
    text = data.decode("utf-8-sig")
    return [
        c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for c in row
    ]


def test_no_csv_export_has_a_formula_cell_whatever_the_list_separator(
    people, fresh_db, catalogue, hostile
):
    boss = people["boss"]
    data = io.StringIO()
    writer = csv.writer(data)
    writer.writerow(["username", "display_name", "cohort"])
    writer.writerows(SEPARATED)
    imported = userimport.apply(fresh_db, boss, data.getvalue().encode())
    for name, _, _ in SEPARATED:
        finish(fresh_db, accounts.get_user(fresh_db, boss, name), catalogue, "quick-check", 2)
    files = {
        kind: exports.export(fresh_db, boss, kind, catalogue=catalogue)[0] for kind in exports.KINDS
    }
    files["audit log"] = auditlog.export(fresh_db, boss)[0]
    files["sign-in sheet"] = imported.passwords_csv()
    for what in ("attempts", "certifications", "sign-in sheet"):
        assert "\"'Ann Lee;'=2+3;\"" in files[what].decode("utf-8-sig"), what
    for what, data in files.items():
        for delimiter in (",", ";", "\t", "|"):
            risky = [c for c in cells(data, delimiter) if c.lstrip()[:1] in exports.FORMULA_START]
            assert risky == [], (what, delimiter)


@pytest.mark.parametrize("kind", exports.KINDS)
def test_no_xlsx_export_has_a_formula_cell(people, fresh_db, catalogue, hostile, kind):
    data, _ = exports.export(fresh_db, people["boss"], kind, catalogue=catalogue, fmt="xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        assert "xl/calcChain.xml" not in book.namelist()
    assert "<f>" not in sheet
    assert "<hyperlink" not in sheet
    for _, shown, cohort in HOSTILE:
        assert f"<t>{escape(cohort)}</t>" in sheet, "written as it is, as text"
        if kind != "responses":
            assert f"<t>{escape(stored(shown))}</t>" in sheet
