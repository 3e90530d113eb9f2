"""The files managers open in a spreadsheet: Excel-safe RFC 4180 CSV, or an Excel workbook.

Excel-safe CSV means:

- every text cell of the body is quoted (numbers and booleans are not; a missing value is an
  empty quoted field), so a program that splits at commas keeps each cell whole;
- a text cell that could run as a formula, whole or in part, is neutralised (``formula_like``
  is the one rule, ``excel_safe`` the one way): if it starts with a formula trigger (``= + - @``
  or their full-width forms, U+FF1D U+FF0B U+FF0D U+FF20) or with a tab, carriage return or line
  feed, or if anywhere in it a separator (``, ; |``, tab, carriage return, line feed) is
  followed, after optional spaces or double quotes, by a trigger. It gets a leading ``'``, so it
  shows as text, and a ``'`` before each trigger that follows a separator: a spreadsheet whose
  locale splits lines at another separator than the comma (``;`` in much of Europe) ignores
  quotes that do not open a field, so ``Ann Lee;=2+3;`` would still be cut at its semicolon,
  and the piece, ``'=2+3;``, is text. Written: ``"'Ann Lee;'=2+3;"``;
- fields are otherwise as RFC 4180 says (quotes doubled, CRLF line ends); the header line is
  quoted only where it must be; the file is UTF-8 with a byte-order mark unless asked not to
  (Excel needs it to read accents right).

The workbook (``write_xlsx``) has no such rewriting to do: numbers are number cells, booleans
boolean cells, and text is written verbatim as string cells, which a spreadsheet shows and never
evaluates (no cell is a formula or a link, whatever its text). One sheet, the header row bold and
frozen, written a row at a time to disk (XlsxWriter's ``constant_memory``), so a large export
never sits whole in memory; Excel's limits (rows, columns, characters in a cell) are checked and
refused with ``TooLarge`` rather than cut short.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

import numpy as np
import pandas as pd
import xlsxwriter

from app.errors import ResurfaceError

FORMATS = ("csv", "xlsx")
Format = Literal["csv", "xlsx"]
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# The full-width forms (U+FF1D = , U+FF0B + , U+FF0D - , U+FF20 @) written as escapes.
TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20"
FORMULA_START = frozenset(TRIGGERS + "\t\r\n")
# Where a spreadsheet may start a cell: the list separators of the common locales, the pipe
# some programs split at, and line breaks.
SEPARATORS = ",;|\t\r\n"
# The one home of the rule: text that could run has a trigger first, or one after a separator
# (and spaces or double quotes); _INNER is where the second kind gets its '.
_START = f"[{re.escape(''.join(sorted(FORMULA_START)))}]"
_AFTER = f'[{re.escape(SEPARATORS)}][\\s"]*'
_TRIGGER = f"[{re.escape(TRIGGERS)}]"
_FORMULA = re.compile(f"^{_START}|{_AFTER}{_TRIGGER}")
_INNER = re.compile(f"({_AFTER})({_TRIGGER})")
BOM = "\ufeff".encode()

# Excel's limits: rows and columns of a sheet (the header takes one row), characters in a cell.
XLSX_MAX_ROWS = 1_048_575
XLSX_MAX_COLUMNS = 16_384
XLSX_MAX_TEXT = 32_767
_XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": False,
}


class TooLarge(ResurfaceError, ValueError):
    """An export does not fit in an Excel sheet."""


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text, or a piece of it, for a formula."""
    return _FORMULA.search(text) is not None


def excel_safe(value: object) -> object:
    """``value`` neutralised if it is text a spreadsheet could take for a formula, whole or in
    part: a leading ``'``, and a ``'`` before each trigger that follows a separator."""
    if isinstance(value, str) and formula_like(value):
        return "'" + _INNER.sub(r"\1'\2", value)
    return value


def _safe_column(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.CategoricalDtype):
        # Neutralise each distinct value once; the codes stay as they are.
        categories = column.cat.categories
        safe = [excel_safe(c) for c in categories]
        if len(set(safe)) == len(safe):
            return column.cat.rename_categories(safe)
        column = column.astype(object)  # 'x and =x... would collide: do it cell by cell
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        try:
            risky = column.str.contains(_FORMULA, na=False).to_numpy(dtype=bool)
        except AttributeError:  # no text at all (booleans, or nothing but missing values)
            return column
        if risky.any():
            values = column.to_numpy(dtype=object, copy=True)
            values[risky] = [excel_safe(v) for v in values[risky]]
            return pd.Series(values, index=column.index, name=column.name)
    return column


def _text(frame: pd.DataFrame, header: bool) -> str:
    out = io.StringIO()
    if header:
        csv.writer(out, lineterminator="\r\n").writerow(frame.columns)
    safe = pd.DataFrame({c: _safe_column(frame[c]) for c in frame.columns}, index=frame.index)
    safe.to_csv(out, index=False, header=False, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    return out.getvalue()


def to_csv(frame: pd.DataFrame, bom: bool = True) -> bytes:
    """The frame as Excel-safe RFC 4180 CSV bytes (UTF-8, with a BOM unless ``bom`` is False)."""
    out = io.BytesIO()
    write_frames([frame], out, bom)
    return out.getvalue()


def write_frames(frames: Iterable[pd.DataFrame], out: BinaryIO, bom: bool = True) -> int:
    """Write frames with the same columns as one CSV (header once); the number of data rows.

    Each frame is written as soon as it comes, so a large export never sits whole in memory.
    """
    if bom:
        out.write(BOM)
    rows, first = 0, True
    for frame in frames:
        out.write(_text(frame, header=first).encode())
        rows, first = rows + len(frame), False
    return rows


def write_xlsx(
    frames: Iterable[pd.DataFrame],
    out: BinaryIO,
    sheet: str = "export",
    created: datetime | None = None,
) -> int:
    """Write frames with the same columns as one sheet of an Excel workbook; the number of rows.

    Nothing reaches ``out`` until every row is in (the workbook is assembled at the end from
    files in a temporary folder). The workbook says it was made at ``created`` (default: now);
    with the same rows and moment it is the same bytes. Raises TooLarge if a limit of Excel's
    would be passed.
    """
    with tempfile.TemporaryDirectory(prefix="resurface-xlsx-") as folder:
        workbook = xlsxwriter.Workbook(out, {**_XLSX_OPTIONS, "tmpdir": folder})
        workbook.set_properties({"created": (created or datetime.now(UTC)).astimezone(UTC)})
        # Zip64 records only if the file or a part of it passes 2 GB (a wide export near the row
        # limit); a smaller workbook is byte for byte the same as without.
        workbook.use_zip64()
        worksheet = workbook.add_worksheet(sheet)
        try:
            rows = _fill(workbook, worksheet, frames)
        except BaseException:
            # What close() would do, without writing a workbook that is not whole.
            worksheet._opt_close()
            raise
        workbook.close()
    return rows


def _fill(workbook: Any, worksheet: Any, frames: Iterable[pd.DataFrame]) -> int:
    rows, first = 0, True
    for frame in frames:
        if first:
            if len(frame.columns) > XLSX_MAX_COLUMNS:
                raise TooLarge(f"the export has more than Excel's {XLSX_MAX_COLUMNS:,} columns")
            bold = workbook.add_format({"bold": True})
            for col, name in enumerate(frame.columns):
                worksheet.write_string(0, col, str(name), bold)
                worksheet.set_column(col, col, max(10, min(len(str(name)) + 2, 40)))
            worksheet.freeze_panes(1, 0)
            first = False
        if rows + len(frame) > XLSX_MAX_ROWS:
            raise TooLarge(
                f"the export has more than Excel's {XLSX_MAX_ROWS:,} data rows; export as CSV "
                "or narrow the filters"
            )
        columns = [frame[c].to_numpy(dtype=object, na_value=None) for c in frame.columns]
        for row, values in enumerate(zip(*columns, strict=True), start=rows + 1):
            for col, value in enumerate(values):
                if value is None:
                    continue  # missing: an empty cell
                if isinstance(value, str):
                    if value and worksheet.write_string(row, col, value):  # "": an empty cell
                        raise TooLarge(
                            f"a text cell has more than Excel's {XLSX_MAX_TEXT:,} characters; "
                            "export as CSV"
                        )
                elif isinstance(value, bool | np.bool_):
                    worksheet.write_boolean(row, col, bool(value))
                else:
                    worksheet.write_number(row, col, value)
        rows += len(frame)
    return rows
