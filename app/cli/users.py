"""``resurface users ...``: user accounts from the console (the operator may do anything)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app import accounts, addresses, invitations, useradmin, userimport
from app.accounts import ROLES
from app.cli.common import EXIT_OK, UsageError, password, password_arg, store, table
from app.mail import MailError


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
    """Set a user's password and clear any sign-in delay."""
    secret = password(args, "New password")
    with store() as engine:
        useradmin.set_password(engine, None, args.username, secret, args.temporary)
    then = "; they must choose a new one at their next sign-in" if args.temporary else ""
    print(f"password changed for '{args.username}'{then}")
    return EXIT_OK


def cmd_users_edit(args: argparse.Namespace) -> int:
    """Change a user's display name, role or cohort."""
    if args.display_name is None and args.role is None and args.cohort is None:
        raise UsageError("nothing to change: give --display-name, --role and/or --cohort")
    with store() as engine:
        edited = useradmin.edit_user(
            engine, None, args.username, args.display_name, args.role, args.cohort
        )
    if edited.changes:
        print(f"changed '{edited.user.username}': {edited.describe()}")
    else:
        print(f"nothing changed for '{edited.user.username}'")
    return EXIT_OK


def cmd_users_import(args: argparse.Namespace) -> int:
    """Import trainees from a CSV file: every row, or none if any row has a problem."""
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    out = Path(args.output) if args.output else None
    if out is not None and out.exists():
        raise UsageError(f"{out} exists already; choose a new file for the passwords")
    if args.invite:
        return _import_invite(data, args.dry_run)
    with store() as engine:
        checked = userimport.preview(engine, None, data)
        for line in checked.problems:
            print(line)
        for row in checked.rows:
            for line in (*row.problems, *(f"note: {n}" for n in row.notes)):
                print(f"row {row.number}: {line}")
        if not checked.ok:
            raise userimport.ImportRefused(checked)
        generated = sum(not r.password for r in checked.rows)
        if args.dry_run:
            print(f"{len(checked.rows)} trainees ready to import (dry run: nothing imported)")
            return EXIT_OK
        if generated and out is None:
            rows = "1 row has" if generated == 1 else f"{generated} rows have"
            raise UsageError(
                f"{rows} no password: give -o PASSWORDS.csv to save the "
                "temporary passwords generated for them"
            )
        imported = userimport.apply(engine, None, data)
    if out is not None:
        _write_private(out, imported.passwords_csv())
    cohorts = ", ".join(sorted({u.cohort or "" for u in imported.users}))
    print(f"imported {len(imported.users)} trainees into {cohorts}")
    if out is not None:
        print(f"temporary passwords written to {out}; they must be changed at first sign-in")
    return EXIT_OK


def _import_invite(data: bytes, dry_run: bool) -> int:
    """Import with invitations: every row gets an account and an emailed link."""
    with store() as engine:
        checked = userimport.preview(engine, None, data, invite=True)
        for line in checked.report():
            print(line)
        if not checked.ok:
            raise userimport.ImportRefused(checked)
        if dry_run:
            print(f"{len(checked.rows)} trainees ready to invite (dry run: nothing imported)")
            return EXIT_OK
        imported = userimport.apply(engine, None, data, invite=True)
        failed = invitations.send_all(list(imported.invitations), "Your training manager", engine)
    for made, error in failed:
        print(f"NOT sent to {made.user.username} <{made.email}>: {error}")
    sent = len(imported.invitations) - len(failed)
    print(f"imported {len(imported.users)} trainees; {sent} invitations sent")
    if failed:
        raise MailError(
            f"{len(failed)} invitations were not sent; send each again with "
            "`resurface users invite USERNAME --again` once the mail server works"
        )
    return EXIT_OK


def _write_private(path: Path, data: bytes) -> None:
    """Write a new file only its owner can read: it holds passwords."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    """Stop a user from signing in; their history stays."""
    with store() as engine:
        useradmin.set_active(engine, None, args.username, False)
    print(f"deactivated '{args.username}'")
    return EXIT_OK


def cmd_users_activate(args: argparse.Namespace) -> int:
    """Let a deactivated user sign in again."""
    with store() as engine:
        useradmin.set_active(engine, None, args.username, True)
    print(f"reactivated '{args.username}'")
    return EXIT_OK


def cmd_users_invite(args: argparse.Namespace) -> int:
    """Invite a trainee by email: a link to choose their own password, valid once."""
    with store() as engine:
        if args.again:
            invitation = invitations.reinvite(engine, None, args.username)
        else:
            if args.email is None or args.cohort is None:
                raise UsageError("give --email and --cohort (or --again to resend an invitation)")
            invitation = invitations.invite(
                engine, None, args.username, args.display_name, args.cohort, args.email
            )
        if args.no_send:
            print(f"invited '{invitation.user.username}'; their link (give it to them only):")
            print(invitation.link)
            return EXIT_OK
        invitations.send(invitation, "Your training manager", engine)
    until = f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC"
    print(f"invited '{invitation.user.username}': the link went to {invitation.email}, "
          f"valid once until {until}")  # fmt: skip
    return EXIT_OK


def cmd_users_set_email(args: argparse.Namespace) -> int:
    """Set the email address reminders go to ("" removes it)."""
    with store() as engine:
        kept = addresses.set_email(engine, None, args.username, args.email)
    print(f"email of '{args.username}': {kept or 'removed'}")
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
    p.add_argument(
        "--temporary",
        action="store_true",
        help="the user must choose a new password at their next sign-in",
    )
    p.set_defaults(func=cmd_users_set_password)
    p = usub.add_parser("edit", help=cmd_users_edit.__doc__, description=cmd_users_edit.__doc__)
    p.add_argument("username")
    p.add_argument("--display-name", help="the name shown in the app")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--cohort", help="the clinic or site; an empty string removes it (managers)")
    p.set_defaults(func=cmd_users_edit)
    p = usub.add_parser(
        "import", help=cmd_users_import.__doc__, description=cmd_users_import.__doc__
    )
    p.add_argument("file", metavar="FILE", help="CSV: username, display_name, cohort[, password]")
    p.add_argument(
        "--dry-run", action="store_true", help="check every row and report; import nothing"
    )
    p.add_argument(
        "--invite",
        action="store_true",
        help="the file has an email column instead of passwords: email each trainee a link",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PASSWORDS.csv",
        help="a new file for the generated temporary passwords (needed when a row has none)",
    )
    p.set_defaults(func=cmd_users_import)
    p = usub.add_parser(
        "invite", help=cmd_users_invite.__doc__, description=cmd_users_invite.__doc__
    )
    p.add_argument("username")
    p.add_argument("--email", help="where the link goes")
    p.add_argument("--cohort", help="the clinic or site")
    p.add_argument("--display-name", help="the name shown in the app (default: the username)")
    p.add_argument(
        "--again", action="store_true", help="a new link for someone invited who has not set one"
    )
    p.add_argument("--no-send", action="store_true", help="print the link instead of mailing it")
    p.set_defaults(func=cmd_users_invite)
    p = usub.add_parser(
        "set-email", help=cmd_users_set_email.__doc__, description=cmd_users_set_email.__doc__
    )
    p.add_argument("username")
    p.add_argument("email", help='the address; "" removes it')
    p.set_defaults(func=cmd_users_set_email)
    for name, func in (("deactivate", cmd_users_deactivate), ("activate", cmd_users_activate)):
        p = usub.add_parser(name, help=func.__doc__, description=func.__doc__)
        p.add_argument("username")
        p.set_defaults(func=func)
