"""Moving to another database: copy every table of one into an empty one (SQLite to PostgreSQL,
or back), check each table's rows and checksum on both sides, and say what to change to switch.

The source is read in one snapshot (a server may keep running on it; what it writes after the
copy began is not carried over, and the row counts are compared at the end to notice it). The
target is written in one transaction: a copy that fails part-way leaves the target as empty as
it was. Sessions and sign-in throttling are left behind (app.store.copy.NOT_COPIED).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app import clock
from app.errors import ResurfaceError
from app.store import DatabaseError, NewerSchema, open_store
from app.store import audit as audit_store
from app.store import copy as copy_store
from app.store.db import writing
from app.store.migrate import head

BATCH = 10_000  # rows read and written at a time: memory stays flat whatever the table's size
ACTION = "db.copy"  # the audit line written in the target once the copy checks out
NOT_COPIED = copy_store.NOT_COPIED


class CopyError(ResurfaceError):
    """A database copy could not be made, or did not check out."""


class CannotOpen(CopyError):
    """The source or the target database cannot be opened (a bad URL, a server not answering)."""


class TargetNotEmpty(CopyError):
    """The target database already holds rows: a copy goes only into an empty one."""


class RevisionsDiffer(CopyError):
    """A database is at a schema revision this version cannot bring to its own (a newer one)."""


class CopyFailed(CopyError):
    """A table could not be read or written; the target was left as empty as it was."""


class CheckFailed(CopyError):
    """The copy was written but could not be read back and compared."""


class Mismatch(CopyError):
    """A table's rows in the target differ from the source's (count or checksum)."""


class SourceChanged(CopyError):
    """Rows were added to or removed from the source while it was copied."""


@dataclass
class TableCopy:
    """One table: rows and checksum as read from the source, then as read back from the target."""

    name: str
    rows: int
    checksum: str
    seconds: float
    target_rows: int | None = None
    target_checksum: str | None = None

    @property
    def matches(self) -> bool:
        return (self.rows, self.checksum) == (self.target_rows, self.target_checksum)


@dataclass
class CopyReport:
    """What a copy did; ``check`` raises when it did not check out."""

    source: str  # URLs as shown: the password hidden
    target: str
    revision: str
    tables: list[TableCopy]
    left_behind: dict[str, int]  # a table not copied -> its rows in the source
    copy_seconds: float
    verify_seconds: float
    mismatches: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # tables whose source count moved meanwhile

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def check(self) -> None:
        """Raises Mismatch, then SourceChanged, saying what differs and what to do."""
        redo = (
            f"Empty the target ({emptying(self.target)}), then copy again with the server stopped."
        )
        if self.mismatches:
            raise Mismatch(
                "the copy does not match the source: " + "; ".join(self.mismatches) + f". {redo}"
            )
        if self.changed:
            raise SourceChanged(
                "the source changed while it was copied ("
                + "; ".join(self.changed)
                + "): those changes are not in the target. "
                + redo
            )


def shown(url: str) -> str:
    """A database URL with its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def emptying(target: str) -> str:
    """How to empty a target database for another try."""
    if make_url(target).get_backend_name() == "sqlite":
        return "delete its file"
    return "drop the database and create it again, empty"


# --- the checksum: the same on both sides from the values the schema's types read back ------


_SORTED_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # made once: it is hot


def canonical(value: Any, is_json: bool = False) -> Any:
    """A value as the checksum sees it, identical whichever database it was read from: aware
    datetimes in UTC ISO form, JSON as sorted JSON text, floats by repr (every digit counts)."""
    if is_json:
        return _SORTED_JSON.encode(value)
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return repr(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"no canonical form for {type(value).__name__}")


class Checksum:
    """SHA-256 over a table's rows, one canonical line per row, in the order they are added.

    A line is the repr of the row's canonical values (strings, numbers, booleans, None): the
    same values give the same line, and a quote or comma inside a string cannot fake another.
    """

    def __init__(self, table: Table) -> None:
        self._columns = [(c.name, isinstance(c.type, JSON)) for c in table.columns]
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            line = [canonical(row[name], is_json) for name, is_json in self._columns]
            self._hash.update(repr(line).encode() + b"\n")
            self.rows += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# --- the copy -----------------------------------------------------------------------------


def _open(url: str, role: str) -> Engine:
    try:
        where = shown(url)
    except ArgumentError:
        raise CannotOpen(f"the {role} is not a database URL: {url!r}") from None
    try:
        return open_store(url)
    except NewerSchema as exc:
        raise RevisionsDiffer(
            f"the {role} database {where} cannot be brought to this version's schema ({head()}): "
            f"{exc}; copy it with the version of Resurface that last ran on it"
        ) from None
    except DatabaseError as exc:
        detail = str(exc).removeprefix("cannot open the database: ")
        raise CannotOpen(f"cannot open the {role} database {where}: {detail}") from None
    except (OSError, ImportError, SQLAlchemyError) as exc:
        # A file or driver that is unusable: a folder that cannot be made, no driver, not a DB.
        reason = getattr(exc, "orig", None) or exc
        raise CannotOpen(f"cannot open the {role} database {where}: {reason}") from None


def _check_empty(conn: Connection, where: str) -> None:
    held = [(t.name, n) for t in copy_store.all_tables() if (n := copy_store.count(conn, t))]
    if held:
        rows = ", ".join(f"{name} {n:,}" for name, n in held)
        raise TargetNotEmpty(
            f"the target database {where} is not empty (rows: {rows}): a copy goes only into "
            f"an empty database; {emptying(where)}, or name another"
        )


def _copy_tables(
    source: Engine,
    target: Engine,
    batch: int,
    progress: Callable[[TableCopy], None] | None,
) -> tuple[list[TableCopy], dict[str, int]]:
    done: list[TableCopy] = []
    name = ""
    try:
        with copy_store.snapshot(source) as src, writing(target) as dst:
            # Checked in the writing transaction: on SQLite it holds the write lock already.
            _check_empty(dst, target.url.render_as_string(hide_password=True))
            for table in copy_store.copied_tables():
                name, started, summed = table.name, time.perf_counter(), Checksum(table)
                for rows in copy_store.batches(src, table, batch):
                    summed.add(rows)
                    copy_store.write(dst, table, rows)
                spent = time.perf_counter() - started
                done.append(TableCopy(name, summed.rows, summed.hexdigest(), spent))
                if progress:
                    progress(done[-1])
            name = "the id sequences"
            copy_store.reset_sequences(dst)
            left = {
                t.name: copy_store.count(src, t)
                for t in copy_store.all_tables()
                if t.name in copy_store.NOT_COPIED
            }
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise CopyFailed(
            f"copying {name} failed: {detail}; nothing was kept in the target, which is empty "
            "as before"
        ) from None
    return done, left


def verify(target: Engine, tables: list[TableCopy], batch: int = BATCH) -> list[str]:
    """Read each copied table back from ``target``, fill in its rows and checksum there, and
    return one line per table that differs from the source (empty: all match)."""
    schema = {t.name: t for t in copy_store.copied_tables()}
    with copy_store.snapshot(target) as conn:
        for copied in tables:
            summed = Checksum(schema[copied.name])
            for rows in copy_store.batches(conn, schema[copied.name], batch):
                summed.add(rows)
            copied.target_rows, copied.target_checksum = summed.rows, summed.hexdigest()
    return [
        f"{t.name}: {t.rows:,} rows, checksum {t.checksum[:12]} in the source but "
        f"{t.target_rows:,} rows, checksum {(t.target_checksum or '')[:12]} in the target"
        for t in tables
        if not t.matches
    ]


def _moved(source: Engine, tables: list[TableCopy]) -> list[str]:
    schema = {t.name: t for t in copy_store.copied_tables()}
    with source.connect() as conn:
        now = {t.name: copy_store.count(conn, schema[t.name]) for t in tables}
    return [
        f"{t.name}: {t.rows:,} copied, {now[t.name]:,} now" for t in tables if now[t.name] != t.rows
    ]


def copy(
    source_url: str,
    target_url: str,
    batch: int = BATCH,
    progress: Callable[[TableCopy], None] | None = None,
) -> CopyReport:
    """Copy every table but sessions and throttling from ``source_url`` into the empty database
    at ``target_url`` (both migrated to the newest schema first), then read the target back and
    compare. Once it checks out, the target's audit log records the copy (the console's).

    Raises CannotOpen, RevisionsDiffer, TargetNotEmpty, CopyFailed, CheckFailed. A copy that
    does not check out is returned with its mismatches or source changes: ``CopyReport.check``
    raises them.
    """
    source = _open(source_url, "source")
    try:
        target = _open(target_url, "target")
    except CopyError:
        source.dispose()
        raise
    try:
        revision = head()  # both are there: opening them migrated them, or refused
        started = time.perf_counter()
        tables, left = _copy_tables(source, target, batch, progress)
        copied_at = time.perf_counter()
        try:
            mismatches = verify(target, tables, batch)
            changed = _moved(source, tables)
        except SQLAlchemyError as exc:
            raise CheckFailed(
                f"the copy was written but reading it back failed: "
                f"{getattr(exc, 'orig', None) or exc}; empty the target "
                f"({emptying(target_url)}) and copy again"
            ) from None
        report = CopyReport(
            shown(source_url),
            shown(target_url),
            revision,
            tables,
            left,
            copied_at - started,
            time.perf_counter() - copied_at,
            mismatches,
            changed,
        )
        if not (report.mismatches or report.changed):
            with writing(target) as conn:
                audit_store.record(
                    conn,
                    clock.now(),
                    None,
                    ACTION,
                    report.source,
                    rows={t.name: t.rows for t in tables},
                    not_copied=sorted(left),
                )
        return report
    finally:
        source.dispose()
        target.dispose()


def switch_steps(report: CopyReport) -> list[str]:
    """What the operator does next to run the app on the copy."""
    return [
        f"Stop the server on {report.source} if it still runs: what it saves from now on is "
        "not in the copy.",
        f"Set RESURFACE_DATABASE_URL={report.target} for the service (with the real password "
        "where *** shows).",
        "Keep RESURFACE_SECRET_KEY as the service has it, set or not: a key the app kept in the "
        "database was copied with the settings.",
        "Restart the service (resurface serve). Everyone signs in again: sessions are not copied.",
        f"Check: `resurface db upgrade` with the new URL says revision {report.revision}; sign "
        f"in and open a trainee's results. Keep {report.source} (or a backup of it) until "
        "you are sure.",
    ]
