"""``resurface bench``: run the benchmarks of the source checkout and print their table."""

from __future__ import annotations

import argparse
import subprocess
import sys

from app import config
from app.cli.common import UsageError

BENCHMARKS = config.PROJECT_ROOT / "benchmarks"


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure load, validation, scoring, saves, analysis, exports, pages and concurrent trainees.

    Prints one Markdown table (median, p95, a baseline from the same run and the ratio) and
    asserts nothing; `python -m benchmarks` from the project folder does the same.
    """
    if not (BENCHMARKS / "__main__.py").is_file():
        raise UsageError(
            f"no benchmarks in {config.PROJECT_ROOT}: they ship with the source checkout only"
        )
    command = [sys.executable, "-m", "benchmarks", "--pg", args.pg, "--seed", str(args.seed)]
    command += ["--quick"] if args.quick else []
    command += ["--only", *args.only] if args.only else []
    command += ["--skip", *args.skip] if args.skip else []
    command += ["--list"] if args.list else []
    return subprocess.run(command, cwd=config.PROJECT_ROOT, check=False).returncode


def register(sub: argparse._SubParsersAction) -> None:
    doc = cmd_bench.__doc__ or ""
    p = sub.add_parser("bench", help=doc.splitlines()[0], description=doc)
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these (see --list)")
    p.add_argument("--skip", nargs="+", metavar="NAME", help="leave these out")
    p.add_argument(
        "--pg",
        default="postgresql+psycopg://root@127.0.0.1:5432/test",
        help="PostgreSQL URL for its rows ('' for none; skipped with a note if unreachable)",
    )
    p.add_argument("--seed", type=int, default=42, help="seed of the synthetic data")
    p.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    p.set_defaults(func=cmd_bench)
