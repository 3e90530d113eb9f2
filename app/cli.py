"""The ``resurface`` command: parse arguments, call one core function, print, map errors."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, accounts, config, demo, exports
from app.accounts import ROLES, AccountError
from app.bank import Catalogue, ContentPathError, load
from app.bank.report import counts_table
from app.bank.text import plural
from app.store import DatabaseError, open_store
from app.store.migrate import current

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
SERVER = Path(__file__).with_name("ui") / "server.py"


def _load(args: argparse.Namespace) -> Catalogue:
    paths = args.paths or [config.quizzes_dir()]
    return load(paths, sources_dir=args.sources)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check content files; print every problem as file:line: id: field: message."""
    started = time.perf_counter()
    cat = _load(args)
    for problem in cat.problems:
        print(problem)
    elapsed = time.perf_counter() - started
    summary = (
        f"{plural(len(cat.entries), 'question')} in {plural(len(cat.banks), 'bank')}, "
        f"{plural(len(cat.quizzes), 'quiz', 'quizzes')}; {plural(len(cat.problems), 'problem')}"
        f"{'' if args.sources else ' (quotes not checked: no --sources)'} in {elapsed:.2f}s"
    )
    print(summary, file=sys.stderr)
    return EXIT_OK if cat.ok else EXIT_INVALID


def cmd_banks(args: argparse.Namespace) -> int:
    """Show questions per topic and type, or every question as JSON."""
    cat = _load(args)
    if args.json:
        json.dump(
            [e.to_json() for e in cat.entries.values()], sys.stdout, indent=2, ensure_ascii=False
        )
        print()
    else:
        print(counts_table(cat))
    for problem in cat.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return EXIT_OK if cat.ok else EXIT_INVALID


class UsageError(Exception):
    """The command was called in a way it cannot work (exit code 2)."""


@contextmanager
def _store(url: str | None = None) -> Iterator[Engine]:
    try:
        engine = open_store(url or config.database_url())
    except (OSError, ImportError, SQLAlchemyError) as exc:
        # Not a server that is down (open_store reports those) but a file or driver that is
        # unusable: a folder that cannot be created, a file that is not a database, no driver.
        detail = getattr(exc, "orig", None) or exc
        raise DatabaseError(f"cannot open the database {_shown_url(url)}: {detail}") from None
    try:
        yield engine
    finally:
        engine.dispose()


def _shown_url(url: str | None = None) -> str:
    return make_url(url or config.database_url()).render_as_string(hide_password=True)


def _password(args: argparse.Namespace, prompt: str = "Password") -> str:
    """From the first line of stdin with --password-stdin, else typed twice at a terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for a password: pipe it in with --password-stdin")
    first = getpass.getpass(f"{prompt}: ")
    if getpass.getpass(f"{prompt} again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Create the database or bring its schema up to date (also done at every start)."""
    with _store() as engine:
        print(f"{_shown_url()}: schema at revision {current(engine)}")
    return EXIT_OK


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and its first manager account."""
    password = _password(args)
    with _store() as engine:
        user = accounts.init_first_manager(engine, args.username, password, args.display_name)
    print(f"created manager '{user.username}' in {_shown_url()}")
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace) -> int:
    """Add a user (password from a prompt or --password-stdin, never from the command line)."""
    password = _password(args)
    with _store() as engine:
        user = accounts.create_user(
            engine, None, args.username, password, args.role, args.cohort, args.display_name
        )
    cohort = f" in cohort '{user.cohort}'" if user.cohort else ""
    print(f"created {user.role} '{user.username}'{cohort}")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    """List users, optionally one role or cohort."""
    with _store() as engine:
        listed = accounts.list_users(engine, None, args.role, args.cohort)
    head = ("username", "name", "role", "cohort", "status")
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
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_users_set_password(args: argparse.Namespace) -> int:
    """Set a user's password and clear any lockout."""
    password = _password(args, "New password")
    with _store() as engine:
        accounts.set_password(engine, None, args.username, password)
    print(f"password changed for '{args.username}'")
    return EXIT_OK


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    """Stop a user from signing in; their history stays."""
    with _store() as engine:
        accounts.set_active(engine, None, args.username, False)
    print(f"deactivated '{args.username}'")
    return EXIT_OK


def cmd_users_activate(args: argparse.Namespace) -> int:
    """Let a deactivated user sign in again."""
    with _store() as engine:
        accounts.set_active(engine, None, args.username, True)
    print(f"reactivated '{args.username}'")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Write a CSV export (Excel-safe, UTF-8 with BOM unless --no-bom) to a file or stdout."""
    filters = exports.Filters(
        since=_day(args.since) if args.since else None,
        until=_day(args.until) + timedelta(days=1) if args.until else None,
        cohort=args.cohort,
        quiz_id=args.quiz,
    )
    with _store() as engine:
        data, rows = exports.export(engine, None, args.kind, filters, bom=not args.no_bom)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
        print(f"wrote {rows} {args.kind} rows to {args.output}", file=sys.stderr)
    return EXIT_OK


def _day(text: str) -> datetime:
    """Midnight UTC at the start of a YYYY-MM-DD date."""
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise UsageError(f"'{text}' is not a date (expected YYYY-MM-DD)") from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web app on the database (RESURFACE_DATABASE_URL) and the shipped banks."""
    with _store() as engine:
        empty = not accounts.list_users(engine, None)
    if empty:
        print(
            f"{_shown_url()} has no users yet: create the first manager with `resurface init` "
            "(with the same RESURFACE_DATABASE_URL), then sign in as them. "
            "To look around first, try `resurface demo`."
        )
    return _serve(args, dict(os.environ))


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the web app on a demo database with sample accounts and attempts (made once)."""
    url = args.database_url or config.demo_database_url()
    catalogue = load([config.quizzes_dir()], sources_dir=config.sources_dir())
    with _store(url) as engine:
        fresh = not accounts.list_users(engine, None)
        people = demo.seed_demo(engine, catalogue)
    what = "created with sample attempts" if fresh else "already set up"
    print(f"Demo database {_shown_url(url)} ({what}).")
    print("Demo accounts (DEMO ONLY passwords: they are public, never use them for real people):")
    for username, password, role in people:
        print(f"  {role:<8} username: {username:<8} password: {password}  (DEMO ONLY)")
    return _serve(args, {**os.environ, "RESURFACE_DATABASE_URL": url})


def _serve(args: argparse.Namespace, env: dict[str, str]) -> int:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.port",
        str(args.port),
        "--server.address",
        args.host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Trainees see the app, not Streamlit's developer menu ("Deploy", rerun, settings).
        "--client.toolbarMode",
        "minimal",
    ]
    print(f"Open {_browser_url(args.host, args.port)} (Ctrl+C stops the server).", flush=True)
    return _run_server(command, env)


def _browser_url(host: str, port: int) -> str:
    if host in ("127.0.0.1", "0.0.0.0", "::", "::1", "localhost"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _run_server(command: list[str], env: dict[str, str]) -> int:
    """Run the server as a child and return its exit code.

    A child rather than os.exec: the CLI stays a plain function returning an exit code, Ctrl+C
    ends without a traceback, and it works the same on Windows, where exec does not replace the
    process. The price is passing on a SIGTERM, so the server never outlives the command.
    """
    child = subprocess.Popen(command, env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # Ctrl+C at a terminal reaches the server too; give it time to shut down cleanly.
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 128 - code if code < 0 else code  # killed by signal N: the shell's 128 + N


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): {text!r}")
    return port


def _add_serve_commands(sub: argparse._SubParsersAction) -> None:
    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", type=_port, default=8501, help="port to listen on (default 8501)")
        p.add_argument(
            "--host",
            default="127.0.0.1",
            help="address to listen on (default 127.0.0.1: this computer only; "
            "0.0.0.0 for every network interface)",
        )

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    server_args(p)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("demo", help=cmd_demo.__doc__, description=cmd_demo.__doc__)
    server_args(p)
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="the demo database (default: RESURFACE_DEMO_DATABASE_URL or results/demo.db)",
    )
    p.set_defaults(func=cmd_demo)


def _add_db_commands(sub: argparse._SubParsersAction) -> None:
    def password_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    p = dbsub.add_parser("upgrade", help=cmd_db_upgrade.__doc__, description=cmd_db_upgrade.__doc__)
    p.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    p.add_argument("--username", default="admin", help="the manager's username (default: admin)")
    p.add_argument("--display-name", help="the name shown in the app")
    password_arg(p)
    p.set_defaults(func=cmd_init)

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resurface", description="Resurface: laser resurfacing training quizzes."
    )
    parser.add_argument("--version", action="version", version=f"resurface {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def content_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="PATH",
            help="content folders or files (default: the shipped quizzes/)",
        )
        p.add_argument(
            "--sources",
            type=Path,
            metavar="DIR",
            help="folder of source documents (*.txt): check quotes and own words",
        )

    p = sub.add_parser(
        "validate",
        help="check question banks, topics, sources and quizzes",
        description=cmd_validate.__doc__,
    )
    content_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "banks",
        help="questions per topic and type (or all questions as JSON)",
        description=cmd_banks.__doc__,
    )
    content_args(p)
    p.add_argument("--json", action="store_true", help="print every question as a JSON object")
    p.set_defaults(func=cmd_banks)
    _add_db_commands(sub)
    _add_serve_commands(sub)
    p = sub.add_parser("export", help="write a CSV export", description=cmd_export.__doc__)
    p.add_argument("kind", choices=exports.KINDS, help="what to export")
    p.add_argument("--from", dest="since", metavar="DATE", help="attempts started on or after")
    p.add_argument("--to", dest="until", metavar="DATE", help="attempts started on or before")
    p.add_argument("--cohort", help="one cohort's trainees only")
    p.add_argument("--quiz", help="one quiz only (its id)")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (default: stdout)")
    p.add_argument("--no-bom", action="store_true", help="no UTF-8 byte-order mark")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ContentPathError, UsageError) as exc:
        print(f"resurface: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (AccountError, DatabaseError, demo.NotADemoDatabase) as exc:
        print(f"resurface: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `resurface banks --json | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
