"""PostgreSQL's backups for ``app.store.backup``: ``pg_dump --format=custom`` of the one schema
the URL points at (its search_path), in a snapshot whose rows this module counts too; put back by
``pg_restore`` through ``psql`` in one transaction, into the URL's schema whatever the dump's
schema was called (a clinic's ``public``, or a test's throwaway schema).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from app.store.backup import TABLES, VERSION_TABLE, BackupError, Facts
from app.store.db import make_engine

# Where the PostgreSQL client tools are looked for after PATH (Debian puts them here).
PG_BIN = "/usr/bin"
_URL_TO_LIBPQ = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "options": "PGOPTIONS",
}


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=PG_BIN)
    if not found:
        raise BackupError(
            f"{name} is not installed (looked on PATH and in {PG_BIN}): install the PostgreSQL "
            "client tools of the server's version (Debian: apt-get install postgresql-client)"
        )
    return found


def _pg_env(url: str) -> dict[str, str]:
    """libpq's environment for ``url``: the password never on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    pairs = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password if isinstance(parsed.password, str) else None,
        "PGDATABASE": parsed.database,
    }
    for key, value in parsed.query.items():
        if key in _URL_TO_LIBPQ:
            pairs[_URL_TO_LIBPQ[key]] = value if isinstance(value, str) else value[-1]
    env.update({k: v for k, v in pairs.items() if v})
    return env


def _schema(conn: Connection) -> str:
    schema = conn.execute(text("SELECT current_schema()")).scalar_one_or_none()
    if not schema:
        raise BackupError("the database URL's search_path names no schema that exists")
    return str(schema)


def _pg_counts(conn: Connection, schema: str, facts: Facts) -> None:
    names = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
    ).scalars()
    for name in sorted(names):
        facts.counts[name] = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    if VERSION_TABLE in facts.counts:
        facts.revision = conn.execute(
            text(f"SELECT version_num FROM {VERSION_TABLE}")
        ).scalar_one_or_none()


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def pg_facts(url: str) -> Facts:
    """What the live PostgreSQL schema holds."""
    with _engine(url) as engine, engine.connect() as conn:
        schema = _schema(conn)
        facts = Facts("postgresql", schema=schema)
        _pg_counts(conn, schema, facts)
    return facts


def pg_dump(url: str, dest: Path) -> Facts:
    """Dump the URL's schema into the existing file ``dest``; returns what the dump holds.

    The rows are counted in the very snapshot pg_dump reads (exported to it), so the counts are
    the dump's. Raises BackupError when pg_dump fails.
    """
    dump = _tool("pg_dump")
    with _engine(url) as engine, engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            schema = _schema(conn)
            facts = Facts("postgresql", schema=schema)
            _pg_counts(conn, schema, facts)
            argv = [
                dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--schema={_pattern(schema)}",
            ]
            argv += ["--no-owner", "--no-privileges", f"--file={dest}"]
            done = subprocess.run(argv, env=_pg_env(url), capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_dump failed: {_last_line(done.stderr)}")
    return facts


def _pattern(schema: str) -> str:
    """The schema as a pg_dump pattern matching it alone (quoted: no case folding, no wildcards)."""
    return '"' + schema.replace('"', '""') + '"'


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


def pg_dump_facts(path: Path) -> Facts:
    """What a pg_dump file holds: its table of contents (``pg_restore --list``), then every row
    read back through ``pg_restore``, which fails on a file cut short or damaged."""
    facts = Facts("postgresql")
    restore = _tool("pg_restore")
    listed = subprocess.run([restore, "--list", str(path)], capture_output=True, text=True)
    if listed.returncode:
        facts.problems.append(f"pg_restore cannot read it: {_last_line(listed.stderr)}")
        return facts
    schemas = set()
    for line in listed.stdout.splitlines():
        match = _TOC_TABLE.match(line)
        if match:
            schemas.add(match.group(1))
            facts.counts[match.group(2)] = 0
    if len(schemas) != 1:
        facts.problems.append(f"holds tables of {len(schemas)} schemas, not one")
        return facts
    facts.schema = schemas.pop()
    with _sql_of(path) as (rows, outcome):
        _count_copies(rows, facts)
    if outcome.error:
        facts.problems.append(f"pg_restore cannot read it whole: {outcome.error}")
    return facts


class _Outcome:
    """How a pg_restore run ended: ``error`` is its last message, once it has ended badly."""

    error: str | None = None


@contextmanager
def _sql_of(path: Path) -> Iterator[tuple[IO[bytes], _Outcome]]:
    """The dump as SQL text, streamed from pg_restore; its outcome is known once the block ends.

    Its messages go to a file rather than a pipe, which a long run of them could fill and stall.
    """
    argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)]
    outcome = _Outcome()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors)
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - PIPE always gives one
            raise BackupError("pg_restore gave no output")
        try:
            yield stdout, outcome
        finally:
            stdout.close()
            outcome.error = _failed(proc, errors)


def _failed(proc: subprocess.Popen[bytes], errors: IO[bytes]) -> str | None:
    if proc.wait() == 0:
        return None
    errors.seek(0)
    return _last_line(errors.read().decode(errors="replace"))


_COPY = re.compile(rb"^COPY (\S+)\.(\S+) \(.*\) FROM stdin;$")


def _count_copies(lines: Iterable[bytes], facts: Facts) -> None:
    table = None
    for line in lines:
        if table is None:
            match = _COPY.match(line.rstrip(b"\n"))
            table = match.group(2).decode().strip('"') if match else None
        elif line == b"\\.\n":
            table = None
        else:
            facts.counts[table] = facts.counts.get(table, 0) + 1
            if table == VERSION_TABLE:
                facts.revision = line.rstrip(b"\n").decode()


def _qualifier(schema: str) -> re.Pattern[bytes]:
    """How pg_dump writes ``schema.`` before a name: bare when it may be, else quoted."""
    quoted = re.escape(b'"' + schema.replace('"', '""').encode() + b'".')
    bare = rb"(?<![\w\"$])" + re.escape(schema.encode() + b".")
    return re.compile(quoted + b"|" + bare)


def pg_put_back(url: str, path: Path, dump: Facts) -> None:
    """Replace the tables of the URL's schema with those of the dump, in one transaction.

    The dump's SQL (from pg_restore) is renamed from the dump's schema to the URL's schema outside
    the rows themselves, and run by psql with the old tables dropped first: all of it or nothing.
    Raises BackupError.
    """
    with _engine(url) as engine, engine.connect() as conn:
        schema = _schema(conn)
        existing = set(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            ).scalars()
        )
    target = b'"' + schema.replace('"', '""').encode() + b'".'
    drops = b"".join(
        b"DROP TABLE IF EXISTS " + target + f'"{name}" CASCADE;\n'.encode()
        for name in sorted(existing & {*TABLES, *dump.tables})
    )
    psql = [_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"]
    with tempfile.TemporaryFile() as errors:
        sink = subprocess.Popen(
            psql, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
            env=_pg_env(url),
        )  # fmt: skip
        stdin = sink.stdin
        if stdin is None:  # pragma: no cover - PIPE always gives one
            raise BackupError("psql took no input")
        source_failed = None
        try:
            # One transaction, committed only once pg_restore has read the whole dump.
            stdin.write(b"BEGIN;\n" + drops)
            with _sql_of(path) as (sql, outcome):
                for line in _renamed(sql, _qualifier(dump.schema or "public"), target):
                    stdin.write(line)
            source_failed = outcome.error
            stdin.write(b"ROLLBACK;\n" if source_failed else b"COMMIT;\n")
            stdin.close()
        except BrokenPipeError:
            pass  # psql stopped at an error (ON_ERROR_STOP), before any COMMIT: nothing changed
        psql_failed = _failed(sink, errors)
    if source_failed or psql_failed:
        raise BackupError(f"the restore failed and changed nothing: {source_failed or psql_failed}")


def _renamed(lines: Iterable[bytes], old: re.Pattern[bytes], new: bytes) -> Iterator[bytes]:
    in_rows = False
    for line in lines:
        if in_rows:
            in_rows = line != b"\\.\n"
        elif line.startswith((b"CREATE SCHEMA ", b"COMMENT ON SCHEMA ")):
            continue  # the URL's schema exists already
        else:
            in_rows = bool(_COPY.match(line.rstrip(b"\n")))
            line = old.sub(new.replace(b"\\", b"\\\\"), line)
        yield line
