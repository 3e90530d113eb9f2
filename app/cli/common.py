"""What every command shares: exit codes, opening the store, reading a password, parsing a day."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app import config
from app.errors import ResurfaceError
from app.store import DatabaseError, open_store

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class UsageError(ResurfaceError):
    """The command was called in a way it cannot work (exit code 2)."""


@contextmanager
def store(url: str | None = None) -> Iterator[Engine]:
    """The database engine (upgraded to the current schema), disposed of afterwards."""
    try:
        engine = open_store(url or config.database_url())
    except (OSError, ImportError, SQLAlchemyError) as exc:
        # Not a server that is down (open_store reports those) but a file or driver that is
        # unusable: a folder that cannot be created, a file that is not a database, no driver.
        detail = getattr(exc, "orig", None) or exc
        raise DatabaseError(f"cannot open the database {shown_url(url)}: {detail}") from None
    try:
        yield engine
    finally:
        engine.dispose()


def shown_url(url: str | None = None) -> str:
    return make_url(url or config.database_url()).render_as_string(hide_password=True)


def password_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )


def password(args: argparse.Namespace, prompt: str = "Password") -> str:
    """From the first line of stdin with --password-stdin, else typed twice at a terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for a password: pipe it in with --password-stdin")
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass(f"{prompt} again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def day(text: str) -> datetime:
    """Midnight UTC at the start of a YYYY-MM-DD date."""
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise UsageError(f"'{text}' is not a date (expected YYYY-MM-DD)") from None


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows as left-aligned columns under a header line."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    )
