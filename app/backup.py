"""Backups that restore: ``resurface db backup``, ``db check`` and ``db restore``.

The rules, in one place:

- A backup is a consistent copy taken while the server runs (``app.store.backup`` says how on
  SQLite and PostgreSQL). It is written under a hidden temporary name in the folder it goes to
  and renamed when complete, so a half-written backup never looks like one; only its owner may
  read it (mode 600): it holds password hashes and every result.
- Given a folder, a backup is named ``resurface-YYYYMMDD-HHMMSS.db`` (SQLite) or ``.dump``
  (PostgreSQL), UTC; ``keep`` then deletes the oldest of those of the same kind beyond that many,
  and never any other file.
- A database or backup is sound when its integrity checks pass and it is at a schema revision
  the code knows: the newest (then every table must be there), or an older one, which a restore
  upgrades afterwards. A revision the code does not know was made by a newer Resurface: refused.
- A restore checks the backup first, refuses to replace a database holding users or attempts
  unless forced, and is written to the audit log of the database it restored (by the console);
  a backup is written to the log of the database it copied.

These are the console's alone (there is no page for them), like ``db upgrade``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app import clock
from app.errors import ResurfaceError
from app.store import audit as audit_store
from app.store import backup as store
from app.store import make_engine, open_store, pgdump
from app.store.backup import MAIN_TABLES, BackupError, Facts
from app.store.db import writing
from app.store.migrate import head, known

EXTENSIONS = {"sqlite": ".db", "postgresql": ".dump"}
NAME = re.compile(r"^resurface-(\d{8}-\d{6})(?:-(\d+))?(\.db|\.dump)$")
HELD = ("users", "attempts")  # a database holding any of these is not replaced unforced

__all__ = ["BackupError", "BadBackup", "DatabaseNotEmpty", "backup", "check", "restore"]


class BadBackup(BackupError):
    """A database or backup failed its checks; the message lists every problem."""

    def __init__(self, where: str, problems: list[str], verb: str = "is not sound") -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{where} {verb}:\n{listed}")


class DatabaseNotEmpty(BackupError):
    """A restore would replace a database that holds data, and was not forced."""


@dataclass
class Report:
    """What a check found: the facts, the problems (none: sound) and notes worth saying."""

    where: str
    facts: Facts
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Made:
    """A backup written: where, its size in bytes, what it holds, the old backups removed."""

    path: Path
    size: int
    facts: Facts
    removed: list[Path] = field(default_factory=list)


@dataclass
class Restored:
    """A restore done: what the backup held, the revision it was upgraded from (if any), the
    users and attempts it replaced, and where a damaged SQLite file was set aside (if one was)."""

    facts: Facts
    upgraded_from: str | None
    replaced: dict[str, int]
    set_aside: Path | None = None


def main_counts(facts: Facts) -> dict[str, int]:
    """The rows of the tables people care about, in their order (those the facts have)."""
    return {t: facts.counts[t] for t in MAIN_TABLES if t in facts.counts}


def _judged(where: str, facts: Facts) -> Report:
    report = Report(where, facts, list(facts.problems))
    if report.problems:
        return report
    revision, newest = facts.revision, head()
    if revision is None:
        report.problems.append(
            "no schema revision (no alembic_version row): not a Resurface database"
        )
    elif not known(revision):
        report.problems.append(
            f"schema revision {revision} is newer than this version of Resurface knows (its newest "
            f"is {newest}): upgrade Resurface first"
        )
    elif revision == newest:
        missing = sorted(set(store.TABLES) - facts.tables)
        if missing:
            report.problems.append(f"tables missing: {', '.join(missing)}")
    else:
        report.notes.append(
            f"schema revision {revision} is older than {newest}: a restore upgrades it"
        )
    return report


@contextmanager
def _said() -> Iterator[None]:
    """A database that cannot be reached, a file that cannot be written: a BackupError that says
    so, never a traceback."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise BackupError(f"the database: {getattr(exc, 'orig', None) or exc}") from None
    except OSError as exc:
        raise BackupError(f"{exc.filename or 'a file'}: {exc.strerror or exc}") from None


def check(url: str, file: Path | None = None) -> Report:
    """Check the database at ``url`` or, given, the backup ``file``; the report lists problems.

    Raises BackupError when a needed tool (pg_restore) is missing or the database is unreachable.
    """
    with _said():
        return _checked(url, file)


def _checked(url: str, file: Path | None) -> Report:
    if file is not None:
        return _judged(str(file), _file_facts(file))
    live = store.sqlite_path(url)
    if live is None:
        return _judged("the database", pgdump.pg_facts(url))
    if not live.is_file():
        return Report(str(live), Facts("sqlite"), ["no such file"])
    return _judged(str(live), store.sqlite_facts(live, live=True))


def _file_facts(file: Path) -> Facts:
    if not file.is_file():
        return Facts("sqlite", problems=["no such file"])
    kind = store.kind_of_file(file)
    if kind == "postgresql":
        return pgdump.pg_dump_facts(file)
    if kind is None:
        return Facts(
            "sqlite", problems=["not a backup (neither a SQLite database nor a pg_dump file)"]
        )
    return store.sqlite_facts(file)


# --- backing up ---------------------------------------------------------------------------------


def _named(folder: Path, kind: str, now: datetime) -> Path:
    stem, ext = f"resurface-{now:%Y%m%d-%H%M%S}", EXTENSIONS[kind]
    path, n = folder / f"{stem}{ext}", 1
    while path.exists():  # two backups in one second
        n += 1
        path = folder / f"{stem}-{n}{ext}"
    return path


def ours(folder: Path, kind: str) -> list[Path]:
    """Our backups of this kind in ``folder``, oldest first (by the time in their names)."""
    found = []
    for path in folder.iterdir():
        match = NAME.match(path.name)
        if match and match.group(3) == EXTENSIONS[kind] and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 1)), path))
    return [path for _, path in sorted(found)]


def backup(url: str, to: Path | str, keep: int | None = None, now: datetime | None = None) -> Made:
    """Write a consistent copy of the database at ``url`` to ``to``: a new file, or a new
    timestamped file in a folder (a path ending with ``/`` or an existing folder), of which
    ``keep`` then keeps the newest.

    Raises BackupError (an existing file, a missing folder, ``keep`` without a folder, a failed
    copy, a database that cannot be reached), BadBackup (the copy failed its checks).
    """
    with _said():
        return _backup(url, to, keep, now or clock.now())


def _backup(url: str, to: Path | str, keep: int | None, now: datetime) -> Made:
    live = store.sqlite_path(url)
    kind = "postgresql" if live is None else "sqlite"
    into_folder = str(to).endswith(("/", os.sep)) or Path(to).is_dir()
    to = Path(to)
    if keep is not None and keep < 1:
        raise BackupError(f"--keep {keep}: keep at least 1 backup")
    if keep is not None and not into_folder:
        raise BackupError(f"--keep needs a folder to back up into, and {to} is not one")
    if into_folder:
        if not to.is_dir():
            raise BackupError(f"no such folder: {to}")
        path = _named(to, kind, now)
    elif to.exists():
        raise BackupError(f"{to} exists already: name a new file, or a folder")
    elif not to.parent.is_dir():
        raise BackupError(f"no such folder: {to.parent}")
    else:
        path = to
    if live is not None and not live.is_file():
        raise BackupError(f"no database at {live}")
    partial = path.with_name(f".{path.name}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        if live is None:
            facts = pgdump.pg_dump(url, partial)
        else:
            store.sqlite_copy(live, partial)
            facts = store.sqlite_facts(partial)  # the copy is checked as it is written
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.rename(path)
        _sync_folder(path.parent)  # the new name, too, survives a power cut
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()
    if facts.problems:  # kept, as the best copy there is, but the command fails
        raise BadBackup(
            f"{path} was written but",
            facts.problems,
            "fails its checks (is the database damaged? try `resurface db check`)",
        )
    made = Made(path, path.stat().st_size, facts)
    if keep is not None:
        # Never the one just written, even if a clock set back makes older names look newer.
        made.removed = [p for p in ours(to, kind)[:-keep] if p != path]
        for old in made.removed:
            old.unlink()
    _log(url, now, "db.backup", str(path), revision=facts.revision, size=made.size)
    return made


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _log(url: str, now: datetime, action: str, target: str, **detail: object) -> None:
    engine = make_engine(url)
    try:
        with writing(engine) as conn:
            audit_store.record(conn, now, None, action, target, **detail)
    finally:
        engine.dispose()


# --- restoring ----------------------------------------------------------------------------------


def restore(url: str, file: Path, force: bool = False, now: datetime | None = None) -> Restored:
    """Put the backup ``file`` in place of the database at ``url``, after checking it; a backup
    of an older schema revision is upgraded afterwards.

    Raises BadBackup (the backup failed its checks), DatabaseNotEmpty (the database holds users
    or attempts and ``force`` is false), BackupError (a backup of the other kind of database, an
    unreachable database, or the restore failed, which then changed nothing).
    """
    with _said():
        return _restore(url, file, force, now or clock.now())


def _restore(url: str, file: Path, force: bool, now: datetime) -> Restored:
    report = _checked(url, file)
    if report.problems:
        raise BadBackup(str(file), report.problems, "cannot be restored")
    dump = report.facts
    live = store.sqlite_path(url)
    kind = "postgresql" if live is None else "sqlite"
    if dump.kind != kind:
        raise BackupError(
            f"{file} is a {dump.kind} backup and the database is {kind}: restore it into a "
            f"{dump.kind} database (`resurface db copy` moves data between the two)"
        )
    if live is not None and live.exists() and live.resolve() == file.resolve():
        raise BackupError(f"{file} is the database itself")
    replaced, damaged = _held(url, live, force)
    aside = None
    if live is None:
        pgdump.pg_put_back(url, file, dump)
    else:
        if damaged:  # SQLite could not read it: keep it for a look rather than write into it
            aside = store.set_aside(live, now)
        make_engine(url).dispose()  # creates a missing file, readable by its owner only
        store.sqlite_put_back(file, live)
    engine = open_store(url)  # upgrades a backup of an older revision
    try:
        with writing(engine) as conn:
            upgraded = dump.revision if dump.revision != head() else None
            detail = {"revision": dump.revision, "upgraded_to": head() if upgraded else None}
            audit_store.record(
                conn,
                now,
                None,
                "db.restore",
                str(file),
                **detail,
                replaced=replaced,
                set_aside=str(aside) if aside else None,
            )
    finally:
        engine.dispose()
    return Restored(dump, upgraded, replaced, aside)


def _held(url: str, live: Path | None, force: bool) -> tuple[dict[str, int], bool]:
    """The users and attempts the database holds, and whether it is damaged; refuses a database
    that holds data, or may, unless ``force``."""
    if live is not None and not live.exists():
        return {}, False
    facts = pgdump.pg_facts(url) if live is None else store.sqlite_facts(live, live=True)
    held = {t: facts.counts.get(t, 0) for t in HELD}
    if force:
        return held, bool(facts.problems)
    if facts.problems:
        raise DatabaseNotEmpty(
            "cannot tell whether the database holds data "
            f"({facts.problems[0]}): add --force to replace it"
        )
    if any(held.values()):
        said = ", ".join(f"{t} {n}" for t, n in held.items())
        raise DatabaseNotEmpty(
            f"the database holds data ({said}): a restore would replace it. Stop the server, back "
            "the database up, then restore with --force"
        )
    return held, False


def described(facts: Facts) -> str:
    """Rows of the main tables in a line: ``users 9, attempts 8, ...``."""
    return ", ".join(f"{t} {n}" for t, n in main_counts(facts).items()) or "no tables"


def problem_of(report: Report, verb: str = "is not sound") -> ResurfaceError:
    """The error a command raises for a report with problems."""
    return BadBackup(report.where, report.problems, verb)
