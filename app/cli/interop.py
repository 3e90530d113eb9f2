"""``resurface import``, ``resurface import-template`` and ``resurface export-bank``: questions
from and to other systems (GIFT, Moodle XML, Aiken, spreadsheets, QTI), through ``app.interop``.

Refusals are ``InteropError`` (a ResurfaceError): ``app.cli.main`` says them and exits 1. A file
wrong in several places (``Problems``) is said here, one problem a line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import config
from app.bank import load
from app.bank.text import plural
from app.cli.common import EXIT_INVALID, EXIT_OK, UsageError, store, table
from app.interop import InteropError, banks, exporters, importers, spreadsheet
from app.interop.common import MAX_IMPORT_BYTES
from app.interop.problems import SHOWN, Problems


def cmd_import(args: argparse.Namespace) -> int:
    """Read a question file from another system and write its questions as a new bank of drafts
    (difficulty 2, no citations: the validator lists each, quizzes never draw them until their
    passages are cited). Every question that cannot be represented (essay, numerical, cloze,
    drag-and-drop, images...) is listed with its line or record. A file wrong in several places
    (a spreadsheet's bad rows, an Aiken file's bad lines) is refused whole, every problem listed.
    With --dry-run nothing is written: the whole report is printed. The write is recorded in the
    audit log (content.import), so it needs the database. For a spreadsheet to fill in, see
    `resurface import-template`."""
    content = args.content or config.quizzes_dir()
    try:
        size = args.file.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise InteropError(
                f"{args.file.name} is {size / 1024 / 1024:.1f} MB; a question file may be at "
                f"most {MAX_IMPORT_BYTES // 1024 // 1024} MB"
            )
        data = args.file.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        plan = banks.plan_import(
            content,
            data,
            args.file.name,
            args.bank,
            args.topic,
            fmt=args.format,
            title=args.title,
            replace=args.replace,
            sources_dir=args.sources or config.sources_dir(),
        )
    except Problems as exc:
        return _problems(args.file.name, exc, everything=args.dry_run)
    rows = [[r.where, r.outcome, r.detail] for r in plan.rows()]
    if rows:
        print(table(["where", "outcome", "detail"], rows))
    for warning in plan.warnings:
        if warning.rule != "draft":
            print(warning)
    why = plan.refusal()
    if why:
        print(f"resurface: not written: {why}", file=sys.stderr)
        return EXIT_INVALID
    if args.dry_run:
        print(f"dry run, nothing written: {plan.summary()}", file=sys.stderr)
        return EXIT_OK
    with store() as engine:
        banks.commit(engine, None, plan)  # audited as content.import, by the console
    print(f"written: {plan.summary()}", file=sys.stderr)
    return EXIT_OK


def _problems(name: str, exc: Problems, everything: bool) -> int:
    """A file refused for its problems: one line each on standard error (all of them with
    --dry-run, else the first SHOWN), and exit 1."""
    total = len(exc.problems)
    head = "1 problem" if total == 1 else f"{total} problems"
    print(f"resurface: error: {name}: {head}; nothing was imported", file=sys.stderr)
    shown = exc.problems if everything else exc.problems[:SHOWN]
    for problem in shown:
        print(problem, file=sys.stderr)
    if len(shown) < total:
        print(f"... and {total - len(shown)} more (--dry-run lists them all)", file=sys.stderr)
    return EXIT_INVALID


def cmd_import_template(args: argparse.Namespace) -> int:
    """Write the spreadsheet template for `resurface import`: the header row (every column the
    import reads) and one example question of each kind; an .xlsx also has a sheet that says
    what goes in each column. FILE's suffix says which: .xlsx or .csv (UTF-8, as Excel reads
    it)."""
    suffix = args.file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UsageError(f"{args.file.name}: the template is an .xlsx or a .csv file")
    data = spreadsheet.template() if suffix == ".xlsx" else spreadsheet.template_csv()
    _write(args.file, data)
    print(
        f"written {args.file}: fill in one question a row, then "
        f"`resurface import {args.file} --bank ID --topic TOPIC`"
    )
    return EXIT_OK


def _write(target: Path, data: bytes) -> None:
    partial = target.with_name(f".{target.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None


def cmd_export_bank(args: argparse.Namespace) -> int:
    """Write question banks (all, or those named) in another system's format. The explanation
    and the citations go into each question's general feedback, option feedback where the format
    has it; a case's vignette is written before its stem. What the format cannot hold (and the
    drafts and retired questions, which are not exported) is listed on standard error."""
    cat = load([args.content or config.quizzes_dir()])
    if not cat.ok:
        for problem in cat.problems:
            print(problem, file=sys.stderr)
        print(f"{plural(len(cat.problems), 'problem')}: fix them first", file=sys.stderr)
        return EXIT_INVALID
    written = banks.export(cat, args.format, args.banks)
    target = Path(args.output)
    _write(target, written.data)
    for s in written.left_out:
        print(f"{s.where}: {s.reason}", file=sys.stderr)
    print(
        f"written {target} ({args.format}); {plural(len(written.left_out), 'note')}",
        file=sys.stderr,
    )
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import questions from GIFT, Moodle XML, Aiken or a spreadsheet as a bank of drafts",
        description=cmd_import.__doc__,
    )
    p.add_argument("file", type=Path, metavar="FILE", help="the question file")
    p.add_argument(
        "--format",
        choices=importers(),
        help="the file's format (default: guessed from its name: .gift/.txt, .xml, .csv, .xlsx)",
    )
    p.add_argument("--bank", required=True, metavar="ID", help="the new bank's id (its file name)")
    p.add_argument("--topic", required=True, metavar="ID", help="the topic (from topics.yaml)")
    p.add_argument("--title", metavar="TEXT", help="the bank's title (default: its id)")
    p.add_argument(
        "--replace", action="store_true", help="replace the bank if it exists (default: refuse)"
    )
    p.add_argument("--dry-run", action="store_true", help="print the report; write nothing")
    p.add_argument(
        "--content", type=Path, metavar="DIR", help="the content folder (default: quizzes/)"
    )
    p.add_argument(
        "--sources", type=Path, metavar="DIR", help="source documents, for the own-words check"
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "import-template",
        help="write the spreadsheet template for import (.xlsx or .csv)",
        description=cmd_import_template.__doc__,
    )
    p.add_argument(
        "file", type=Path, metavar="FILE", help="the file to write: NAME.xlsx or NAME.csv"
    )
    p.set_defaults(func=cmd_import_template)

    p = sub.add_parser(
        "export-bank",
        help="export question banks as GIFT, Moodle XML, Aiken or a QTI package",
        description=cmd_export_bank.__doc__,
    )
    p.add_argument("banks", nargs="*", metavar="BANK", help="bank ids (default: every bank)")
    p.add_argument(
        "--format",
        choices=exporters(),
        default="moodle-xml",
        help="the format (moodle-xml)",
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument(
        "--content", type=Path, metavar="DIR", help="the content folder (default: quizzes/)"
    )
    p.set_defaults(func=cmd_export_bank)
