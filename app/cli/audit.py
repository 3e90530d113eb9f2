"""``resurface audit``: the audit log, newest first, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import inspect
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app import auditlog
from app.cli.common import EXIT_OK, UsageError, day, store, table

DEFAULT_LIMIT = 100


def moment(text: str, end: bool = False) -> datetime:
    """A YYYY-MM-DD day (UTC; with ``end``, the end of it) or an ISO time (UTC unless zoned)."""
    if len(text) == 10:
        start = day(text)
        return start + timedelta(days=1) if end else start
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"'{text}' is not a date or time (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def filters_of(args: argparse.Namespace) -> auditlog.AuditFilters:
    since = moment(args.since) if args.since else None
    until = moment(args.until, end=True) if args.until else None
    if since and until and until <= since:
        raise UsageError("--to is before --from: no line can match")
    return auditlog.AuditFilters(
        since=since,
        until=until,
        actions=tuple(args.action or ()),
        user=args.user,
        target=args.target,
        text=args.text,
    )


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log, newest first (the console may read all of it).

    CSV and JSON are exports: each is recorded in the audit log with its filters and row count.
    """
    if args.limit < 0:
        raise UsageError("--limit must be 0 (no limit) or more")
    if args.output and args.format == "table":
        raise UsageError("--output is for --format csv or json")
    filters = filters_of(args)
    limit = args.limit or None
    with store() as engine:
        total = auditlog.count(engine, None, filters)
        unknown: list[str] = []
        if total == 0 and filters.actions:
            known = set(auditlog.actions(engine, None))
            unknown = [a for a in filters.actions if not a.endswith("*") and a not in known]
        if args.format == "table":
            shown = list(auditlog.lines(engine, None, filters, limit))
            _print_table(shown)
            written = len(shown)
        else:
            written = _export(engine, filters, limit, args)
    if total == 0:
        print("no audit lines match", file=sys.stderr)
    elif written < total:
        print(
            f"{written:,} of {total:,} matching lines, newest first"
            f" (--limit {args.limit}; --limit 0 for all)",
            file=sys.stderr,
        )
    elif args.format == "table" or args.output not in (None, "-"):
        print(f"{written:,} matching line{'' if written == 1 else 's'}", file=sys.stderr)
    for name in unknown:
        print(
            f"note: no line in the log has the action '{name}'"
            f" (for every action under it: --action '{name}.*')",
            file=sys.stderr,
        )
    return EXIT_OK


def _print_table(shown: list[auditlog.Line]) -> None:
    if not shown:
        return
    rows = [
        (
            f"{line.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            line.actor,
            line.action,
            line.target or "-",
            line.details or "-",
        )
        for line in shown
    ]
    print(table(("when (UTC)", "who", "action", "target", "details"), rows))


def _export(
    engine, filters: auditlog.AuditFilters, limit: int | None, args: argparse.Namespace
) -> int:
    bom = args.format == "csv" and not args.no_bom
    if args.output in (None, "-"):
        out = sys.stdout.buffer
        written = auditlog.write(engine, None, out, filters, args.format, bom=bom, limit=limit)
        out.flush()
        return written
    with Path(args.output).open("wb") as out:
        return auditlog.write(engine, None, out, filters, args.format, bom=bom, limit=limit)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="show or export the audit log",
        description=inspect.cleandoc(cmd_audit.__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--from", dest="since", metavar="DATE", help="from this day (UTC) or ISO time on"
    )
    p.add_argument(
        "--to", dest="until", metavar="DATE", help="up to the end of this day (UTC) or this time"
    )
    p.add_argument(
        "--action",
        nargs="+",
        action="extend",
        metavar="A",
        help="these actions only: exact names (login), or groups ending in * (user.* or login*)",
    )
    p.add_argument("--user", metavar="U", help="lines by this user (any case), or 'console'")
    p.add_argument("--target", metavar="T", help="lines whose target contains T (any case)")
    p.add_argument("--text", metavar="T", help="lines whose target or details contain T")
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"the newest N lines (default {DEFAULT_LIMIT}; 0 for all)",
    )
    p.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (default), Excel-safe CSV, or JSON",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="CSV or JSON to FILE (default: stdout)")
    p.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark")
    p.set_defaults(func=cmd_audit)
