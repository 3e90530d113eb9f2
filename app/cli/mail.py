"""``resurface remind``: reminders before certifications lapse, and trainers' weekly digests."""

from __future__ import annotations

import argparse
import sys

from app import config, reminders
from app.bank import load
from app.cli.common import EXIT_OK, store


def cmd_remind(args: argparse.Namespace) -> int:
    """Email reminders of certifications about to lapse and trainers' weekly digests, each once."""
    catalogue = load([config.quizzes_dir()])
    with store() as engine:
        if args.dry_run:
            report = reminders.pending(engine, catalogue)
            for item in report.sent:
                print(f"would send {item.describe()}")
            for item in report.skipped:
                print(f"already sent: {item.describe()}")
        else:

            def said(item: reminders.Due, error: str | None) -> None:
                print(f"sent {item.describe()}" if error is None else f"NOT sent {item.describe()}")

            report = reminders.run(engine, catalogue, progress=said)
    for username in report.no_address:
        print(f"no email address for '{username}': set one with `resurface users set-email`")
    verb = "would send" if args.dry_run else "sent"
    print(f"{verb} {len(report.sent)}, already sent {len(report.skipped)}", file=sys.stderr)
    if report.failed:
        raise reminders.NotAllSent(report)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("remind", help=cmd_remind.__doc__, description=cmd_remind.__doc__)
    p.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and record nothing"
    )
    p.set_defaults(func=cmd_remind)
