"""Questions from a spreadsheet (app.interop.spreadsheet): the template reads back as its examples,
a person's workbook and CSV are read, every bad row is named by row and column with nothing
imported, and hostile files (formulas, zip bombs, wrong encodings, huge files) are refused."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app import config
from app.interop import banks, spreadsheet
from app.interop.common import MAX_IMPORT_BYTES, Choice, InteropError, Item
from app.interop.problems import Problems

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
ROOT = Path(__file__).parent.parent


def _read(name: str):
    return spreadsheet.read((FIXTURES / name).read_bytes(), name)


def _problems(data: bytes, name: str) -> list[str]:
    with pytest.raises(Problems) as caught:
        spreadsheet.read(data, name)
    return caught.value.problems


def test_the_template_has_the_header_one_example_per_kind_and_a_sheet_of_columns():
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheet.template()))
    assert workbook.sheetnames == ["questions", "columns"]
    rows = list(workbook["questions"].iter_rows(values_only=True))
    assert rows[0][:3] == ("type", "stem", "option_a")
    assert [r[0] for r in rows[1:]] == ["single", "multiple", "true_false", "matching"]
    # Every cell is text: the template holds no formula.
    assert all(
        c.data_type == "s" for row in workbook["questions"].iter_rows() for c in row if c.value
    )
    explained = [r[0] for r in workbook["columns"].iter_rows(min_row=2, values_only=True)]
    assert explained == list(rows[0])
    # Same call, same bytes: the template can be served and compared.
    assert spreadsheet.template() == spreadsheet.template()
    assert (FIXTURES / "template.xlsx").read_bytes() == spreadsheet.template()
    assert (FIXTURES / "template.csv").read_bytes() == spreadsheet.template_csv()


@pytest.mark.parametrize("name", ["template.xlsx", "template.csv"])
def test_the_template_reads_as_its_examples(name):
    items = _read(name).items
    assert [(i.kind, i.where) for i in items] == [
        ("single", "row 2"),
        ("multiple", "row 3"),
        ("true_false", "row 4"),
        ("matching", "row 5"),
    ]
    single, multiple, true_false, matching = items
    assert single.stem == "Which wavelength does an Er:YAG laser emit?"
    assert single.choices[1] == Choice(
        "2940 nm", True, "Right: Er:YAG emits at 2940 nm, near water's absorption peak."
    )
    assert single.name == "Er:YAG wavelength"
    assert single.tags == ("wavelength", "er-yag")
    assert single.category == "Physics"
    assert [c.correct for c in multiple.choices] == [True, False, True]
    assert true_false.answer is True
    assert matching.pairs == (("CO2", "10600 nm"), ("Er:YAG", "2940 nm"), ("Nd:YAG", "1064 nm"))


def test_a_workbook_made_from_the_template():
    items = _read("questions.xlsx").items
    assert [(i.where, i.kind) for i in items] == [
        ("row 2", "single"),
        ("row 3", "multiple"),
        ("row 4", "true_false"),
        ("row 5", "true_false"),
        ("row 6", "matching"),
        ("row 7", "single"),
    ]
    assert items[0] == Item(
        kind="single",
        stem="Which fluence unit is usual?",
        where="row 2",
        choices=(
            Choice("J/cm²", True),
            Choice("W", False, "Watts measure power."),
            Choice("Hz", False),
        ),
        general_feedback="Fluence is energy per area.",
        category="Physics",
        tags=("units",),
    )
    assert [c.correct for c in items[1].choices] == [True, True, False]  # "A, B"
    assert items[2].answer is True  # a boolean cell
    assert items[3].answer is False  # "FALSE" typed, type written True_False
    assert items[4].pairs[2] == ("Spot size", "Diameter of the beam")
    # Text typed with a leading = (quote prefix in Excel) is text; a number cell is its digits.
    assert items[5].stem == "=A1 typed as text"
    assert [c.text for c in items[5].choices] == ["42", "7", "A1"]


def test_a_csv_as_excel_writes_it_in_europe():
    items = _read("questions.csv").items
    assert [(i.where, i.kind) for i in items] == [
        ("row 2", "single"),
        ("row 3", "multiple"),
        ("row 4", "true_false"),
        ("row 5", "matching"),
        ("row 6", "single"),
    ]
    assert items[0].stem == "Which wavelength does an Er:YAG laser emit?\n(one answer)"
    assert items[0].choices[0].feedback == "Nd:YAG, not Er:YAG."
    # Cells starting with = + - @ are text, taken literally, never evaluated.
    assert items[2].stem == "=1+1 is how a spreadsheet formula starts"
    assert items[4].stem == '@SUM(A1) -2+3 "quoted"'
    assert items[4].choices == (Choice("+1", True), Choice("-1", False), Choice("-2+3", False))


def test_every_bad_row_is_named_and_nothing_is_read_csv():
    assert _problems((FIXTURES / "bad_rows.csv").read_bytes(), "bad_rows.csv") == [
        "row 2, column correct: 'G' is not an option letter (A to F)",
        "row 3, column correct: empty; give the letter of the right option",
        "row 4, column answer: 'maybe' is not true or false",
        "row 5, column type: 'essay' is not single, multiple, true_false or matching",
        "row 6, column right_1: empty, but left_1 is filled",
        # CO2 has no right side, so only Er:YAG's pair counts; the third pair's row is empty
        "row 6, column left_3: a matching question needs at least 3 pairs (left_1/right_1, ...); "
        "this row has 1",
        "row 7, column stem: empty; every question needs its text",
        "row 8, column correct: 'A,B' names 2 options; a single question has one right",
        "row 9, column feedback_d: feedback for option D, which is empty",
    ]


def test_every_bad_row_is_named_and_nothing_is_read_xlsx():
    assert _problems((FIXTURES / "bad_rows.xlsx").read_bytes(), "bad_rows.xlsx") == [
        "row 2, column correct: 'G' is not an option letter (A to F)",
        "row 3, column type: 'essay' is not single, multiple, true_false or matching",
        "row 4, column answer: 'yes' is not true or false",
        "row 5, column right_2: empty, but left_2 is filled",
        # CO2's and Nd:YAG's pairs count, Er:YAG's has no right side; left_4 is the first empty
        "row 5, column left_4: a matching question needs at least 3 pairs (left_1/right_1, ...); "
        "this row has 2",
    ]


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (
            ["type,stem,option_a,option_b,option_c,correct", "single,Q?,a,b,c,D"],
            "row 2, column correct: 'D' names no option",
        ),
        (
            ["type,stem,option_a,option_c,option_d,correct", "single,Q?,a,c,d,A"],
            "row 2, column option_b: empty, but a later option is filled; fill the options from A on",
        ),
        (
            ["type,stem,option_a,correct", "single,Q?,a,A"],
            "row 2, column option_b: empty; a question needs at least options A, B and C",
        ),
        (
            ["type,stem,option_a,option_b,correct", "multiple,Q?,a,b,A"],
            "row 2, column option_c: empty; a question needs at least options A, B and C",
        ),
        (
            ["type,stem,option_a,option_b,option_c,correct", "multiple,Q?,a,b,c,A A"],
            "row 2, column correct: 'A' is there twice",
        ),
        (
            ["type,stem,answer,option_a", "true_false,Q?,true,x"],
            "row 2, column option_a: not used by a true_false question; leave it empty",
        ),
        (["type,stem,colour", "single,Q?,red"], "row 1, column C: 'colour' is not a column"),
        (["type,stem,stem", "single,Q?,Q?"], "row 1: the column 'stem' is there twice"),
        (["type,option_a", "single,a"], "row 1: there is no 'stem' column"),
        (
            ["type,stem,option_a,option_b,option_c,correct", "single,Q?,a,b,c,A,stray"],
            "row 2, column G: a value under no column name",
        ),
        (["type,stem", ",Q?"], "row 2, column type: empty"),
    ],
)
def test_row_problems(lines, problem):
    assert _problems(_csv(*lines), "x.csv")[0].startswith(problem)


def test_header_names_are_forgiving_about_case_and_spaces_and_blank_rows_are_not_questions():
    data = _csv(
        "Type,Stem,Option A,OPTION_B, option c ,Correct", ",,,,,", "single,Q?,a,b,c,b", ",,,,,"
    )
    (item,) = spreadsheet.read(data, "x.csv").items
    assert item.where == "row 3"
    assert item.choices == (Choice("a", False), Choice("b", True), Choice("c", False))


def test_empty_files_are_refused():
    with pytest.raises(InteropError, match="empty"):
        spreadsheet.read(b"", "x.csv")
    with pytest.raises(InteropError, match="no questions"):
        spreadsheet.read(_csv("type,stem"), "x.csv")


# --- hostile files -------------------------------------------------------------------------


def test_formulas_in_a_workbook_are_refused_not_evaluated():
    problems = _problems((FIXTURES / "formula.xlsx").read_bytes(), "formula.xlsx")
    assert problems[0] == (
        'row 3, column stem: a formula (=HYPERLINK("http://evil.example/","click); '
        "type the text itself, not a formula"
    )
    assert (
        "row 5, column feedback_c: a formula (=1+1); type the text itself, not a formula"
        in problems
    )


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (spreadsheet.MAX_UNPACKED_BYTES + 1))
    data = out.getvalue()
    assert len(data) < 200_000  # small on disk, over the limit unpacked
    with pytest.raises(InteropError, match=r"would unpack to 100 MB; refused"):
        spreadsheet.read(data, "bomb.xlsx")


def test_a_zip_of_many_parts_and_a_damaged_workbook_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(spreadsheet.MAX_ZIP_ENTRIES + 1):
            archive.writestr(f"part{n}", "")
    with pytest.raises(InteropError, match="holds 501 parts"):
        spreadsheet.read(out.getvalue(), "many.xlsx")
    with pytest.raises(InteropError, match="is not an Excel workbook"):
        spreadsheet.read(b"PK\x03\x04 not really a zip", "x.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "a zip, but no workbook")
    with pytest.raises(InteropError, match="not an Excel workbook this app can read"):
        spreadsheet.read(out.getvalue(), "x.xlsx")


def test_an_entity_expansion_in_a_workbook_is_refused():
    """A billion-laughs sheet: the XML parser refuses the entity declarations."""
    data = io.BytesIO(spreadsheet.template())
    with zipfile.ZipFile(data) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
            for n in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    parts["xl/worksheets/sheet1.xml"] = laughs
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    with pytest.raises(InteropError, match="holds XML entity or document type declarations"):
        spreadsheet.read(out.getvalue(), "laughs.xlsx")


def test_wrong_encoding_is_named_with_its_line():
    with pytest.raises(InteropError) as caught:
        _read("latin1.csv")
    assert str(caught.value) == (
        "line 2: the CSV file is not UTF-8 text (byte 0xE9); "
        "save it as 'CSV UTF-8' (Excel's name for it) and try again"
    )


def test_size_and_row_limits():
    with pytest.raises(InteropError, match="larger than 5 MB"):
        spreadsheet.read(b"type,stem\n" + b"x" * MAX_IMPORT_BYTES, "big.csv")
    rows = ["type,stem,answer"] + ["true_false,Q?,true"] * (spreadsheet.MAX_ROWS + 1)
    with pytest.raises(InteropError, match="more than 5000 rows"):
        spreadsheet.read(_csv(*rows), "long.csv")
    # Exactly the limit is fine.
    assert len(spreadsheet.read(_csv(*rows[:-1]), "long.csv").items) == spreadsheet.MAX_ROWS
    with pytest.raises(Problems, match="a cell holds at most 10000"):
        spreadsheet.read(_csv("type,stem,answer", f"true_false,{'x' * 10_001},true"), "x.csv")


def test_a_sheet_claiming_every_column_is_read_only_as_far_as_the_columns_go():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["type", "stem", "answer"])
    for row in range(2, 302):
        sheet.append(["true_false", f"Q{row}?", "true"])
        sheet.cell(row=row, column=16_384, value="far out")  # column XFD, Excel's last
    out = io.BytesIO()
    workbook.save(out)
    items = spreadsheet.read(out.getvalue(), "wide.xlsx").items
    assert len(items) == 300
    assert items[-1].stem == "Q301?"
    # Within the columns read, a stray value is still reported.
    sheet.cell(row=5, column=spreadsheet.MAX_COLUMNS, value="stray")
    out = io.BytesIO()
    workbook.save(out)
    assert _problems(out.getvalue(), "wide.xlsx") == [
        "row 5, column BL: a value under no column name"
    ]


def test_the_docs_table_names_every_column():
    """Each column, or the first and last of a numbered family (option_a ... option_f), is in
    the columns table of the docs, in whichever guide it now lives."""
    docs = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    families: dict[str, list[str]] = {}
    for name in spreadsheet.NAMES:
        stem, _, last = name.rpartition("_")
        family = stem if stem and len(last) == 1 else name
        families.setdefault(family, []).append(name)
    missing = [
        name
        for names in families.values()
        for name in {names[0], names[-1]}
        if f"`{name}`" not in docs
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "questions.bin"),
        (b"anything", "questions.xls"),
        (b"PK\x03\x04", "questions.ods"),
    ],
)
def test_old_excel_and_opendocument_files_are_named_not_read_as_noise(data, name):
    with pytest.raises(InteropError, match=r"old Excel \(\.xls\) or OpenDocument \(\.ods\)"):
        spreadsheet.read(data, name)


def test_a_password_protected_workbook_is_named_as_such():
    with pytest.raises(InteropError, match=r"questions\.xlsx is password-protected"):
        spreadsheet.read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "questions.xlsx")


def test_a_row_the_banks_rules_refuse_stops_the_import_by_row_and_column(tmp_path):
    # The reader takes these rows; the bank's own rules refuse them: two options alike (the case
    # differs), and a matching row with a left side given twice. A spreadsheet is all or nothing.
    data = _csv(
        "type,stem,option_a,option_b,option_c,correct,left_1,right_1,left_2,right_2,left_3,right_3",
        "single,Which setting?,Low,High,high,A,,,,,,",
        "single,Which one?,Low,High,Medium,A,,,,,,",
        "matching,Match them.,,,,,CO2,10600 nm,Er:YAG,2940 nm,CO2,1064 nm",
    )
    content = tmp_path / "content"
    shutil.copytree(config.PROJECT_ROOT / "quizzes", content)
    with pytest.raises(Problems) as refused:
        banks.plan_import(content, data, "q.csv", "from-sheet", "aftercare")
    assert refused.value.problems == [
        "row 2, column option_c: repeats the text of option 2",
        "row 4, column left_3: repeats the left side of pair 1",
    ]
    assert not (content / "banks" / "from-sheet.yaml").exists()
