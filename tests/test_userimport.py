"""Bulk import of trainees: the row report, formats spreadsheets write, all or nothing, the audit."""

from __future__ import annotations

import io
import threading

import pandas as pd
import pytest

from app import accounts, useradmin, userimport
from app.accounts import Forbidden
from app.store import audit as audit_store
from app.userimport import MAX_ROWS, ImportRefused
from conftest import PW

GOOD = (
    "username,display_name,cohort,password\r\n"
    "dan,Dan Dee,north,\r\n"
    'eve,"Lee, Eve",north,a temporary one\r\n'
)


def csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def report(engine, actor, data: bytes) -> list[str]:
    return userimport.preview(engine, actor, data).report()


def usernames(engine) -> list[str]:
    return [u.username for u in accounts.list_users(engine, None)]


def test_a_valid_file_previews_clean_and_imports_every_row(people, fresh_db):
    preview = userimport.preview(fresh_db, people["tina"], csv(GOOD))
    assert preview.ok
    assert preview.report() == []
    assert [(r.number, r.username, r.display_name, r.cohort) for r in preview.rows] == [
        (2, "dan", "Dan Dee", "north"),
        (3, "eve", "Lee, Eve", "north"),
    ]
    assert list(preview.frame()["Password"]) == ["generated", "from the file"]

    seen = []
    imported = userimport.apply(
        fresh_db, people["tina"], csv(GOOD), lambda d, t: seen.append((d, t))
    )
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert [(u.username, u.role, u.cohort) for u in imported.users] == [
        ("dan", "trainee", "north"),
        ("eve", "trainee", "north"),
    ]
    sheet = pd.read_csv(io.BytesIO(imported.passwords_csv()), encoding="utf-8-sig", dtype=str)
    assert list(sheet.columns) == ["username", "display_name", "cohort", "temporary_password"]
    dan_password = sheet.loc[0, "temporary_password"]
    assert sheet.loc[1].tolist() == ["eve", "Lee, Eve", "north", "(as in your file)"]
    dan = accounts.authenticate(fresh_db, "dan", dan_password)
    eve = accounts.authenticate(fresh_db, "eve", "a temporary one")
    assert dan.must_change_password
    assert eve.must_change_password
    assert dan.display_name == "Dan Dee"


def test_the_import_is_in_the_audit_log_without_passwords(people, fresh_db):
    imported = userimport.apply(fresh_db, people["boss"], csv(GOOD))
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn)
    created = [
        line for line in lines if line["action"] == "user.create" and line["detail"].get("imported")
    ]
    assert [line["target"] for line in created] == ["dan", "eve"]
    assert all(line["actor_id"] == people["boss"].id for line in created)
    [summary] = [line for line in lines if line["action"] == "user.import"]
    assert summary["detail"] == {"rows": 2, "cohorts": ["north"], "generated_passwords": 1}
    text = str(lines)
    assert "a temporary one" not in text
    assert all(p not in text for p in imported.generated.values())


def test_every_problem_is_reported_by_row_and_nothing_is_imported(people, fresh_db):
    useradmin.set_active(fresh_db, people["boss"], "bob", False)
    data = csv(
        "username,display_name,cohort,password\n"
        "fay,Fay,north,\n"  # row 2: fine
        "ANN,Ann Again,north,\n"  # row 3
        "bob,Bob Again,north,\n"  # row 4: a deactivated account
        ",,,\n"  # row 5
        "Fay,Fay Two,north,\n"  # row 6: same as row 2, ignoring case
        "gus,,,short\n"  # row 7
        "two words,Hal,south,\n"  # row 8: and south is not tina's
        "ida,Ida,north,,extra\n"  # row 9
        "jo,Jo,north,welcome123\n"  # row 10: a most common password
        "kim.lee,Kim Lee,north,kim-lee-2026\n"  # row 11: built from her name
        "\u0430nn,Ann Too,north,\n"  # row 12: a Cyrillic a: looks like ann
        "mary,Mary,north,\n"  # row 13: fine
        "rnary,Rn Ary,north,\n"  # row 14: looks like row 13
    )
    assert report(fresh_db, people["tina"], data) == [
        "row 3: username: already taken",
        "row 4: username: already taken (by a deactivated account)",
        "row 5: empty row (delete it, or fill it in)",
        "row 6: username: same as row 2",
        "row 7: display_name: missing",
        "row 7: cohort: missing (every trainee needs one)",
        "row 7: password: must be at least 10 characters",
        "row 8: username: may not contain spaces or control characters",
        "row 8: cohort: you may add trainees to your own cohort 'north' only",
        "row 9: 5 cells but the header names 4 columns (a comma inside a name? put the name in double quotes)",
        "row 10: password: is too easy to guess (this is a very common password); a short sentence "
        "of your own is better",
        "row 11: password: is built from the account's own name; choose other words",
        "row 12: username: could be mistaken for the existing 'ann'",
        "row 14: username: could be mistaken for 'mary' of row 13",
    ]
    before = usernames(fresh_db)
    with pytest.raises(ImportRefused, match="nothing imported: the file has 14 problems") as info:
        userimport.apply(fresh_db, people["tina"], data)
    assert len(info.value.preview.report()) == 14
    assert usernames(fresh_db) == before


def test_a_manager_may_use_any_cohort_and_is_told_of_new_ones(people, fresh_db):
    data = csv("username,display_name,cohort\njo,Jo,south\nkim,Kim,west\n")
    preview = userimport.preview(fresh_db, people["boss"], data)
    assert preview.ok
    assert [r.notes for r in preview.rows] == [(), ("new cohort 'west'",)]
    assert list(preview.frame()["Notes"]) == ["", "new cohort 'west'"]


def test_excel_files_semicolons_bom_and_loose_header_names(people, fresh_db):
    data = csv(
        "\ufeffUser Name;Display Name;COHORT;Temporary Password\r\nlea;Léa Müller;north;\r\n"
    )
    preview = userimport.preview(fresh_db, people["boss"], data)
    assert preview.report() == []
    assert [(r.username, r.display_name, r.cohort) for r in preview.rows] == [
        ("lea", "Léa Müller", "north")
    ]
    tabs = csv("username\tdisplay_name\tcohort\nmo\tMo\tnorth\n")
    assert userimport.preview(fresh_db, people["boss"], tabs).ok


def test_trailing_empty_rows_are_ignored_and_quoted_line_breaks_keep_numbering(people, fresh_db):
    data = csv(
        'username;display_name;cohort\r\nnia;"Nia\r\nNew";north\r\nx y;Oz;north\r\n;;\r\n;;\r\n'
    )
    assert report(fresh_db, people["boss"], data) == [
        "row 3: username: may not contain spaces or control characters"
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf", "the file is empty"),
        (
            "username,display_name,cohort\nzoë,Zoë,north\n".encode("latin-1"),
            "the file is not UTF-8 text (byte 32): save it as 'CSV UTF-8' from your spreadsheet",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "this is an Excel workbook, not a CSV file: in Excel choose File > Save As > CSV UTF-8 (comma delimited), then upload that",
        ),
        (b"username,display\x00,cohort\n", "this is not a CSV file (it contains binary data)"),
        (
            b"ann,Ann,north\n",
            "row 1: the first row must name the columns (expected username, display_name, cohort and optionally password)",
        ),
        (b"username,display_name,cohort\n", "the file has a header but no trainees below it"),
    ],
    ids=["empty", "bom-only", "latin-1", "xlsx", "binary", "no-header", "header-only"],
)
def test_files_that_cannot_be_read_say_why(people, fresh_db, data, problem):
    preview = userimport.preview(fresh_db, people["boss"], data)
    assert preview.report() == [problem]
    assert not preview.ok


def test_wrong_and_missing_columns(people, fresh_db):
    data = csv("username,email,display_name,username\nann,a@b,Ann,ann\n")
    assert report(fresh_db, people["boss"], data) == [
        "row 1: unknown column 'email' (expected username, display_name, cohort and optionally password)",
        "row 1: column 'username' appears 2 times",
        "row 1: missing column 'cohort'",
    ]


def test_too_many_rows(people, fresh_db):
    rows = "".join(f"t{i},T {i},north\n" for i in range(MAX_ROWS + 1))
    data = csv("username,display_name,cohort\n" + rows)
    assert report(fresh_db, people["boss"], data) == [
        f"the file has {MAX_ROWS + 1} rows of trainees; import at most {MAX_ROWS}"
    ]


def test_trainees_may_not_import(people, fresh_db):
    with pytest.raises(Forbidden):
        userimport.preview(fresh_db, people["ann"], csv(GOOD))
    with pytest.raises(Forbidden):
        userimport.apply(fresh_db, people["ann"], csv(GOOD))


def test_a_username_taken_between_preview_and_import_stops_the_whole_import(
    people, fresh_db, monkeypatch
):
    """Someone else adds 'eve' while the passwords are being hashed: nothing of the file is kept."""
    real = userimport._hash_all

    def slow_hash(passwords, progress):
        hashes = real(passwords, progress)
        done = threading.Thread(
            target=accounts.create_user,
            args=(fresh_db, people["boss"], "eve", PW, "trainee", "south"),
        )
        done.start()
        done.join()
        return hashes

    monkeypatch.setattr(userimport, "_hash_all", slow_hash)
    with pytest.raises(ImportRefused) as info:
        userimport.apply(fresh_db, people["boss"], csv(GOOD))
    assert info.value.preview.report() == ["row 3: username: already taken"]
    assert "dan" not in usernames(fresh_db)


def test_the_template_is_a_valid_import(people, fresh_db):
    assert userimport.preview(fresh_db, people["boss"], userimport.template_csv()).ok
