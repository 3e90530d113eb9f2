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
from app.bank.simulate import simulate
from app.bank.text import plural
from app.cli.common import EXIT_INVALID, EXIT_OK


def _load(args: argparse.Namespace) -> Catalogue:
    paths = args.paths or [config.quizzes_dir()]
    return load(paths, sources_dir=args.sources)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check content files; print every problem as file:line: id: field: message, and every
    item-writing warning as file:line: warning: id: field: message [rule]. With --strict,
    warnings fail the check too."""
    started = time.perf_counter()
    cat = _load(args)
    for problem in cat.problems:
        print(problem)
    for warning in cat.warnings:
        print(warning)
    elapsed = time.perf_counter() - started
    summary = (
        f"{plural(len(cat.entries), 'question')} in {plural(len(cat.banks), 'bank')}, "
        f"{plural(len(cat.quizzes), 'quiz', 'quizzes')}; {plural(len(cat.problems), 'problem')}, "
        f"{plural(len(cat.warnings), 'warning')}{' (strict: warnings fail)' if args.strict else ''}"
        f"{'' if args.sources else ' (quotes not checked: no --sources)'} in {elapsed:.2f}s"
    )
    print(summary, file=sys.stderr)
    failed = cat.problems or (args.strict and cat.warnings)
    return EXIT_INVALID if failed else EXIT_OK


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


def cmd_forms(args: argparse.Namespace) -> int:
    """Draw many forms of each quiz as attempts would, and print how they differ: difficulty,
    types, cases, near-duplicates and overlap with the previous form."""
    cat = _load(args)
    if not cat.ok:
        for problem in cat.problems:
            print(problem, file=sys.stderr)
        print(f"{plural(len(cat.problems), 'problem')}: fix them first", file=sys.stderr)
        return EXIT_INVALID
    wanted = args.quiz or [q for q in cat.quizzes if q != "my-mistakes"]
    unknown = [q for q in wanted if q not in cat.quizzes]
    if unknown:
        print(
            f"no such quiz: {', '.join(unknown)} (quizzes: {', '.join(cat.quizzes)})",
            file=sys.stderr,
        )
        return EXIT_INVALID
    for i, quiz_id in enumerate(wanted):
        if i:
            print()
        print(simulate(cat.quizzes[quiz_id], cat, args.forms, args.seed).table())
    return EXIT_OK


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
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail on item-writing warnings too (the shipped banks are checked this way in CI)",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "banks",
        help="questions per topic and type (or all questions as JSON)",
        description=cmd_banks.__doc__,
    )
    content_args(p)
    p.add_argument("--json", action="store_true", help="print every question as a JSON object")
    p.set_defaults(func=cmd_banks)

    p = sub.add_parser(
        "forms",
        help="draw many forms of a quiz and show how they differ",
        description=cmd_forms.__doc__,
    )
    content_args(p)
    p.add_argument("--quiz", action="append", metavar="ID", help="this quiz (repeat; default: all)")
    p.add_argument("--forms", type=int, default=10_000, metavar="N", help="forms to draw (10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first form (0)")
    p.set_defaults(func=cmd_forms)
