"""``resurface export KIND``: the same bytes (CSV or xlsx) a manager downloads from the Exports
page."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

from app import config, exports
from app.bank import load
from app.cli.common import EXIT_OK, UsageError, day, store


def cmd_export(args: argparse.Namespace) -> int:
    """Write an export to a file or stdout: CSV (Excel-safe, UTF-8 with BOM unless --no-bom) or,
    with --format xlsx, an Excel workbook (typed cells, at most 1,048,575 rows).

    attempts and responses cover attempts started from --from to --to (both days included);
    certifications gives each trainee's status at the end of the --to day (default: now).
    """
    filters = exports.ExportFilters(
        since=day(args.since) if args.since else None,
        until=day(args.until) + timedelta(days=1) if args.until else None,
        cohort=args.cohort,
        quiz_id=args.quiz,
    )
    catalogue = None
    if args.kind == "certifications":
        catalogue = load([config.quizzes_dir()])
    to_stdout = args.output in (None, "-")
    if to_stdout and args.format == "xlsx" and sys.stdout.isatty():
        raise UsageError("an xlsx workbook is not for a terminal: write it to a file with -o FILE")
    target = None if to_stdout else Path(args.output)
    # A file is written beside its final name and moved into place when complete, so a failed
    # export never leaves a truncated file that looks finished.
    partial = None if target is None else target.with_name(f".{target.name}.part")
    with store() as engine:
        try:
            if target is None or partial is None:
                rows = exports.write(
                    engine,
                    None,
                    args.kind,
                    sys.stdout.buffer,
                    filters,
                    catalogue=catalogue,
                    fmt=args.format,
                    bom=not args.no_bom,
                )
                sys.stdout.flush()
            else:
                with partial.open("wb") as out:
                    rows = exports.write(
                        engine,
                        None,
                        args.kind,
                        out,
                        filters,
                        catalogue=catalogue,
                        fmt=args.format,
                        bom=not args.no_bom,
                    )
                os.replace(partial, target)
        except exports.ExportError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)
    if target is not None:
        print(f"wrote {rows} {args.kind} rows to {args.output}", file=sys.stderr)
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a CSV or Excel (xlsx) export",
        description=cmd_export.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=exports.KINDS, help="what to export")
    p.add_argument("--from", dest="since", metavar="DATE", help="attempts started on or after")
    p.add_argument(
        "--to",
        dest="until",
        metavar="DATE",
        help="attempts started on or before; for certifications, the status at the end of DATE",
    )
    p.add_argument("--cohort", help="one cohort's trainees only")
    p.add_argument("--quiz", help="one quiz only (its id)")
    p.add_argument("-o", "--output", metavar="FILE", help="where to write (default: stdout)")
    p.add_argument(
        "--format",
        choices=exports.FORMATS,
        default="csv",
        help="csv (default, Excel-safe) or xlsx (an Excel workbook; needs -o at a terminal)",
    )
    p.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 byte-order mark")
    p.set_defaults(func=cmd_export)
