"""``resurface person export|erase`` and ``resurface retention``: personal data from the console."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import config, erasure, personal, retention
from app.bank import load
from app.cli.common import EXIT_OK, UsageError, store


def cmd_person_export(args: argparse.Namespace) -> int:
    """Write everything held about a person to a zip (person.json, readable CSVs, README.txt);
    recorded in the audit log."""
    catalogue = load([config.quizzes_dir()])
    target = Path(args.output) if args.output else None
    if target is None and sys.stdout.isatty():
        raise UsageError("a zip is not for a terminal: write it to a file with -o FILE")
    with store() as engine:
        done = personal.export(engine, None, args.username, catalogue)
    if target is None:
        sys.stdout.buffer.write(done.data)
        sys.stdout.flush()
        return EXIT_OK
    if target.is_dir():
        target = target / done.filename
    # Only its owner may read it: it holds everything about a person.
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(done.data)
    print(f"wrote {target}: everything held about '{done.username}' ({len(done.data):,} bytes)")
    return EXIT_OK


def cmd_person_erase(args: argparse.Namespace) -> int:
    """Replace a person's identity with a pseudonym everywhere (the audit log too), keeping
    their attempts and scores; refused while a certification of theirs is current or expiring,
    unless --force. One transaction, one audit line that names no one."""
    catalogue = load([config.quizzes_dir()])
    with store() as engine:
        done = erasure.erase(engine, None, args.username, args.reason, catalogue, force=args.force)
    counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in done.rewritten.items())
    print(f"erased: the account is now '{done.username}' ({done.display_name})")
    print(f"names replaced in {counts}")
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    """Apply the retention settings (RESURFACE_AUDIT_RETENTION_DAYS,
    RESURFACE_INACTIVE_RETENTION_DAYS; unset: keep): delete older audit lines, erase accounts
    deactivated longer. For cron or a systemd timer; says what it did (or, with --dry-run,
    would do)."""
    catalogue = load([config.quizzes_dir()])
    with store() as engine:
        done = retention.apply(engine, catalogue, dry_run=args.dry_run)
    for line in done.lines():
        print(line)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    person = sub.add_parser(
        "person",
        help="export or erase everything held about one person",
        description="Personal data: export it, or erase the identity behind it.",
    )
    psub = person.add_subparsers(dest="person_command", required=True, metavar="COMMAND")
    p = psub.add_parser(
        "export", help=cmd_person_export.__doc__, description=cmd_person_export.__doc__
    )
    p.add_argument("username")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="the zip to write (a folder: its usual name there)"
    )
    p.set_defaults(func=cmd_person_export)
    p = psub.add_parser(
        "erase", help=cmd_person_erase.__doc__, description=cmd_person_erase.__doc__
    )
    p.add_argument("username")
    p.add_argument("--reason", required=True, help="why (kept in the audit line, names replaced)")
    p.add_argument(
        "--force",
        action="store_true",
        help="erase even though a certification of theirs is current or expiring",
    )
    p.set_defaults(func=cmd_person_erase)
    p = sub.add_parser("retention", help=cmd_retention.__doc__, description=cmd_retention.__doc__)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="say what would be deleted and erased; change nothing",
    )
    p.set_defaults(func=cmd_retention)
