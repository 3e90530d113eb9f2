"""Checking an import file before anything is written: every row and every problem, numbered."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from app.accounts import (
    MAX_COHORT,
    InvalidUser,
    User,
    check_username,
    has_control,
    looks_like,
    password_problem,
    require,
    username_key,
)
from app.mail import InvalidAddress, check_address
from app.permissions import Action, NewAccount, acting, allowed
from app.store import users as user_store
from app.userimport.csvfile import COLUMNS, INVITE_COLUMNS, REQUIRED, header_name, read_records

MAX_ROWS = 500


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
    email: str = ""  # inviting by email: where the link goes

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Preview:
    """Every row of the file and every problem, of the file as a whole and of each row."""

    rows: tuple[Row, ...]
    problems: tuple[str, ...] = ()  # with their row numbers: "row 1: missing column 'cohort'"
    columns: tuple[str, ...] = ()
    invite: bool = False  # inviting by email: an email column, no passwords

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
        if self.invite:
            return pd.DataFrame(
                [
                    {
                        "Row": r.number,
                        "Username": r.username,
                        "Display name": r.display_name,
                        "Cohort": r.cohort,
                        "Email": r.email,
                        "Problems": "; ".join(r.problems),
                        "Notes": "; ".join(r.notes),
                    }
                    for r in self.rows
                ],
                columns=["Row", "Username", "Display name", "Cohort", "Email", "Problems", "Notes"],
            )
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


def preview(engine: Engine, actor: User | None, data: bytes, invite: bool = False) -> Preview:
    """Every row of the file with its problems, checked against the database as it is now.

    ``invite``: inviting by email, so an ``email`` column instead of passwords. ``actor`` None is
    the operator at the console. Raises Forbidden for trainees.
    """
    _may_import(actor)
    try:
        records = read_records(data)
    except ValueError as exc:
        return Preview((), (str(exc),), invite=invite)
    if not records:
        return Preview((), ("the file is empty",), invite=invite)
    header, body = records[0], records[1:]
    columns = [header_name(c) for c in header]
    problems = _header_problems(header, columns, invite)
    while body and not any(c.strip() for c in body[-1]):
        body.pop()  # spreadsheets often end a file with empty rows: nothing to say about them
    if not body and not problems:
        problems.append("the file has a header but no trainees below it")
    if len(body) > MAX_ROWS:
        problems.append(f"the file has {len(body)} rows of trainees; import at most {MAX_ROWS}")
        body = []
    if problems:
        return Preview((), tuple(problems), tuple(columns), invite)
    with engine.connect() as conn:
        rows = check_rows(conn, actor, columns, body)
    return Preview(tuple(rows), (), tuple(columns), invite)


def _may_import(actor: User | None) -> None:
    require(acting(actor), Action.IMPORT_USERS)


def _header_problems(header: list[str], columns: list[str], invite: bool) -> list[str]:
    known, required = (INVITE_COLUMNS, INVITE_COLUMNS) if invite else (COLUMNS, REQUIRED)
    expected = (
        f"expected {', '.join(REQUIRED)} and email"
        if invite
        else f"expected {', '.join(REQUIRED)} and optionally password"
    )
    if not any(c in known for c in columns):
        return [f"row 1: the first row must name the columns ({expected})"]
    problems = []
    for name, raw in zip(columns, header, strict=True):
        if not name:
            problems.append("row 1: a column has no name")
        elif invite and name == "password":
            problems.append(
                "row 1: column 'password': invited trainees choose their own; remove the column"
            )
        elif name not in known:
            problems.append(f"row 1: unknown column '{raw.strip()}' ({expected})")
    for name in known:
        if columns.count(name) > 1:
            problems.append(f"row 1: column '{name}' appears {columns.count(name)} times")
    problems += [f"row 1: missing column '{n}'" for n in required if n not in columns]
    return problems


def check_rows(conn, actor: User | None, columns: list[str], body: list[list[str]]) -> list[Row]:
    """Each data row with its problems, checked against the database through ``conn``."""
    known_cohorts = set(user_store.cohorts(conn))
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
    taken = user_store.taken(conn, sorted(set(keys.values())))
    existing = user_store.usernames(conn)
    first_seen: dict[str, int] = {}
    earlier: dict[str, int] = {}  # the usernames of the rows above, by row
    rows = []
    for index, values, problems in parsed:
        notes: list[str] = []
        if not any(values.values()) and not problems:
            problems.append("empty row (delete it, or fill it in)")
        else:
            problems += _username_problems(
                values["username"], keys.get(index), taken, first_seen, index
            ) or _lookalike_problems(values["username"], existing, earlier, index)
            problems += _row_problems(actor, values, known_cohorts, notes)
            if "email" in values:
                try:
                    check_address(values["email"])
                except InvalidAddress as exc:
                    problems.append(str(exc).replace("email address: ", "email: ", 1))
        rows.append(
            Row(
                index,
                values["username"],
                values["display_name"],
                values["cohort"],
                values.get("password", ""),
                tuple(problems),
                tuple(notes),
                values.get("email", ""),
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


def _lookalike_problems(
    name: str, existing: list[str], earlier: dict[str, int], index: int
) -> list[str]:
    """A username that could be mistaken for an existing one, or for one of an earlier row."""
    other = looks_like(name, existing)
    if other is not None:
        return [f"username: could be mistaken for the existing '{other}'"]
    row = looks_like(name, earlier)
    earlier[name] = index
    if row is not None:
        return [f"username: could be mistaken for '{row}' of row {earlier[row]}"]
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
    elif actor is not None and not allowed(
        actor, Action.CREATE_USER, NewAccount("trainee", cohort)
    ):
        problems.append(f"cohort: you may add trainees to your own cohort '{actor.cohort}' only")
    elif cohort not in known:
        notes.append(f"new cohort '{cohort}'")
    weak = password_problem(password, (values["username"], shown)) if password else None
    if weak is not None:
        problems.append(weak.replace("password ", "password: ", 1))
    return problems


def _clean(cell: str) -> str:
    return cell.strip()
