"""The import file's format: its columns, how its bytes become text, which delimiter it uses."""

from __future__ import annotations

import csv
import io

import pandas as pd

from app.exports import to_csv

COLUMNS = ("username", "display_name", "cohort", "password")
REQUIRED = COLUMNS[:3]
# Inviting by email (app.invitations): an address instead of a password.
INVITE_COLUMNS = (*REQUIRED, "email")
ALIASES = {"name": "display_name", "temporary_password": "password", "e_mail": "email"}
_NAMES = {name.replace("_", ""): name for name in (*COLUMNS, "email")} | {
    alias.replace("_", ""): name for alias, name in ALIASES.items()
}
DELIMITERS = (",", ";", "\t")
MAX_BYTES = 1_000_000


def header_name(cell: str) -> str:
    """The column a header cell names: case, spaces, underscores and hyphens do not count."""
    squeezed = "".join(ch for ch in cell.casefold() if ch.isalnum())
    return _NAMES.get(squeezed, cell.strip())


def read_records(data: bytes) -> list[list[str]]:
    """The file's records, header first. Raises ValueError with what to tell the user."""
    records, _ = _records(_decode(data))
    return records


def _decode(data: bytes) -> str:
    """The file's text. Raises ValueError with what to tell the user."""
    if not data.strip():
        raise ValueError("the file is empty")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            "this is an Excel workbook, not a CSV file: in Excel choose "
            "File > Save As > CSV UTF-8 (comma delimited), then upload that"
        )
    if len(data) > MAX_BYTES:
        raise ValueError(f"the file is larger than {MAX_BYTES // 1000} kB; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the file is not UTF-8 text (byte {exc.start + 1}): save it as "
            "'CSV UTF-8' from your spreadsheet"
        ) from None
    if "\x00" in text:
        raise ValueError("this is not a CSV file (it contains binary data)")
    return text


def _records(text: str) -> tuple[list[list[str]], str]:
    """The file's records and its delimiter: the one that makes the most known header names."""

    def parse(delimiter: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))

    best: tuple[int, str] | None = None
    for delimiter in DELIMITERS:
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(header_name(c) in (*COLUMNS, "email") for c in first)
        if best is None or known > best[0]:
            best = (known, delimiter)
    delimiter = best[1] if best else ","
    try:
        return parse(delimiter), delimiter
    except csv.Error as exc:
        raise ValueError(f"this is not a readable CSV file ({exc})") from None


def template_csv() -> bytes:
    """An example file to fill in: the header and two trainees (one with a password)."""
    frame = pd.DataFrame(
        [
            {"username": "ann.lee", "display_name": "Ann Lee", "cohort": "north", "password": ""},
            {
                "username": "bo.chan",
                "display_name": "Bo Chan",
                "cohort": "north",
                "password": "first-day-2025",
            },
        ],
        columns=list(COLUMNS),
    )
    return to_csv(frame)


def invite_template_csv() -> bytes:
    """An example file for inviting by email: the header and two trainees."""
    frame = pd.DataFrame(
        [
            {
                "username": "ann.lee",
                "display_name": "Ann Lee",
                "cohort": "north",
                "email": "ann.lee@clinic.example",
            },
            {
                "username": "bo.chan",
                "display_name": "Bo Chan",
                "cohort": "north",
                "email": "bo.chan@clinic.example",
            },
        ],
        columns=list(INVITE_COLUMNS),
    )
    return to_csv(frame)
