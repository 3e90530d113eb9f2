"""Exports as Excel workbooks: typed cells, text never a formula or a link, the same rows as the
CSV, Excel's row limit; through the core, the CLI and the Exports page.

The workbooks are read back with the standard library only (zipfile and ElementTree), as the
XML Excel reads: a string cell is ``t="inlineStr"`` (what XlsxWriter writes in constant_memory
mode) or ``t="s"`` (a shared string), a number has no ``t``, a boolean is ``t="b"``, and a
formula would be an ``<f>`` element.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

import pandas as pd
import pytest
from ui_helpers import open_page, shipped_catalogue, sign_in, titles, values

from app import accounts, exports, prepared
from app.bank import Catalogue
from app.cli import EXIT_OK, EXIT_USAGE, main
from app.exports import excel
from app.store import audit as audit_store
from app.ui import keys
from conftest import PW, finish

T0 = datetime(2026, 5, 4, 8, 30, tzinfo=UTC)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (username, display name, cohort): text that a spreadsheet would run if it were a formula cell.
HOSTILE = [
    ("lee", "Ann Lee;=2+3;", "north;=2+3;"),
    ("eve", '=HYPERLINK("http://x","y")', "+1"),
    ("max", "@SUM(A1)", "-2+3"),
    ("fay", "\uff1dcmd|' /C calc'!A0", "@north"),
    ("kim", "Kim, +1 555 0100", "x\t=1"),
]


@dataclass(frozen=True)
class Cell:
    type: str  # "str" for a string cell (inline or shared), "n" number, "b" boolean
    value: object


@dataclass(frozen=True)
class Workbook:
    header: list[str]
    rows: list[list[Cell | None]]
    parts: dict[str, bytes]

    def column(self, name: str) -> list[Cell | None]:
        at = self.header.index(name)
        return [row[at] for row in self.rows]

    def records(self) -> list[dict[str, Cell | None]]:
        return [dict(zip(self.header, row, strict=True)) for row in self.rows]


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _text(element: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{MAIN}t"))


def read_xlsx(data: bytes) -> Workbook:
    """The one sheet of a workbook: its header and typed rows; every cell checked for formulas."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    shared = []
    if "xl/sharedStrings.xml" in parts:
        root = ElementTree.fromstring(parts["xl/sharedStrings.xml"])
        shared = [_text(si) for si in root.iter(f"{MAIN}si")]
    sheets = [n for n in parts if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    assert sheets == ["xl/worksheets/sheet1.xml"], "one sheet"
    root = ElementTree.fromstring(parts["xl/worksheets/sheet1.xml"])
    grid: list[list[Cell | None]] = []
    for number, row in enumerate(root.iter(f"{MAIN}row"), start=1):
        assert row.get("r") == str(number), "no row skipped"
        cells: dict[int, Cell] = {}
        for c in row.iter(f"{MAIN}c"):
            assert c.find(f"{MAIN}f") is None, f"{c.get('r')} is a formula"
            kind = c.get("t", "n")
            v = c.find(f"{MAIN}v")
            if kind == "inlineStr":
                cell = Cell("str", _text(c.find(f"{MAIN}is")))
            elif kind == "s":
                cell = Cell("str", shared[int(v.text)])
            elif kind == "b":
                cell = Cell("b", v.text == "1")
            elif kind == "n":
                cell = Cell("n", float(v.text))
            else:
                raise AssertionError(f"{c.get('r')}: unexpected cell type {kind!r}")
            cells[_column_index(c.get("r"))] = cell
        width = max(cells, default=-1) + 1 if not grid else len(grid[0])
        grid.append([cells.get(i) for i in range(width)])
    header = [cell.value for cell in grid[0]]
    assert all(cell.type == "str" for cell in grid[0])
    return Workbook(header, grid[1:], parts)


def no_formula_or_link(book: Workbook) -> None:
    """No part of the workbook holds a formula, a hyperlink or anything to calculate."""
    for name, data in book.parts.items():
        assert b"<f>" not in data, name
        assert b"<f " not in data, name
        assert b"<hyperlink" not in data, name
    assert "xl/calcChain.xml" not in book.parts
    assert not [n for n in book.parts if n.startswith("xl/worksheets/_rels/")], "no links"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def hostile(fresh_db, people, catalogue) -> list[accounts.User]:
    """Trainees with formula-like names and cohorts, each with a passed quick check; ann too."""
    made = [
        accounts.create_user(fresh_db, people["boss"], name, PW, "trainee", cohort, shown)
        for name, shown, cohort in HOSTILE
    ]
    for user in [*made, people["ann"]]:
        finish(fresh_db, user, catalogue, "quick-check", None, T0)
    return made


def xlsx(engine, kind: str, catalogue: Catalogue, **filters) -> tuple[Workbook, int]:
    data, rows = exports.export(
        engine, None, kind, exports.ExportFilters(**filters), catalogue=catalogue, fmt="xlsx"
    )
    return read_xlsx(data), rows


@pytest.mark.parametrize("kind", exports.KINDS)
def test_formula_like_names_come_back_as_string_cells_verbatim(fresh_db, catalogue, hostile, kind):
    book, rows = xlsx(fresh_db, kind, catalogue)
    no_formula_or_link(book)
    assert len(book.rows) == rows
    by_user = {}
    for record in book.records():
        by_user.setdefault(record["username"].value, []).append(record)
    for name, shown, cohort in HOSTILE:
        for record in by_user[name]:
            if "display_name" in record:
                assert record["display_name"] == Cell("str", shown)  # no ' needed, none added
            assert record["cohort"] == Cell("str", cohort)


def test_numbers_are_number_cells_and_booleans_boolean_cells(fresh_db, people, catalogue):
    finish(fresh_db, people["ann"], catalogue, "quick-check", None, T0)
    finish(fresh_db, people["bob"], catalogue, "quick-check", 3, T0)
    book, _ = xlsx(fresh_db, "attempts", catalogue)
    ann, bob = book.records()
    assert (ann["username"], bob["username"]) == (Cell("str", "ann"), Cell("str", "bob"))
    assert ann["attempt_id"].type == bob["attempt_id"].type == "n"
    assert (ann["points"], ann["max_points"], ann["score_percent"]) == (
        Cell("n", 10.0),
        Cell("n", 10.0),
        Cell("n", 100.0),
    )
    assert ann["duration_seconds"] == Cell("n", 300.0)
    assert (ann["passed"], bob["passed"]) == (Cell("b", True), Cell("b", False))
    assert ann["started_at"] == Cell("str", "2026-05-04T08:30:00Z")
    responses, _ = xlsx(fresh_db, "responses", catalogue)
    first = responses.records()[0]
    assert first["question_number"] == Cell("n", 1.0)
    assert first["correct"] == Cell("b", True)
    unanswered = [r for r in responses.records() if r["username"].value == "bob"][-1]
    assert unanswered["answer"] is None, "an empty answer is an empty cell"
    assert unanswered["answered_at"] is None


def _as_csv(cell: Cell | None) -> str:
    """A workbook cell as the CSV writes it."""
    if cell is None:
        return ""
    if cell.type == "str":
        return excel.excel_safe(cell.value)
    if cell.type == "b":
        return str(cell.value)
    return cell.value


@pytest.mark.parametrize("kind", exports.KINDS)
def test_the_workbook_has_the_same_rows_as_the_csv(fresh_db, catalogue, hostile, kind):
    book, rows = xlsx(fresh_db, kind, catalogue)
    data, csv_rows = exports.export(fresh_db, None, kind, catalogue=catalogue)
    header, *lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert (book.header, len(book.rows), rows) == (header, len(lines), csv_rows)
    for got, line in zip(book.rows, lines, strict=True):
        for cell, text in zip(got, line, strict=True):
            expected = _as_csv(cell)
            if isinstance(expected, float):
                assert float(text) == expected
            else:
                assert text == expected


def test_the_header_is_bold_and_frozen_and_the_file_is_named_xlsx(fresh_db, catalogue, hostile):
    book, _ = xlsx(fresh_db, "attempts", catalogue)
    sheet = book.parts["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" [^>]*state="frozen"', sheet)
    styles = ElementTree.fromstring(book.parts["xl/styles.xml"])
    fonts = list(styles.iter(f"{MAIN}font"))
    formats = list(styles.find(f"{MAIN}cellXfs"))
    header_style = re.search(r'<c r="A1" s="(\d+)"', sheet).group(1)
    font = fonts[int(formats[int(header_style)].get("fontId"))]
    assert font.find(f"{MAIN}b") is not None, "the header is bold"
    assert '<c r="A2" s=' not in sheet, "the rows are not"
    filters = exports.ExportFilters(cohort="north")
    assert exports.filename("attempts", filters, T0, fmt="xlsx") == "resurface-attempts-north.xlsx"
    assert exports.filename("attempts", filters, T0) == "resurface-attempts-north.csv"


def test_the_same_rows_at_the_same_moment_are_the_same_bytes(fresh_db, catalogue, hostile):
    first = exports.export(fresh_db, None, "attempts", fmt="xlsx", now=T0)[0]
    assert exports.export(fresh_db, None, "attempts", fmt="xlsx", now=T0)[0] == first
    assert b"<dcterms:created" in read_xlsx(first).parts["docProps/core.xml"]
    assert b"2026-05-04T08:30:00Z" in read_xlsx(first).parts["docProps/core.xml"]


def test_the_export_is_logged_with_its_format(fresh_db, people, catalogue, hostile):
    exports.export(fresh_db, people["boss"], "certifications", catalogue=catalogue, fmt="xlsx")
    exports.export(fresh_db, people["boss"], "attempts")
    with fresh_db.connect() as conn:
        lines = audit_store.lines(conn, "export")
    assert [(line["target"], line["detail"]["format"]) for line in lines] == [
        ("certifications", "xlsx"),
        ("attempts", "csv"),
    ]


@pytest.mark.parametrize("who", ["ann", "tina"])
def test_only_managers_export_workbooks(fresh_db, people, catalogue, who):
    with pytest.raises(accounts.Forbidden):
        exports.export(fresh_db, people[who], "attempts", fmt="xlsx")


def test_an_unknown_format_is_refused(fresh_db, people):
    with pytest.raises(exports.ExportError, match=r"^unknown format 'ods' \(expected one of"):
        exports.export(fresh_db, people["boss"], "attempts", fmt="ods")


TOO_MANY = "the export has more than Excel's 2 data rows; export as CSV or narrow the filters"


def test_more_rows_than_excel_holds_is_refused_and_nothing_is_written(
    fresh_db, people, catalogue, hostile, monkeypatch
):
    monkeypatch.setattr(excel, "XLSX_MAX_ROWS", 2)  # Excel's 1,048,575 would take too long
    out = io.BytesIO()
    with pytest.raises(exports.ExportError, match=f"^{re.escape(TOO_MANY)}$"):
        exports.write(fresh_db, people["boss"], "attempts", out, fmt="xlsx")
    assert out.getvalue() == b"", "no workbook cut short"
    with fresh_db.connect() as conn:
        assert audit_store.lines(conn, "export") == []
    assert exports.export(fresh_db, people["boss"], "attempts")[1] == len(HOSTILE) + 1, "CSV is"
    book, rows = xlsx(fresh_db, "attempts", catalogue, cohort="north")
    assert rows == len(book.rows) == 1, "two rows fit"


def test_text_longer_than_an_excel_cell_is_refused_not_cut():
    frame = pd.DataFrame({"text": ["x" * (excel.XLSX_MAX_TEXT + 1)]})
    with pytest.raises(excel.TooLarge, match="more than Excel's 32,767 characters"):
        excel.write_xlsx([frame], io.BytesIO())
    out = io.BytesIO()
    excel.write_xlsx([frame.assign(text="x" * excel.XLSX_MAX_TEXT)], out)
    assert read_xlsx(out.getvalue()).rows == [[Cell("str", "x" * excel.XLSX_MAX_TEXT)]]


# --- the CLI -------------------------------------------------------------------------------------


def test_cli_writes_a_workbook_to_a_file(
    fresh_db, db_url, catalogue, hostile, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    target = tmp_path / "out" / "attempts.xlsx"
    target.parent.mkdir()
    code = main(["export", "attempts", "--cohort", "north", "--format", "xlsx", "-o", str(target)])
    assert code == EXIT_OK
    assert capsys.readouterr().err == f"wrote 1 attempts rows to {target}\n"
    assert [p.name for p in target.parent.iterdir()] == ["attempts.xlsx"], "no .part left"
    book = read_xlsx(target.read_bytes())
    no_formula_or_link(book)
    expected, _ = xlsx(fresh_db, "attempts", catalogue, cohort="north")
    assert (book.header, book.rows) == (expected.header, expected.rows)
    with fresh_db.connect() as conn:
        line = audit_store.lines(conn, "export")[-1]
    assert (line["actor_id"], line["detail"]["format"]) == (None, "xlsx")


def test_cli_writes_a_workbook_to_stdout_only_when_it_is_not_a_terminal(
    fresh_db, db_url, hostile, tmp_path, monkeypatch, capsysbinary
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    assert main(["export", "attempts", "--format", "xlsx"]) == EXIT_OK
    out, _ = capsysbinary.readouterr()
    assert len(read_xlsx(out).rows) == len(HOSTILE) + 1
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["export", "attempts", "--format", "xlsx"]) == EXIT_USAGE
    out, err = capsysbinary.readouterr()
    assert out == b""
    assert b"an xlsx workbook is not for a terminal: write it to a file with -o FILE" in err
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "export")) == 1, "the refused one is not logged"


def test_cli_refuses_more_rows_than_excel_holds_and_leaves_no_file(
    fresh_db, db_url, hostile, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("RESURFACE_DATABASE_URL", db_url)
    monkeypatch.setattr(excel, "XLSX_MAX_ROWS", 2)
    target = tmp_path / "out" / "attempts.xlsx"
    target.parent.mkdir()
    code = main(["export", "attempts", "--format", "xlsx", "-o", str(target)])
    assert code == EXIT_USAGE
    assert f"resurface: error: {TOO_MANY}" in capsys.readouterr().err
    assert list(target.parent.iterdir()) == [], "neither the file nor its .part"


def test_cli_format_is_csv_or_xlsx(capsys):
    with pytest.raises(SystemExit) as info:
        main(["export", "attempts", "--format", "ods"])
    assert info.value.code == EXIT_USAGE
    assert "argument --format: invalid choice: 'ods'" in capsys.readouterr().err


# --- the Exports page ----------------------------------------------------------------------------


def test_a_manager_prepares_a_workbook_on_the_exports_page(ui, fresh_db, catalogue):
    for name, shown, cohort in HOSTILE:
        user = accounts.create_user(fresh_db, ui["boss"], name, PW, "trainee", cohort, shown)
        finish(fresh_db, user, catalogue, "quick-check", None, T0)
    at = open_page(sign_in("boss"), "exports")
    assert titles(at) == ["Exports"]
    radio = at.radio(key=keys.EXPORT_FORMAT)
    assert (radio.label, radio.options) == (
        "File format",
        ["Excel workbook (.xlsx)", "CSV (opens in any program)"],
    )
    assert radio.value == "csv"
    assert at.toggle(key=keys.EXPORT_BOM), "the byte-order mark is a CSV matter"
    radio.set_value("xlsx").run()
    assert not [t for t in at.toggle if t.key == keys.EXPORT_BOM]
    prepare = at.button(key=keys.EXPORT_PREPARE)
    assert prepare.label == "Prepare file"
    prepare.click().run()
    assert not at.exception
    ready = at.session_state[keys.EXPORT_READY]
    found = prepared.find(fresh_db, ready[1])
    assert found is not None
    assert found.name.endswith(".xlsx")
    assert found.media_type == XLSX_MIME
    book = read_xlsx(b"".join(prepared.chunks(fresh_db, found.id)))
    no_formula_or_link(book)
    expected, rows = xlsx(fresh_db, "attempts", catalogue)
    assert (book.header, book.rows, ready[2]) == (expected.header, expected.rows, rows)
    assert found.size < 1_000_000
    assert values(at.success) == [f"{rows:,} rows ready ({found.size / 1000:.1f} kB)."]
    assert [e.proto.url for e in at.get("link_button")] == [f"/download/{ready[1]}"]
    with fresh_db.connect() as conn:
        logged = audit_store.lines(conn, "export")
    assert [(line["actor_id"], line["detail"]["format"]) for line in logged] == [
        (ui["boss"].id, "xlsx"),  # the page's
        (None, "xlsx"),  # the core's, to compare
    ]
    at.radio(key=keys.EXPORT_FORMAT).set_value("csv").run()
    assert values(at.info) == [
        "The settings changed since the last file was prepared: prepare it again."
    ]


def test_the_page_refuses_a_workbook_too_large_for_excel(ui, fresh_db, catalogue, monkeypatch):
    for name in ("ann", "bob", "cat"):
        finish(fresh_db, ui[name], catalogue, "quick-check", None, T0)
    monkeypatch.setattr(excel, "XLSX_MAX_ROWS", 2)
    at = open_page(sign_in("boss"), "exports")
    at.radio(key=keys.EXPORT_FORMAT).set_value("xlsx").run()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    assert not at.exception
    assert values(at.error) == [TOO_MANY[:1].upper() + TOO_MANY[1:]]
    assert keys.EXPORT_READY not in at.session_state
    assert not at.get("link_button")
