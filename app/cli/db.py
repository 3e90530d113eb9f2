"""``resurface db upgrade`` and ``resurface init``: the database and its first manager."""

from __future__ import annotations

import argparse

from app import accounts
from app.cli.common import EXIT_OK, password, password_arg, shown_url, store
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


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    p = dbsub.add_parser("upgrade", help=cmd_db_upgrade.__doc__, description=cmd_db_upgrade.__doc__)
    p.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    p.add_argument("--username", default="admin", help="the manager's username (default: admin)")
    p.add_argument("--display-name", help="the name shown in the app")
    password_arg(p)
    p.set_defaults(func=cmd_init)
