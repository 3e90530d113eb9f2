"""Bulk import of trainees from a CSV file: a preview of every row, then all rows or none.

The file has a header row naming the columns ``username``, ``display_name``, ``cohort`` and,
optionally, ``password`` (names compared ignoring case, spaces and underscores), separated by
commas, or by semicolons or tabs as spreadsheets write them in many locales; UTF-8 with or
without a byte-order mark. Rows are numbered as a spreadsheet shows them: the header is row 1.
Every imported trainee gets a temporary password, the file's or a generated one, and must choose
their own at their first sign-in. Generated passwords are returned once, never stored or logged.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from app import accounts, clock
from app.accounts import (
    MAX_COHORT,
    MAX_PASSWORD,
    MIN_PASSWORD,
    AccountError,
    Forbidden,
    InvalidUser,
    User,
    can_manage,
    check_username,
    has_control,
    username_key,
)
from app.exports import to_csv
from app.store import users as q
from app.store.db import writing
from app.useradmin import generate_password

COLUMNS = ("username", "display_name", "cohort", "password")
REQUIRED = COLUMNS[:3]
ALIASES = {"name": "display_name", "temporary_password": "password"}
_NAMES = {name.replace("_", ""): name for name in COLUMNS} | {
    alias.replace("_", ""): name for alias, name in ALIASES.items()
}
DELIMITERS = (",", ";", "\t")
MAX_ROWS = 500
MAX_BYTES = 1_000_000
GIVEN = "(as in your file)"
Progress = Callable[[int, int], None]  # (passwords hashed so far, how many in all)


class ImportRefused(AccountError):
    """The file has problems, so nothing was imported; ``preview`` lists every one."""

    def __init__(self, preview: Preview) -> None:
        count = len(preview.report())
        super().__init__(
            f"nothing imported: the file has {count} problem{'s' if count != 1 else ''}"
        )
        self.preview = preview


@dataclass(frozen=True)
class Row:
    """One data row of the file, with what is wrong with it (nothing: it can be imported)."""

    number: int  # as a spreadsheet numbers it: the header is row 1
    username: str
    display_name: str
    cohort: str
    password: str = field(repr=False)  # "" when the file gives none
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # worth a look, but no reason to refuse: a new cohort

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Preview:
    """Every row of the file and every problem, of the file as a whole and of each row."""

    rows: tuple[Row, ...]
    problems: tuple[str, ...] = ()  # with their row numbers: "row 1: missing column 'cohort'"
    columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when every row is valid and there is at least one: the import may go ahead."""
        return bool(self.rows) and not self.problems and all(r.ok for r in self.rows)

    def report(self) -> list[str]:
        """Every problem, one line each: ``row 7: username: already taken``."""
        lines = list(self.problems)
        lines += [f"row {r.number}: {p}" for r in self.rows for p in r.problems]
        return lines

    def frame(self) -> pd.DataFrame:
        """The rows as a table to show (passwords only as given or to be generated)."""
        return pd.DataFrame(
            [
                {
                    "Row": r.number,
                    "Username": r.username,
                    "Display name": r.display_name,
                    "Cohort": r.cohort,
                    "Password": "from the file" if r.password else "generated",
                    "Problems": "; ".join(r.problems),
                    "Notes": "; ".join(r.notes),
                }
                for r in self.rows
            ],
            columns=["Row", "Username", "Display name", "Cohort", "Password", "Problems", "Notes"],
        )


@dataclass(frozen=True)
class Imported:
    """The trainees created, and the temporary passwords generated for them (shown once)."""

    users: tuple[User, ...]
    generated: dict[str, str] = field(repr=False)  # username -> generated password

    def passwords_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "cohort": u.cohort,
                    "temporary_password": self.generated.get(u.username, GIVEN),
                }
                for u in self.users
            ],
            columns=["username", "display_name", "cohort", "temporary_password"],
        )

    def passwords_csv(self) -> bytes:
        """The sign-in sheet as Excel-safe CSV: every trainee and their temporary password."""
        return to_csv(self.passwords_frame())


# --- reading the file -----------------------------------------------------------------------------


def _header_name(cell: str) -> str:
    """The column a header cell names: case, spaces, underscores and hyphens do not count."""
    squeezed = "".join(ch for ch in cell.casefold() if ch.isalnum())
    return _NAMES.get(squeezed, cell.strip())


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
        known = sum(_header_name(c) in COLUMNS for c in first)
        if best is None or known > best[0]:
            best = (known, delimiter)
    delimiter = best[1] if best else ","
    try:
        return parse(delimiter), delimiter
    except csv.Error as exc:
        raise ValueError(f"this is not a readable CSV file ({exc})") from None


def _clean(cell: str) -> str:
    return cell.strip()


# --- preview and apply ----------------------------------------------------------------------------


def preview(engine: Engine, actor: User | None, data: bytes) -> Preview:
    """Every row of the file with its problems, checked against the database as it is now.

    ``actor`` None is the operator at the console. Raises Forbidden for trainees.
    """
    _may_import(actor)
    try:
        records, _ = _records(_decode(data))
    except ValueError as exc:
        return Preview((), (str(exc),))
    if not records:
        return Preview((), ("the file is empty",))
    header, body = records[0], records[1:]
    columns = [_header_name(c) for c in header]
    problems = _header_problems(header, columns)
    while body and not any(c.strip() for c in body[-1]):
        body.pop()  # spreadsheets often end a file with empty rows: nothing to say about them
    if not body and not problems:
        problems.append("the file has a header but no trainees below it")
    if len(body) > MAX_ROWS:
        problems.append(f"the file has {len(body)} rows of trainees; import at most {MAX_ROWS}")
        body = []
    if problems:
        return Preview((), tuple(problems), tuple(columns))
    with engine.connect() as conn:
        rows = _check_rows(conn, actor, columns, body)
    return Preview(tuple(rows), (), tuple(columns))


def _may_import(actor: User | None) -> None:
    if actor is not None and not (actor.active and actor.role in ("trainer", "manager")):
        raise Forbidden("importing trainees is for trainers and managers")


def _header_problems(header: list[str], columns: list[str]) -> list[str]:
    expected = f"expected {', '.join(REQUIRED)} and optionally password"
    if not any(c in COLUMNS for c in columns):
        return [f"row 1: the first row must name the columns ({expected})"]
    problems = []
    for name, raw in zip(columns, header, strict=True):
        if not name:
            problems.append("row 1: a column has no name")
        elif name not in COLUMNS:
            problems.append(f"row 1: unknown column '{raw.strip()}' ({expected})")
    for name in COLUMNS:
        if columns.count(name) > 1:
            problems.append(f"row 1: column '{name}' appears {columns.count(name)} times")
    problems += [f"row 1: missing column '{n}'" for n in REQUIRED if n not in columns]
    return problems


def _check_rows(conn, actor: User | None, columns: list[str], body: list[list[str]]) -> list[Row]:
    known_cohorts = set(q.cohorts(conn))
    parsed: list[tuple[int, dict[str, str], list[str]]] = []
    for index, cells in enumerate(body, start=2):
        problems = []
        if len(cells) > len(columns):
            extra = [c for c in cells[len(columns) :] if c.strip()]
            if extra:
                problems.append(
                    f"{len(cells)} cells but the header names {len(columns)} columns "
                    "(a comma inside a name? put the name in double quotes)"
                )
        values = {
            name: _clean(cells[i]) if i < len(cells) else "" for i, name in enumerate(columns)
        }
        parsed.append((index, values, problems))
    keys = {}
    for index, values, _ in parsed:
        try:
            keys[index] = username_key(check_username(values["username"]))
        except InvalidUser:
            continue
    taken = q.taken(conn, sorted(set(keys.values())))
    first_seen: dict[str, int] = {}
    rows = []
    for index, values, problems in parsed:
        notes: list[str] = []
        if not any(values.values()) and not problems:
            problems.append("empty row (delete it, or fill it in)")
        else:
            problems += _username_problems(
                values["username"], keys.get(index), taken, first_seen, index
            )
            problems += _row_problems(actor, values, known_cohorts, notes)
        rows.append(
            Row(
                index,
                values["username"],
                values["display_name"],
                values["cohort"],
                values.get("password", ""),
                tuple(problems),
                tuple(notes),
            )
        )
    return rows


def _username_problems(
    name: str, key: str | None, taken: dict[str, bool], first_seen: dict[str, int], index: int
) -> list[str]:
    if not name:
        return ["username: missing"]
    if key is None:
        try:
            check_username(name)
        except InvalidUser as exc:
            return [f"username: {str(exc).removeprefix('username ')}"]
    assert key is not None
    if key in first_seen:
        return [f"username: same as row {first_seen[key]}"]
    first_seen[key] = index
    if key in taken:
        return ["username: already taken" + ("" if taken[key] else " (by a deactivated account)")]
    return []


def _row_problems(
    actor: User | None, values: dict[str, str], known: set[str], notes: list[str]
) -> list[str]:
    problems = []
    shown, cohort, password = values["display_name"], values["cohort"], values.get("password", "")
    if not shown:
        problems.append("display_name: missing")
    elif len(shown) > 200:
        problems.append("display_name: longer than 200 characters")
    elif has_control(shown):
        problems.append("display_name: may not contain control characters")
    if not cohort:
        problems.append("cohort: missing (every trainee needs one)")
    elif len(cohort) > MAX_COHORT:
        problems.append(f"cohort: longer than {MAX_COHORT} characters")
    elif has_control(cohort):
        problems.append("cohort: may not contain control characters")
    elif actor is not None and not can_manage(actor, "trainee", cohort):
        problems.append(f"cohort: you may add trainees to your own cohort '{actor.cohort}' only")
    elif cohort not in known:
        notes.append(f"new cohort '{cohort}'")
    if password and len(password) < MIN_PASSWORD:
        problems.append(f"password: shorter than {MIN_PASSWORD} characters")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"password: longer than {MAX_PASSWORD} characters")
    return problems


def apply(
    engine: Engine, actor: User | None, data: bytes, progress: Progress | None = None
) -> Imported:
    """Import every row of the file in one transaction, or nothing if any row has a problem.

    Passwords are hashed first (slow on purpose, so in parallel and reporting ``progress``),
    then the rows are checked again and written together. Raises ImportRefused, Forbidden.
    """
    checked = preview(engine, actor, data)
    if not checked.ok:
        raise ImportRefused(checked)
    rows = checked.rows
    names = [check_username(r.username) for r in rows]
    generated = {n: generate_password() for n, r in zip(names, rows, strict=True) if not r.password}
    secrets_ = [r.password or generated[n] for n, r in zip(names, rows, strict=True)]
    hashes = _hash_all(secrets_, progress)
    now = clock.now()
    actor_id = actor.id if actor else None
    try:
        with writing(engine) as conn:
            again = _check_rows(conn, actor, list(checked.columns), _as_cells(checked))
            if not all(r.ok for r in again):
                raise ImportRefused(Preview(tuple(again), (), checked.columns))
            users = []
            for row, password_hash in zip(rows, hashes, strict=True):
                name = check_username(row.username)
                user_id = q.add(
                    conn,
                    username=name,
                    username_key=username_key(name),
                    display_name=row.display_name,
                    role="trainee",
                    cohort=row.cohort,
                    password_hash=password_hash,
                    active=True,
                    failed_logins=0,
                    created_at=now,
                    must_change_password=True,
                )
                users.append(
                    User(user_id, name, row.display_name, "trainee", row.cohort, True, True)
                )
                q.audit(
                    conn,
                    now,
                    actor_id,
                    "user.create",
                    name,
                    role="trainee",
                    cohort=row.cohort,
                    temporary_password=True,
                    imported=True,
                )
            q.audit(
                conn,
                now,
                actor_id,
                "user.import",
                f"{len(users)} trainees",
                rows=len(users),
                cohorts=sorted({u.cohort for u in users if u.cohort}),
                generated_passwords=len(generated),
            )
    except IntegrityError:
        # Someone took one of the usernames between the check and the insert: nothing was kept.
        raise ImportRefused(preview(engine, actor, data)) from None
    return Imported(tuple(users), generated)


def _as_cells(checked: Preview) -> list[list[str]]:
    order = list(checked.columns)
    return [
        [
            {
                "username": r.username,
                "display_name": r.display_name,
                "cohort": r.cohort,
                "password": r.password,
            }[name]
            for name in order
        ]
        for r in checked.rows
    ]


def _hash_all(passwords: list[str], progress: Progress | None) -> list[str]:
    """argon2 hashes of the passwords, in order; argon2 releases the GIL, so threads help."""
    total = len(passwords)
    if progress:
        progress(0, total)
    hasher = accounts.hasher
    workers = max(1, min(4, os.cpu_count() or 1, total))
    hashes: list[str] = []
    with ThreadPoolExecutor(workers) as pool:
        for done, password_hash in enumerate(pool.map(hasher.hash, passwords), start=1):
            hashes.append(password_hash)
            if progress:
                progress(done, total)
    return hashes


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
