"""Excel-safe RFC 4180 CSV: text that a spreadsheet would run as a formula is neutralised.

Excel-safe means: a text cell that starts with a character a spreadsheet would read as the start
of a formula (``= + - @``, tab, carriage return, line feed, or their full-width forms) gets a
leading ``'``, so it shows as text and never runs; numbers stay numbers. Quoting follows RFC 4180
(fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF line ends), and the
file is UTF-8 with a byte-order mark unless asked not to (Excel needs it to read accents right).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

import numpy as np
import pandas as pd

# The full-width forms (U+FF1D = , U+FF0B + , U+FF0D - , U+FF20 @) written as escapes.
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
BOM = "\ufeff".encode()


def excel_safe(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value and value[0] in FORMULA_START:
        return "'" + value
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
        values = column.to_numpy(dtype=object)
        risky = np.fromiter(
            (isinstance(v, str) and v[:1] in FORMULA_START and v != "" for v in values),
            dtype=bool,
            count=len(values),
        )
        if risky.any():
            values = values.copy()
            values[risky] = ["'" + v for v in values[risky]]
            return pd.Series(values, index=column.index, name=column.name)
    return column


def _text(frame: pd.DataFrame, header: bool) -> str:
    safe = pd.DataFrame({c: _safe_column(frame[c]) for c in frame.columns}, index=frame.index)
    out = io.StringIO()
    safe.to_csv(out, index=False, header=header, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
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
