"""``resurface db upgrade`` and ``resurface init``: the database and its first manager;
``resurface db backup``, ``db check`` and ``db restore``: backups that restore; ``resurface db
copy``: the whole database into an empty one (moving to PostgreSQL)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import accounts, backup, config, dbcopy, present
from app.cli.common import (
    EXIT_OK,
    UsageError,
    password,
    password_arg,
    shown_url,
    store,
    table,
)
from app.store.migrate import current


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Create the database or bring its schema up to date (also done at every start)."""
    with store() as engine:
        print(f"{shown_url()}: schema at revision {current(engine)}")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and its first manager account."""
    secret = password(args)
    with store() as engine:
        user = accounts.init_first_manager(engine, args.username, secret, args.display_name)
    print(f"created manager '{user.username}' in {shown_url()}")
    return EXIT_OK


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Write a consistent copy of the database while the server runs (into a folder: a new
    timestamped file)."""
    made = backup.backup(config.database_url(), args.file, keep=args.keep)
    facts = made.facts
    print(f"wrote {made.path} ({present.size(made.size)}), schema revision {facts.revision}")
    print(f"  {backup.described(facts)}")
    for old in made.removed:
        print(f"removed {old}")
    return EXIT_OK


def cmd_db_check(args: argparse.Namespace) -> int:
    """Check the database (or a backup file): integrity, schema revision, tables."""
    report = backup.check(config.database_url(), args.file)
    where = report.where if args.file else shown_url()
    if report.problems:
        raise backup.problem_of(report)
    print(f"{where}: sound, schema revision {report.facts.revision}")
    print(f"  {backup.described(report.facts)}")
    for note in report.notes:
        print(f"  note: {note}")
    return EXIT_OK


def cmd_db_restore(args: argparse.Namespace) -> int:
    """Put a backup in place of the database, after checking it (stop the server first)."""
    done = backup.restore(config.database_url(), args.file, force=args.force)
    upgraded = f", upgraded from {done.upgraded_from}" if done.upgraded_from else ""
    if done.set_aside:
        print(f"the damaged database was moved to {done.set_aside}")
    print(f"restored {args.file} into {shown_url()}{upgraded}")
    print(f"  {backup.described(done.facts)}")
    return EXIT_OK


def _register_backups(dbsub: argparse._SubParsersAction) -> None:
    p = dbsub.add_parser("backup", help=cmd_db_backup.__doc__, description=cmd_db_backup.__doc__)
    p.add_argument(
        "file", metavar="FILE", help="a new file, or a folder (an existing one, or ending with /)"
    )
    p.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="into a folder: keep the N newest backups, delete older ones",
    )
    p.set_defaults(func=cmd_db_backup)
    p = dbsub.add_parser("check", help=cmd_db_check.__doc__, description=cmd_db_check.__doc__)
    p.add_argument(
        "file", metavar="FILE", nargs="?", type=Path, help="a backup (default: the database)"
    )
    p.set_defaults(func=cmd_db_check)
    p = dbsub.add_parser("restore", help=cmd_db_restore.__doc__, description=cmd_db_restore.__doc__)
    p.add_argument(
        "file", metavar="FILE", type=Path, help="a backup written by `resurface db backup`"
    )
    p.add_argument(
        "--force", action="store_true", help="replace a database that holds users or attempts"
    )
    p.set_defaults(func=cmd_db_restore)


def cmd_db_copy(args: argparse.Namespace) -> int:
    """Copy the whole database into an empty one (e.g. SQLite to PostgreSQL) and check it."""

    def progress(done: dbcopy.TableCopy) -> None:
        print(f"copied {done.name}: {done.rows:,} rows", file=sys.stderr, flush=True)

    if args.batch < 1:
        raise UsageError(f"--batch must be 1 or more, not {args.batch}")
    source = args.source or config.database_url()
    report = dbcopy.copy(source, args.to, batch=args.batch, progress=progress)
    print(f"{report.source} -> {report.target} (schema revision {report.revision})")
    rows = [
        [t.name, f"{t.rows:,}", f"{(t.target_rows or 0):,}", t.checksum[:12],
         "yes" if t.matches else "NO", f"{t.seconds:.2f}"]
        for t in report.tables
    ]  # fmt: skip
    head = ["table", "rows", "in target", "checksum", "match", "seconds"]
    print(table(head, rows))
    print(
        f"{report.rows:,} rows copied in {report.copy_seconds:.1f} s, "
        f"read back and compared in {report.verify_seconds:.1f} s"
    )
    for name, reason in dbcopy.NOT_COPIED.items():
        print(f"not copied: {name} ({report.left_behind.get(name, 0):,} rows): {reason}")
    report.check()
    print("Every table matches. To switch to the copy:")
    for n, step in enumerate(dbcopy.switch_steps(report), start=1):
        print(f"  {n}. {step}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    p = dbsub.add_parser("upgrade", help=cmd_db_upgrade.__doc__, description=cmd_db_upgrade.__doc__)
    p.set_defaults(func=cmd_db_upgrade)
    _register_backups(dbsub)

    p = sub.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    p.add_argument("--username", default="admin", help="the manager's username (default: admin)")
    p.add_argument("--display-name", help="the name shown in the app")
    password_arg(p)
    p.set_defaults(func=cmd_init)

    # `db copy`: a block of its own (other db subcommands are registered above it).
    p = dbsub.add_parser("copy", help=cmd_db_copy.__doc__, description=cmd_db_copy.__doc__)
    p.add_argument("--to", required=True, metavar="URL", help="the empty target database")
    p.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="the database to copy (default: RESURFACE_DATABASE_URL)",
    )
    p.add_argument(
        "--batch",
        type=int,
        default=dbcopy.BATCH,
        metavar="N",
        help=f"rows read and written at a time (default {dbcopy.BATCH:,})",
    )
    p.set_defaults(func=cmd_db_copy)
