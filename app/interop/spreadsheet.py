"""Questions typed into a spreadsheet: one row per question, in .xlsx or .csv.

The first row names the columns (any order, any case; unknown names are refused so a typo is
not silently ignored); each further row is one question. ``COLUMNS`` lists them with what goes
in each; ``template()`` gives a workbook with the header and one example row per kind.

Every bad row is reported by row and column ("row 7, column correct: 'G' names no option") and,
if any row is bad, nothing is imported (``Problems``). Rows are numbered as a spreadsheet shows
them: the header is row 1.

Hostile files: the size is refused past ``MAX_IMPORT_BYTES`` and the rows past ``MAX_ROWS``; an
.xlsx is a zip, whose entries' declared sizes are checked before anything is unpacked (Python's
zipfile never unpacks more than an entry declares), so a zip bomb is refused before openpyxl
reads it; a cell holding a formula is refused (a formula is not question text, and is never
evaluated: openpyxl reads the formula's text, not a value); CSV cells are taken literally, as
text, whatever they start with. A CSV must be UTF-8 (with or without a byte-order mark);
otherwise the line of the first bad byte is named.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from defusedxml import DefusedXmlException

from app.bank import rules
from app.interop.common import MAX_IMPORT_BYTES, Choice, InteropError, Item, Kind, Reading
from app.interop.problems import Problems, decode_text

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"

LETTERS = "abcdef"
PAIRS = 6
# A question bank of more rows than this is a mistake (or an attack), not a bank.
MAX_ROWS = 5000
# Unpacked, an .xlsx of MAX_IMPORT_BYTES holding text is well under this; a zip bomb is far over.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
# Columns of a workbook read (there are 32); cells further right are not looked at.
MAX_COLUMNS = 64
# Longer than any question; a cell past this is a pasted document.
MAX_CELL = 10_000

KINDS: dict[str, Kind] = {
    "single": "single",
    "multiple": "multiple",
    "true_false": "true_false",
    "matching": "matching",
}


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("type", "single, multiple, true_false or matching (required)"),
    Column("stem", "the question (required)"),
    *(
        Column(
            f"option_{x}",
            f"option {x.upper()} (single, multiple; at least "
            f"{', '.join(LETTERS[: rules.MIN_OPTIONS - 1].upper())} and "
            f"{LETTERS[rules.MIN_OPTIONS - 1].upper()})",
        )
        for x in LETTERS
    ),
    Column(
        "correct",
        "the right option letters: one for single (B); for multiple at least two, and one "
        "option left wrong (A,C)",
    ),
    *(
        Column(f"feedback_{x}", f"shown when option {x.upper()} is picked (optional)")
        for x in LETTERS
    ),
    Column("answer", "true or false (true_false only)"),
    *(
        column
        for n in range(1, PAIRS + 1)
        for column in (
            Column(f"left_{n}", f"matching: item {n} (at least {rules.MIN_PAIRS} pairs)"),
            Column(f"right_{n}", f"matching: the answer that goes with left_{n}"),
        )
    ),
    Column("general_feedback", "shown after answering, whatever was picked (optional)"),
    Column("category", "where it goes, e.g. Aftercare/Sun (optional)"),
    Column("tags", "comma-separated (optional)"),
    Column("name", "a short title for the question (optional)"),
)
NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = ("type", "stem")


class _Formula:
    """A cell of an .xlsx that holds a formula (refused; never evaluated)."""

    def __init__(self, text: str) -> None:
        self.text = text


Cell = str | _Formula
Row = TypeVar("Row")
# Reports a problem of the row being read: bad(column, message).
Bad = Callable[[str, str], None]


# --- reading -------------------------------------------------------------------------------


def read(data: bytes, name: str) -> Reading:
    """Dispatch on the file: an .xlsx (zip magic or the suffix) or a CSV."""
    lower = name.lower()
    ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file, not a zip
    if ole and lower.endswith((".xlsx", ".xlsm")):
        raise InteropError(
            f"{name} is password-protected (Excel keeps such a workbook encrypted); open it, "
            "remove the password, save it and import it again"
        )
    if ole or lower.endswith((".xls", ".ods")):
        raise InteropError(
            f"{name} is an old Excel (.xls) or OpenDocument (.ods) file; save it as an Excel "
            "workbook (.xlsx) or as CSV UTF-8 and import that"
        )
    if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data, name)
    return read_csv(data, name)


def read_csv(data: bytes, name: str) -> Reading:
    """The questions of a CSV file (comma, semicolon or tab separated; UTF-8)."""
    _check_size(data, name)
    text = decode_text(data, "CSV file", "save it as 'CSV UTF-8' (Excel's name for it)")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        rows = list(_limited(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as e:
        raise InteropError(f"{name} is not a CSV file this app can read: {e}") from None
    return _rows_to_reading([[cell for cell in row] for row in rows])


def read_xlsx(data: bytes, name: str) -> Reading:
    """The questions of the first sheet of an .xlsx workbook."""
    _check_size(data, name)
    _check_zip(data, name)
    import openpyxl  # here: only a workbook import needs it

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as e:  # openpyxl raises many kinds for a damaged workbook
        raise _unreadable(name, e) from None
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared size is ignored (it can claim all 16,384 columns) and a row is
        # read only as far as MAX_COLUMNS, so a few cells far out cannot make rows huge.
        sheet.reset_dimensions()
        rows: list[list[Cell]] = []
        for row in _limited(sheet.iter_rows(max_col=MAX_COLUMNS)):
            rows.append([_xlsx_cell(cell) for cell in row])
    except InteropError:
        raise
    except Exception as e:
        raise _unreadable(name, e) from None
    finally:
        workbook.close()
    return _rows_to_reading(rows)


def _unreadable(name: str, error: BaseException) -> InteropError:
    # openpyxl parses with defusedxml (a dependency for that reason), which refuses entity
    # declarations (billion laughs, external entities) with its own exception; say so plainly.
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return InteropError(
                f"{name} holds XML entity or document type declarations, which a workbook "
                "saved by a spreadsheet never has; refused"
            )
        cause = cause.__cause__ or cause.__context__
    return InteropError(f"{name} is not an Excel workbook this app can read ({error})")


def _check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise InteropError(
            f"{name} is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
            "that is not a question spreadsheet"
        )


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InteropError(f"{name} is not an Excel workbook (.xlsx)") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise InteropError(f"{name} holds {len(entries)} parts; a question workbook has a few")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InteropError(
            f"{name} would unpack to {unpacked // (1024 * 1024)} MB; refused (a workbook of "
            "questions unpacks to far less)"
        )


def _limited(rows: Iterable[Row]) -> Iterator[Row]:
    for count, row in enumerate(rows):
        if count > MAX_ROWS:  # the header plus MAX_ROWS questions
            raise InteropError(f"more than {MAX_ROWS} rows; split the file")
        yield row


def _xlsx_cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", None) == "f":
        return _Formula(str(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_to_reading(rows: list[list[Cell]]) -> Reading:
    problems: list[str] = []
    # Blank rows (spreadsheets keep formatted empty rows) are not questions.
    numbered = [
        (number, row)
        for number, row in enumerate(rows, start=1)
        if any(isinstance(c, _Formula) or c.strip() for c in row)
    ]
    if not numbered:
        raise InteropError("the file is empty: the first row should name the columns")
    header_number, header = numbered[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        label = cell.text if isinstance(cell, _Formula) else cell.strip().lstrip("\ufeff")
        key = label.lower().replace(" ", "_")
        if not key:
            continue
        if key not in NAMES:
            problems.append(
                f"row {header_number}, column {_letter(index)}: {label!r} is not a column "
                "this app reads (see the template)"
            )
        elif key in columns:
            problems.append(f"row {header_number}: the column {key!r} is there twice")
        else:
            columns[key] = index
    for required in REQUIRED:
        if required not in columns:
            problems.append(f"row {header_number}: there is no {required!r} column")
    if problems:
        raise Problems(problems)
    items: list[Item] = []
    for number, row in numbered[1:]:
        item = _row(number, row, columns, problems)
        if item is not None:
            items.append(item)
    if problems:
        raise Problems(problems)
    if not items:
        raise InteropError("the file has a header row but no questions")
    return Reading(items=items, column=column_of)


def column_of(path: tuple[object, ...]) -> str | None:
    """The template's column that holds a question's field (a bank rule's path), or None."""
    match path:
        case ("options", int(i), *_) if i < len(LETTERS):
            return f"option_{LETTERS[i]}"
        case ("options",):
            return "correct"
        case ("pairs", int(i), "left" | "right" as side):
            return f"{side}_{i + 1}"
        case ("pairs", *_):
            return "left_1"
        case (str(name), *_) if name in NAMES:
            return name
    return None


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _row(number: int, row: list[Cell], columns: dict[str, int], problems: list[str]) -> Item | None:
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(f"row {number}, column {column}: {message}")

    values: dict[str, str] = {}
    for column, index in columns.items():
        cell = row[index] if index < len(row) else ""
        if isinstance(cell, _Formula):
            bad(column, f"a formula ({cell.text[:40]}); type the text itself, not a formula")
            values[column] = cell.text  # reported; kept so it is not also called empty
            continue
        value = cell.strip()
        if len(value) > MAX_CELL:
            bad(column, f"{len(value)} characters; a cell holds at most {MAX_CELL}")
            continue
        if value:
            values[column] = value
    for index in range(len(row)):
        if index not in columns.values():
            cell = row[index]
            if isinstance(cell, _Formula) or cell.strip():
                problems.append(
                    f"row {number}, column {_letter(index)}: a value under no column name"
                )

    raw_kind = values.get("type", "")
    kind = KINDS.get(raw_kind.lower().replace(" ", "_").replace("/", "_").replace("-", "_"))
    if not raw_kind:
        bad("type", "empty; write single, multiple, true_false or matching")
    elif kind is None:
        bad("type", f"{raw_kind!r} is not single, multiple, true_false or matching")
    if "stem" not in values:
        bad("stem", "empty; every question needs its text")
    if kind is None:
        return None

    used = {"type", "stem", "general_feedback", "category", "tags", "name"}
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    if kind in ("single", "multiple"):
        used |= {f"option_{x}" for x in LETTERS} | {f"feedback_{x}" for x in LETTERS} | {"correct"}
        choices = _choices(kind, values, bad)
    elif kind == "true_false":
        used.add("answer")
        raw = values.get("answer", "")
        if raw.lower() in ("true", "false"):
            answer = raw.lower() == "true"
        elif not raw:
            bad("answer", "empty; a true_false question needs true or false")
        else:
            bad("answer", f"{raw!r} is not true or false")
    else:
        used |= {f"{side}_{n}" for n in range(1, PAIRS + 1) for side in ("left", "right")}
        pairs = _pairs(values, bad)
    for column in values:
        if column not in used:
            bad(column, f"not used by a {kind} question; leave it empty")
    if len(problems) > before:
        return None
    tags = tuple(
        t.strip() for t in values.get("tags", "").replace(";", ",").split(",") if t.strip()
    )
    return Item(
        kind=kind,
        stem=values["stem"],
        where=f"row {number}",
        name=values.get("name"),
        choices=choices,
        answer=answer,
        pairs=pairs,
        general_feedback=values.get("general_feedback"),
        category=values.get("category"),
        tags=tags,
    )


def _choices(kind: str, values: dict[str, str], bad: Bad) -> tuple[Choice, ...]:
    present = [x for x in LETTERS if f"option_{x}" in values]
    # Options fill from A with no gaps, so a letter always means the same option.
    filled = LETTERS[: len(present)]
    if present and "".join(present) != filled:
        gap = next(x for x in LETTERS if x not in present)
        bad(f"option_{gap}", "empty, but a later option is filled; fill the options from A on")
    if len(present) < rules.MIN_OPTIONS:
        least = LETTERS[: rules.MIN_OPTIONS].upper()
        bad(
            f"option_{LETTERS[len(present)]}",
            f"empty; a question needs at least options {', '.join(least[:-1])} and {least[-1]}",
        )
    for x in LETTERS:
        if f"feedback_{x}" in values and f"option_{x}" not in values:
            bad(f"feedback_{x}", f"feedback for option {x.upper()}, which is empty")
    raw = values.get("correct", "")
    letters = [c for c in raw.replace(",", " ").replace(";", " ").split()]
    if len(letters) == 1 and len(letters[0]) > 1 and letters[0].isalpha():
        letters = list(letters[0])  # "AC"
    right: set[str] = set()
    for letter in letters:
        low = letter.lower()
        if len(low) != 1 or low not in LETTERS:
            bad("correct", f"{letter!r} is not an option letter (A to {LETTERS[-1].upper()})")
        elif low not in present:
            bad("correct", f"{letter!r} names no option")
        elif low in right:
            bad("correct", f"{letter!r} is there twice")
        else:
            right.add(low)
    if not raw:
        bad("correct", "empty; give the letter of the right option")
    elif kind == "single" and len(letters) > 1:
        bad("correct", f"{raw!r} names {len(letters)} options; a single question has one right")
    return tuple(
        Choice(values[f"option_{x}"], x in right, values.get(f"feedback_{x}")) for x in present
    )


def _pairs(values: dict[str, str], bad: Bad) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for n in range(1, PAIRS + 1):
        left, right = values.get(f"left_{n}"), values.get(f"right_{n}")
        if left and not right:
            bad(f"right_{n}", f"empty, but left_{n} is filled")
        elif right and not left:
            bad(f"left_{n}", f"empty, but right_{n} is filled")
        elif left and right:
            pairs.append((left, right))
    if len(pairs) < rules.MIN_PAIRS:
        empty = (n for n in range(1, PAIRS + 1) if not values.get(f"left_{n}"))
        bad(
            f"left_{next(empty, 1)}",  # the first pair to fill in
            f"a matching question needs at least {rules.MIN_PAIRS} pairs (left_1/right_1, ...); "
            f"this row has {len(pairs)}",
        )
    return tuple(pairs)


# --- the template --------------------------------------------------------------------------

EXAMPLES: tuple[dict[str, str], ...] = (
    {
        "type": "single",
        "stem": "Which wavelength does an Er:YAG laser emit?",
        "option_a": "1064 nm",
        "option_b": "2940 nm",
        "option_c": "10600 nm",
        "correct": "B",
        "feedback_b": "Right: Er:YAG emits at 2940 nm, near water's absorption peak.",
        "general_feedback": "Er:YAG 2940 nm; CO2 10600 nm; Nd:YAG 1064 nm.",
        "category": "Physics",
        "tags": "wavelength, er-yag",
        "name": "Er:YAG wavelength",
    },
    {
        "type": "multiple",
        "stem": "Which are signs to stop a treatment and call the supervisor?",
        "option_a": "Blanching that does not fade",
        "option_b": "Mild redness",
        "option_c": "Blistering",
        "correct": "A,C",
        "general_feedback": "Mild redness is expected; blanching and blisters are not.",
        "category": "Safety",
    },
    {
        "type": "true_false",
        "stem": "Sunscreen is needed after ablative resurfacing.",
        "answer": "true",
        "general_feedback": "New skin burns easily for months.",
        "category": "Aftercare",
    },
    {
        "type": "matching",
        "stem": "Match each laser to its wavelength.",
        "left_1": "CO2",
        "right_1": "10600 nm",
        "left_2": "Er:YAG",
        "right_2": "2940 nm",
        "left_3": "Nd:YAG",
        "right_3": "1064 nm",
        "category": "Physics",
    },
)


def template(created: datetime | None = None) -> bytes:
    """An .xlsx with the header row and one example row per kind, and a sheet that explains the
    columns. Every cell is a string cell (never a formula). Same ``created``, same bytes."""
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"created": (created or datetime(2026, 1, 1, tzinfo=UTC))})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("questions")
    for col, name in enumerate(NAMES):
        sheet.write_string(0, col, name, bold)
        sheet.set_column(col, col, 40 if name in ("stem", "general_feedback") else 14)
    sheet.freeze_panes(1, 0)
    for row, example in enumerate(EXAMPLES, start=1):
        for col, name in enumerate(NAMES):
            if example.get(name):
                sheet.write_string(row, col, example[name])
    help_sheet = workbook.add_worksheet("columns")
    help_sheet.write_string(0, 0, "column", bold)
    help_sheet.write_string(0, 1, "what goes in it", bold)
    help_sheet.set_column(0, 0, 18)
    help_sheet.set_column(1, 1, 90)
    for row, column in enumerate(COLUMNS, start=1):
        help_sheet.write_string(row, 0, column.name)
        help_sheet.write_string(row, 1, column.meaning)
    workbook.close()
    return out.getvalue()


def template_csv() -> bytes:
    """The same header and example rows as CSV (UTF-8 with a byte-order mark, for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NAMES)
    for example in EXAMPLES:
        writer.writerow([example.get(name, "") for name in NAMES])
    return "\ufeff".encode() + out.getvalue().encode()
