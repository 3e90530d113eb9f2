"""The audit log for managers: search it a page at a time, read it whole, export it as CSV or JSON.

Every line says when (UTC), who (a user, the operator at the console, or for a failed sign-in
with an unknown username nobody known), the action, its target and details. Reading the log is
for active managers and the console (``actor`` None); an export is itself written to the log.
Details never show password material: the code that writes the log puts none there, and any
detail whose key looks like a secret is redacted here all the same.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

import pandas as pd
from sqlalchemy import Engine

from app import clock
from app.accounts import NotFound, User, recheck, require, username_key
from app.exports import to_csv
from app.permissions import Action, acting
from app.store import audit as audit_store
from app.store import users as user_store
from app.store.db import writing

CONSOLE = "console"  # the user filter for the operator at the console
PER_PAGE = 100
MAX_PER_PAGE = 1000
BATCH = 5000  # lines read at a time when reading the log whole
FORMATS = ("csv", "json")
Format = Literal["csv", "json"]

WHO_CONSOLE = "(console)"
WHO_NOBODY = "(not signed in)"  # a failed sign-in with a username nobody has
REDACTED = "[redacted]"
_SECRET = re.compile(r"pass(word|wd|phrase)|secret|token|credential|(^|_)hash$", re.IGNORECASE)

# The export's columns, in order (docs/exports.md describes each).
COLUMNS = [
    "id",
    "at_utc",
    "actor",
    "actor_name",
    "action",
    "target",
    "details",
    "detail_json",
]


@dataclass(frozen=True)
class AuditFilters:
    """Which lines to show; every field left empty matches everything.

    ``since``/``until``: at or after / before these aware times. ``actions``: exact action names
    (``login``), or groups ending in ``*`` (``login*`` is ``login`` and ``login.failed``;
    ``user.*`` every ``user.`` action). ``user``: a username (any case) or ``console``.
    ``target``: text the target contains; ``text``: text the target or the details contain
    (both without regard to case).
    """

    since: datetime | None = None
    until: datetime | None = None
    actions: tuple[str, ...] = ()
    user: str | None = None
    target: str | None = None
    text: str | None = None

    def shown(self) -> dict[str, Any]:
        """The filters that are set, as JSON-ready values (for the export's own audit line)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value in (None, "", ()):
                continue
            if isinstance(value, datetime):
                value = _iso(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out


@dataclass(frozen=True)
class Line:
    """One line of the log, its details already redacted."""

    id: int
    at: datetime
    actor_id: int | None
    username: str | None
    display_name: str | None
    action: str
    target: str | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def who(self) -> str:
        """``Display Name (username)``, ``(console)``, or ``(not signed in)``."""
        if self.username is not None:
            shown = self.display_name or self.username
            return shown if shown == self.username else f"{shown} ({self.username})"
        if self.actor_id is not None:  # a user row that has gone: keep what the log knows
            return f"user #{self.actor_id}"
        return WHO_NOBODY if self.action.startswith(audit_store.SIGN_IN) else WHO_CONSOLE

    @property
    def actor(self) -> str:
        """The username, or ``(console)`` / ``(not signed in)``."""
        if self.username is not None:
            return self.username
        return self.who

    @property
    def details(self) -> str:
        return readable(self.detail)


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    total: int
    page: int  # from 1
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The number of the first line shown, from 1 (0 when none)."""
        return (self.page - 1) * self.per_page + 1 if self.lines else 0

    @property
    def last(self) -> int:
        return self.first + len(self.lines) - 1 if self.lines else 0

    @property
    def label(self) -> str:
        """``1\u2013100 of 12,345`` with an en dash (or ``0 of 0``)."""
        if not self.lines:
            return f"0 of {self.total:,}"
        return f"{self.first:,}\u2013{self.last:,} of {self.total:,}"


# --- reading ------------------------------------------------------------------------------------


def allowed(actor: User | None) -> None:
    """Raise Forbidden unless the actor may read the audit log (``actor`` None: the console)."""
    require(acting(actor), Action.READ_AUDIT)


def search(
    engine: Engine,
    actor: User | None,
    filters: AuditFilters | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """One page of the lines that match, newest first, and how many match in all.

    A page past the end gives the last page. Raises Forbidden, NotFound (no such user), and
    ValueError for a page size outside 1..MAX_PER_PAGE.
    """
    allowed(actor)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"lines per page must be 1 to {MAX_PER_PAGE}")
    with engine.connect() as conn:
        where = _criteria(conn, filters or AuditFilters())
        total = audit_store.count(conn, where)
        last = max(1, -(-total // per_page))
        page = min(max(1, page), last)
        rows = audit_store.page(conn, where, per_page, (page - 1) * per_page) if total else []
    return Page([_line(r) for r in rows], total, page, per_page)


def count(engine: Engine, actor: User | None, filters: AuditFilters | None = None) -> int:
    """How many lines match. Raises Forbidden, NotFound."""
    allowed(actor)
    with engine.connect() as conn:
        return audit_store.count(conn, _criteria(conn, filters or AuditFilters()))


def lines(
    engine: Engine,
    actor: User | None,
    filters: AuditFilters | None = None,
    limit: int | None = None,
) -> Iterator[Line]:
    """Every line that matches (at most ``limit``), newest first, read BATCH lines at a time.

    Raises Forbidden and NotFound before yielding anything.
    """
    with engine.connect() as conn:
        allowed(recheck(conn, actor))
        where = _criteria(conn, filters or AuditFilters())
    return _lines(engine, where, limit)


def _lines(engine: Engine, where: audit_store.Criteria, limit: int | None) -> Iterator[Line]:
    left = limit
    before: tuple[datetime, int] | None = None
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        with engine.connect() as conn:
            rows = audit_store.batch(conn, where, size, before)
        for row in rows:
            yield _line(row)
        if len(rows) < size:
            return
        before = (rows[-1]["at"], rows[-1]["id"])
        if left is not None:
            left -= len(rows)


def actions(engine: Engine, actor: User | None) -> list[str]:
    """Every action in the log, alphabetically. Raises Forbidden."""
    allowed(actor)
    with engine.connect() as conn:
        return audit_store.actions(conn)


def groups(names: list[str]) -> list[str]:
    """The groups these action names fall in, sorted: ``user.*`` for ``user.create`` and the
    other ``user.`` actions; ``login*`` for ``login.failed`` and ``login`` itself (a group whose
    head is an action too takes it in)."""
    heads = {name.split(".", 1)[0] for name in names if "." in name}
    return sorted(f"{head}*" if head in names else f"{head}.*" for head in heads)


def _criteria(conn: Any, f: AuditFilters) -> audit_store.Criteria:
    user = (f.user or "").strip()
    console = user.casefold() == CONSOLE
    key = None
    if user and not console:
        key = username_key(user)
        if user_store.by_key(conn, key) is None:
            raise NotFound(f"no user '{user}'")
    exact = tuple(a.strip() for a in f.actions if a.strip() and not a.strip().endswith("*"))
    prefixes = tuple(a.strip()[:-1] for a in f.actions if a.strip().endswith("*"))
    if "" in prefixes:  # a bare "*": every action
        exact, prefixes = (), ()
    return audit_store.Criteria(
        since=f.since,
        until=f.until,
        actions=exact,
        prefixes=prefixes,
        actor_key=key,
        console=console,
        target=(f.target or "").strip() or None,
        text=(f.text or "").strip() or None,
    )


def _line(row: dict[str, Any]) -> Line:
    return Line(
        row["id"],
        row["at"],
        row["actor_id"],
        row["username"],
        row["display_name"],
        row["action"],
        row["target"],
        redact(row["detail"] or {}),
    )


# --- details ------------------------------------------------------------------------------------


def redact(detail: Any) -> Any:
    """The details, keys sorted, with any value under a secret-looking key hidden.

    Secret-looking: the key mentions a password, passphrase, secret, token or credential, or
    is or ends in ``hash``; values that are only yes/no or empty stay.
    """
    if isinstance(detail, dict):
        return {k: _redacted(k, v) for k, v in sorted(detail.items())}
    if isinstance(detail, list):
        return [redact(v) for v in detail]
    return detail


def _redacted(key: str, value: Any) -> Any:
    # A yes/no such as must_change_password=true is no secret; text or a number under such a
    # key might be.
    if _SECRET.search(str(key)) and not (value is None or isinstance(value, bool)):
        return REDACTED
    return redact(value)


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        plain = value and not re.search(r"[\s,=\"]", value)
        return value if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def readable(detail: dict[str, Any] | None) -> str:
    """``key=value`` pairs sorted by key, ``, ``-separated; text with spaces in quotes."""
    return ", ".join(f"{k}={_value(v)}" for k, v in sorted((detail or {}).items()))


# --- exports ------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def record(line: Line) -> dict[str, Any]:
    """One line as an export row (COLUMNS; ``detail_json`` is the details as JSON text)."""
    return {
        "id": line.id,
        "at_utc": _iso(line.at),
        "actor": line.actor,
        "actor_name": line.display_name or "",
        "action": line.action,
        "target": line.target or "",
        "details": line.details,
        "detail_json": json.dumps(line.detail, ensure_ascii=False, sort_keys=True),
    }


def frame(rows: list[Line]) -> pd.DataFrame:
    return pd.DataFrame([record(r) for r in rows], columns=COLUMNS)


def write(
    engine: Engine,
    actor: User | None,
    out: BinaryIO,
    filters: AuditFilters | None = None,
    fmt: Format = "csv",
    *,
    bom: bool = True,
    limit: int | None = None,
    now: datetime | None = None,
) -> int:
    """Write the matching lines, newest first, to ``out``; returns how many; logs the export.

    CSV is app.exports.to_csv's (Excel-safe RFC 4180, UTF-8, a BOM unless ``bom`` is False);
    JSON an array of objects, one per line of text: the CSV's columns with ``detail`` as an
    object instead of ``details`` and ``detail_json``. Either is written
    BATCH lines at a time. The export's own audit line (action ``export``, target ``audit``)
    carries the filters, format and row count; it is written even when the output breaks off,
    with ``complete`` false. Raises Forbidden, NotFound, ValueError (unknown format).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    filters = filters or AuditFilters()
    found = lines(engine, actor, filters, limit)  # checks the actor before anything is written
    written = 0
    complete = False
    try:
        if fmt == "json":
            out.write(b"[")
        chunk: list[Line] = []
        for line in found:
            chunk.append(line)
            if len(chunk) == BATCH:
                _write_chunk(out, chunk, fmt, first=written == 0, bom=bom)
                written += len(chunk)
                chunk = []
        if chunk or written == 0:
            _write_chunk(out, chunk, fmt, first=written == 0, bom=bom)
            written += len(chunk)
        if fmt == "json":
            out.write(b"\n]\n")
        complete = True
    finally:
        extra = {} if complete else {"complete": False}
        with writing(engine) as conn:
            audit_store.record(
                conn,
                now or clock.now(),
                actor.id if actor else None,
                "export",
                "audit",
                format=fmt,
                rows=written,
                **filters.shown(),
                **extra,
            )
    return written


def _write_chunk(out: BinaryIO, chunk: list[Line], fmt: Format, first: bool, bom: bool) -> None:
    if fmt == "csv":
        data = to_csv(frame(chunk), bom=bom and first)
        if not first:  # drop the header line: only the first chunk has one
            data = data.split(b"\r\n", 1)[1]
        out.write(data)
        return
    for i, line in enumerate(chunk):
        row = {k: v for k, v in record(line).items() if k not in ("details", "detail_json")}
        row["detail"] = line.detail
        sep = "\n" if first and i == 0 else ",\n"
        out.write((sep + json.dumps(row, ensure_ascii=False)).encode())


def export(
    engine: Engine,
    actor: User | None,
    filters: AuditFilters | None = None,
    fmt: Format = "csv",
    *,
    bom: bool = True,
    limit: int | None = None,
    now: datetime | None = None,
) -> tuple[bytes, int]:
    """The matching lines as CSV (or JSON) bytes and their number; logged like ``write``."""
    buffer = io.BytesIO()
    rows = write(engine, actor, buffer, filters, fmt, bom=bom, limit=limit, now=now)
    return buffer.getvalue(), rows
