"""``resurface export KIND``: the same CSV bytes a manager downloads from the Exports page."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from app import exports
from app.cli.common import EXIT_OK, day, store


def cmd_export(args: argparse.Namespace) -> int:
    """Write a CSV export (Excel-safe, UTF-8 with BOM unless --no-bom) to a file or stdout."""
    filters = exports.Filters(
        since=day(args.since) if args.since else None,
        until=day(args.until) + timedelta(days=1) if args.until else None,
        cohort=args.cohort,
        quiz_id=args.quiz,
    )
    with store() as engine:
        data, rows = exports.export(engine, None, args.kind, filters, bom=not args.no_bom)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.output).write_bytes(data)
        print(f"wrote {rows} {args.kind} rows to {args.output}", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write a CSV export", description=cmd_export.__doc__)
    p.add_argument("kind", choices=exports.KINDS, help="what to export")
    p.add_argument("--from", dest="since", metavar="DATE", help="attempts started on or after")
    p.add_argument("--to", dest="until", metavar="DATE", help="attempts started on or before")
    p.add_argument("--cohort", help="one cohort's trainees only")
    p.add_argument("--quiz", help="one quiz only (its id)")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (default: stdout)")
    p.add_argument("--no-bom", action="store_true", help="no UTF-8 byte-order mark")
    p.set_defaults(func=cmd_export)
