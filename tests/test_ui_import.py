"""The Import questions page and the Question bank page's Export bank, through AppTest: who may
write, the report before writing, the audited write, the download."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from ui_helpers import open_page, sign_in, titles, values, widget_keys

from app import config, useradmin
from app.bank import load
from app.interop import banks, gift
from app.ui import keys
from app.ui.views import bank_export

GIFT = b"""\
::Sun::What should the client avoid after treatment?{
  =Sun on the treated skin ~Cold water on the skin ~Gentle daily cleansing
  ####The new skin is sensitive to light.
}

<b>Bold</b> text is shown as typed.{F}

::Essay::Describe your aftercare talk.{}
"""


@pytest.fixture
def content(monkeypatch, tmp_path) -> Path:
    copy = Path(shutil.copytree(config.PROJECT_ROOT / "quizzes", tmp_path / "quizzes"))
    monkeypatch.setenv("RESURFACE_QUIZZES", str(copy))
    return copy


def upload(at, data: bytes, name: str):
    # AppTest's session state has no .get
    known = keys.IMPORT_UPLOADS in at.session_state
    generation = at.session_state[keys.IMPORT_UPLOADS] if known else 0
    at.file_uploader(key=keys.import_upload(generation)).set_value((name, data, "text/plain"))
    at.run()
    assert not at.exception
    return at


def test_a_trainer_not_allowed_to_edit_is_told_so_and_a_trainee_sees_nothing(ui, content):
    at = open_page(sign_in("tina"), "import")
    assert titles(at) == ["Import questions"]
    assert any("for managers and the trainers they allow" in v for v in values(at.info))
    assert keys.import_upload(0) not in widget_keys(at)
    at = open_page(sign_in("ann"), "import")
    assert "Import questions" not in titles(at)


def test_the_report_comes_first_then_the_bank_is_written(ui, fresh_db, content):
    useradmin.set_content_editor(fresh_db, ui["boss"], "tina", True)
    at = open_page(sign_in("tina"), "import")
    at.text_input(key=keys.IMPORT_BANK).input("moodle-care").run()
    at = upload(at, GIFT, "aftercare.gift")
    [table] = at.dataframe
    report = table.value
    assert list(report["Where in the file"]) == ["line 1", "line 6", "line 8"]
    assert list(report["Outcome"]) == [
        "draft moodle-care-001",
        "draft moodle-care-002",
        "skipped",
    ]
    assert report["Detail"][2] == "an essay question (free text answer)"
    assert not (content / "banks" / "moodle-care.yaml").exists(), "nothing written yet"
    at.button(key=keys.IMPORT_WRITE).click().run()
    assert not at.exception
    [done] = values(at.success)
    assert done.startswith("Written: 2 question(s) from aftercare.gift")
    cat = load([content])
    assert not cat.problems
    tf = cat.entries["moodle-care-002"].question
    assert (tf.draft, tf.stem) == (True, "<b>Bold</b> text is shown as typed.")
    # Importing under the same id again is refused before any button shows.
    at = upload(at, GIFT, "again.gift")
    assert any("already exists" in e for e in values(at.error))
    assert keys.IMPORT_WRITE not in widget_keys(at)


def test_a_hostile_file_is_refused_with_a_message_and_no_traceback(ui, content):
    at = open_page(sign_in("boss"), "import")
    at.text_input(key=keys.IMPORT_BANK).input("x").run()
    at = upload(at, b"Caf\xe9?{T}", "latin.gift")
    [error] = values(at.error)
    assert "latin.gift cannot be imported: latin.gift is not UTF-8: byte 3 (line 1)" in error
    assert keys.IMPORT_WRITE not in widget_keys(at)


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[tuple, dict]]:
    """What the page hands each download button (Streamlit's, spied on; our code is real)."""
    seen: list[tuple[tuple, dict]] = []
    real = st.download_button

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return seen


def test_the_bank_page_makes_an_export_once_not_on_every_run(ui, content, monkeypatch):
    made: list[tuple] = []
    real = banks.export

    def spy(*args):
        made.append(args[1:])
        return real(*args)

    monkeypatch.setattr(banks, "export", spy)
    bank_export._written.clear()  # shared by every session of the process, so by the tests too
    at = open_page(sign_in("tina"), "bank")
    at.selectbox(key=keys.BANK_EXPORT_FORMAT).set_value("aiken").run()
    at.run()
    at.run()  # reruns (another widget of the page, a reload) make nothing again
    assert made.count(("aiken", [])) == 1
    at.multiselect(key=keys.BANK_EXPORT_BANKS).set_value(["aftercare"]).run()
    assert made[-1] == ("aiken", ["aftercare"])


def test_the_bank_page_offers_a_bank_as_gift(ui, content, downloads):
    at = open_page(sign_in("tina"), "bank")
    at.selectbox(key=keys.BANK_EXPORT_FORMAT).set_value("gift").run()
    downloads.clear()
    at.multiselect(key=keys.BANK_EXPORT_BANKS).set_value(["aftercare"]).run()
    assert not at.exception
    [(args, kwargs)] = [d for d in downloads if d[1].get("key") == keys.BANK_EXPORT]
    assert kwargs["file_name"] == "resurface-aftercare.gift.txt"
    items = gift.read(args[1], kwargs["file_name"]).items
    expected = [q for q, e in load([content]).entries.items() if e.bank == "aftercare"]
    assert [i.name for i in items] == expected


def test_the_editor_keeps_a_draft_until_its_mark_is_removed(ui, content):
    at = open_page(sign_in("boss"), "import")
    at.text_input(key=keys.IMPORT_BANK).input("moodle-care").run()
    at = upload(at, GIFT, "aftercare.gift")
    at.button(key=keys.IMPORT_WRITE).click().run()
    at = open_page(sign_in("boss"), "bank", q="moodle-care-001")
    at.button(key=keys.BANK_EDIT_OPEN).click().run()
    draft = at.checkbox(key=keys.edit_field("draft"))
    assert (draft.label, draft.value) == ("Draft: not drawn until cited", True)
    # A new stem saves and the question stays a draft.
    at.text_area(key=keys.edit_field("stem")).input("What must the client avoid at first?").run()
    at.button(key=keys.BANK_EDIT_SAVE).click().run()
    assert not at.exception
    after = load([content]).entries["moodle-care-001"].question
    assert (after.stem, after.draft) == ("What must the client avoid at first?", True)
    # Unticked without a citation, it is not a draft and needs one: the save is refused.
    at.button(key=keys.BANK_EDIT_OPEN).click().run()
    at.checkbox(key=keys.edit_field("draft")).uncheck().run()
    assert any("sources" in e for e in values(at.error)), values(at.error)
    assert at.button(key=keys.BANK_EDIT_SAVE).disabled


FIXTURES = Path(__file__).parent / "fixtures" / "interop"


def test_a_workbook_is_reported_row_by_row_and_the_templates_are_offered(ui, content, downloads):
    at = open_page(sign_in("boss"), "import")
    templates = {kw["key"]: (args, kw) for args, kw in downloads}
    xlsx_args, xlsx = templates[keys.IMPORT_TEMPLATE_XLSX]
    csv_args, csv = templates[keys.IMPORT_TEMPLATE_CSV]
    assert (xlsx_args[0], csv_args[0]) == ("Template (.xlsx)", "Template (.csv)")
    assert xlsx["file_name"].endswith(".xlsx")
    assert csv["file_name"].endswith(".csv")
    # what is handed out, made when clicked, is the template kept in the fixtures, which reads
    # as its examples
    assert xlsx_args[1]() == (FIXTURES / "template.xlsx").read_bytes()
    assert csv_args[1]() == (FIXTURES / "template.csv").read_bytes()
    at.text_input(key=keys.IMPORT_BANK).input("sheet-care").run()
    at = upload(at, (FIXTURES / "questions.xlsx").read_bytes(), "questions.xlsx")
    [table] = at.dataframe
    report = table.value
    # the README of the fixtures: six questions typed in rows 2-7
    assert list(report["Where in the file"]) == [f"row {n}" for n in range(2, 8)]
    assert list(report["Outcome"]) == [f"draft sheet-care-00{n}" for n in range(1, 7)]
    at.button(key=keys.IMPORT_WRITE).click().run()
    assert not at.exception
    [done] = values(at.success)
    assert done.startswith("Written: 6 question(s) from questions.xlsx")


def test_a_csv_with_bad_rows_is_a_table_of_every_problem_and_nothing_to_write(ui, content):
    at = open_page(sign_in("boss"), "import")
    at.text_input(key=keys.IMPORT_BANK).input("sheet").run()
    at = upload(at, (FIXTURES / "bad_rows.csv").read_bytes(), "bad_rows.csv")
    [error] = values(at.error)
    assert error.startswith("bad_rows.csv cannot be imported: 9 problems; nothing was imported")
    [table] = at.table
    problems = table.value
    assert list(problems.columns) == ["Where in the file", "Problem"]
    # the fixtures' README: rows 2-9 each wrong, row 6 twice; row 10 is fine
    assert sorted({w.split(",")[0] for w in problems["Where in the file"]}) == sorted(
        f"row {n}" for n in range(2, 10)
    )
    assert len(problems) == 9
    # shown as text: what the file holds is escaped for the Markdown the table reads
    assert problems["Where in the file"][0] == "row 2, column correct"
    assert problems["Where in the file"][4] == "row 6, column right\\_1"
    assert problems["Problem"][0] == "'G' is not an option letter \\(A to F\\)"
    assert keys.IMPORT_WRITE not in widget_keys(at)
    assert not (content / "banks" / "sheet.yaml").exists()
