"""``resurface windows ...`` and ``resurface accommodate``: fair exam arrangements, console."""

from __future__ import annotations

import argparse

from app import accommodations, config, examwindows
from app.bank import load
from app.cli.audit import moment
from app.cli.common import EXIT_OK, UsageError, store, table


def _when(value) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def cmd_windows_list(args: argparse.Namespace) -> int:
    """List the exam windows: when each quiz opens and closes, for everyone or one cohort."""
    with store() as engine:
        held = examwindows.windows(engine, None)
    rows = [
        (w.quiz_id, w.cohort or "(everyone)", _when(w.opens_at), _when(w.closes_at)) for w in held
    ]
    print(table(("quiz", "cohort", "opens", "closes"), rows) if rows else "no exam windows")
    return EXIT_OK


def cmd_windows_set(args: argparse.Namespace) -> int:
    """Let a quiz be started only between two times (for everyone, or one cohort)."""
    if args.opens is None and args.closes is None:
        raise UsageError("give --opens, --closes or both")
    opens = moment(args.opens) if args.opens else None
    closes = moment(args.closes, end=True) if args.closes else None
    catalogue = load([config.quizzes_dir()])
    with store() as engine:
        held = examwindows.set_window(
            engine, None, catalogue, args.quiz, args.cohort, opens, closes
        )
    who = f"cohort '{held.cohort}'" if held.cohort else "everyone"
    print(f"{held.quiz_id} for {who}: opens {_when(opens)}, closes {_when(closes)}")
    return EXIT_OK


def cmd_windows_clear(args: argparse.Namespace) -> int:
    """Remove a quiz's window (for everyone, or one cohort's own)."""
    with store() as engine:
        removed = examwindows.clear_window(engine, None, args.quiz, args.cohort)
    who = f"cohort '{args.cohort}'" if args.cohort else "everyone"
    print(f"removed the window of {args.quiz} for {who}" if removed else "there was no such window")
    return EXIT_OK


def cmd_accommodate(args: argparse.Namespace) -> int:
    """Give a trainee extra time and/or extra attempts (all zero: take them away), with a reason."""
    with store() as engine:
        given = accommodations.set_accommodation(
            engine,
            None,
            args.username,
            extra_minutes=args.extra_minutes,
            time_factor=args.time_factor,
            extra_attempts=args.extra_attempts,
            reason=args.reason,
        )
    said = accommodations.notices(given)
    print(f"{args.username}: " + (" ".join(said) if said else "no accommodation"))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    windows = sub.add_parser(
        "windows",
        help="when quizzes may be started",
        description="Exam windows: when each quiz may be started, for everyone or one cohort.",
    )
    wsub = windows.add_subparsers(dest="windows_command", required=True, metavar="COMMAND")
    p = wsub.add_parser("list", help=cmd_windows_list.__doc__, description=cmd_windows_list.__doc__)
    p.set_defaults(func=cmd_windows_list)
    p = wsub.add_parser("set", help=cmd_windows_set.__doc__, description=cmd_windows_set.__doc__)
    p.add_argument("quiz", metavar="QUIZ", help="the quiz's id (see `resurface banks`)")
    p.add_argument("--cohort", help="one cohort's own window (default: everyone's)")
    p.add_argument("--opens", metavar="WHEN", help="YYYY-MM-DD (midnight UTC) or an ISO time")
    p.add_argument(
        "--closes", metavar="WHEN", help="YYYY-MM-DD (the end of that day, UTC) or an ISO time"
    )
    p.set_defaults(func=cmd_windows_set)
    p = wsub.add_parser(
        "clear", help=cmd_windows_clear.__doc__, description=cmd_windows_clear.__doc__
    )
    p.add_argument("quiz", metavar="QUIZ")
    p.add_argument("--cohort", help="that cohort's own window (default: everyone's)")
    p.set_defaults(func=cmd_windows_clear)
    p = sub.add_parser(
        "accommodate", help=cmd_accommodate.__doc__, description=cmd_accommodate.__doc__
    )
    p.add_argument("username")
    p.add_argument("--extra-minutes", type=int, default=0, metavar="N")
    p.add_argument("--time-factor", type=float, default=1.0, metavar="F", help="1.5: half again")
    p.add_argument("--extra-attempts", type=int, default=0, metavar="N")
    p.add_argument("--reason", required=True, help="why (kept in the audit log)")
    p.set_defaults(func=cmd_accommodate)
