"""``resurface validate`` and ``resurface banks``: the content files."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app import config
from app.bank import Catalogue, load
from app.bank.report import counts_table
from app.bank.text import plural
from app.cli.common import EXIT_INVALID, EXIT_OK


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


def register(sub: argparse._SubParsersAction) -> None:
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
