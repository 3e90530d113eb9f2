"""The ``resurface`` command: parse arguments, call one core function, print, map errors.

Each command group lives in its own module with a ``register(sub)`` that adds its parsers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__
from app.bank import ContentPathError
from app.cli import (
    audit,
    bench,
    certificates,
    content,
    db,
    exams,
    export,
    interop,
    mail,
    person,
    serve,
    users,
)
from app.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, UsageError
from app.config import SettingError
from app.errors import ResurfaceError

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

GROUPS = (
    content,
    interop,
    db,
    users,
    person,
    certificates,
    serve,
    export,
    audit,
    bench,
    exams,
    mail,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resurface", description="Resurface: laser resurfacing training quizzes."
    )
    parser.add_argument("--version", action="version", version=f"resurface {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ContentPathError, UsageError, SettingError) as exc:
        print(f"resurface: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ResurfaceError as exc:  # accounts, the database, the demo seed, ...: said as is
        print(f"resurface: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `resurface banks --json | head`
        return EXIT_OK
