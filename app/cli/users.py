"""``resurface users ...``: user accounts from the console (the operator may do anything)."""

from __future__ import annotations

import argparse

from app import accounts
from app.accounts import ROLES
from app.cli.common import EXIT_OK, password, password_arg, store, table


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a user (password from a prompt or --password-stdin, never from the command line)."""
    secret = password(args)
    with store() as engine:
        user = accounts.create_user(
            engine, None, args.username, secret, args.role, args.cohort, args.display_name
        )
    cohort = f" in cohort '{user.cohort}'" if user.cohort else ""
    print(f"created {user.role} '{user.username}'{cohort}")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    """List users, optionally one role or cohort."""
    with store() as engine:
        listed = accounts.list_users(engine, None, args.role, args.cohort)
    rows = [
        (
            u.username,
            u.display_name,
            u.role,
            u.cohort or "-",
            "active" if u.active else "deactivated",
        )
        for u in listed
    ]
    print(table(("username", "name", "role", "cohort", "status"), rows))
    return EXIT_OK


def cmd_users_set_password(args: argparse.Namespace) -> int:
    """Set a user's password and clear any lockout."""
    secret = password(args, "New password")
    with store() as engine:
        accounts.set_password(engine, None, args.username, secret)
    print(f"password changed for '{args.username}'")
    return EXIT_OK


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    """Stop a user from signing in; their history stays."""
    with store() as engine:
        accounts.set_active(engine, None, args.username, False)
    print(f"deactivated '{args.username}'")
    return EXIT_OK


def cmd_users_activate(args: argparse.Namespace) -> int:
    """Let a deactivated user sign in again."""
    with store() as engine:
        accounts.set_active(engine, None, args.username, True)
    print(f"reactivated '{args.username}'")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser(
        "users", help="add, list and manage user accounts", description="User accounts."
    )
    usub = users.add_subparsers(dest="users_command", required=True, metavar="COMMAND")
    p = usub.add_parser("add", help=cmd_users_add.__doc__, description=cmd_users_add.__doc__)
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--cohort", help="the clinic or site (required for trainees and trainers)")
    p.add_argument("--display-name", help="the name shown in the app (default: the username)")
    password_arg(p)
    p.set_defaults(func=cmd_users_add)
    p = usub.add_parser("list", help=cmd_users_list.__doc__, description=cmd_users_list.__doc__)
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--cohort")
    p.set_defaults(func=cmd_users_list)
    p = usub.add_parser(
        "set-password",
        help=cmd_users_set_password.__doc__,
        description=cmd_users_set_password.__doc__,
    )
    p.add_argument("username")
    password_arg(p)
    p.set_defaults(func=cmd_users_set_password)
    for name, func in (("deactivate", cmd_users_deactivate), ("activate", cmd_users_activate)):
        p = usub.add_parser(name, help=func.__doc__, description=func.__doc__)
        p.add_argument("username")
        p.set_defaults(func=func)
