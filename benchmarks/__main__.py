"""Run every benchmark and print one Markdown table: ``python -m benchmarks [--quick]``.

Each row: what was measured, on how much, median and p95 (or the slowest of a few runs), the
baseline measured in the same run, its figure, the ratio of the medians, and the issue's target.
Synthetic data comes from a fixed seed; nothing asserts a time. Above the table: the machine;
below it: notes (seeding times, skipped rows, the load test's findings). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sqlite3
import subprocess
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The scripts import each other as siblings, as they do when run one by one.
sys.path.insert(0, str(HERE))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings

from measure import PG_DEFAULT, Row, Run, markdown, reachable  # noqa: E402

# name -> (module, what it measures); run in this order, the load test last (it takes minutes).
BENCHMARKS = {
    "validate": (("validate",), "the validator on the shipped banks vs the C YAML parser"),
    "bank": (
        ("bank_load",),
        "10,000 generated questions in 20 files vs pure-Python yaml.safe_load",
    ),
    "engine": (("assemble_score",), "assemble + score 10,000 certification-exam attempts"),
    "save": (("answer_save",), "save answer, SQLite and PostgreSQL, 1 and 20 threads"),
    "items": (
        ("item_analysis", "item_analysis_db"),
        "item analysis of 600,000 responses, in memory and from each database",
    ),
    "export": (("export_responses",), "responses export of 1,000,000 rows vs DataFrame.to_csv"),
    "audit": (("audit_search",), "the audit log's searches over 1,000,000 lines, each database"),
    "click": (("answer_click",), "answer click on the quiz page (AppTest), median of 50"),
    "clickcpu": (
        ("click_cpu",),
        "server CPU per answer click, resurface serve in Chromium, vs a one-line page",
    ),
    "dashboard": (("dashboard_open",), "the trainer dashboard with 10,000 attempts (AppTest)"),
    "exportpage": (
        ("exports_page",),
        "the Exports page rerun while a 300,000-row prepared file waits (AppTest)",
    ),
    "hostile": (("hostile_rows",), "refusing hostile YAML files vs parsing a real bank"),
    "dbcopy": (
        ("db_copy",),
        "resurface db copy of 1,000,000 responses, SQLite to PostgreSQL and back",
    ),
    "signin": (("signin_flood",), "answer saves while 3 clients fail sign-ins, each database"),
    "backup": (("backup_load",), "db backup of 300,000 responses while 4 trainees answer"),
    "load": (("load_trainees",), "N concurrent trainees in Chromium against resurface serve"),
    "exam_pace": (
        ("exam_pace",),
        "N trainees at exam pace (10-40 s a question) over Streamlit's protocol, 50 to 400+",
    ),
}


def machine(pg: str | None) -> list[str]:
    """What the numbers were measured on, as Markdown list items."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    total = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("pandas", "numpy", "pydantic", "PyYAML", "SQLAlchemy", "streamlit")
    )
    import yaml

    lines = [
        f"- CPU: {os.cpu_count()} x {cpu}; RAM {total / 2**30:.1f} GiB; "
        f"load average at start {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- {platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}; libyaml {'yes' if yaml.__with_libyaml__ else 'no'}",
        f"- {versions}",
        f"- PostgreSQL: {_pg_version(pg) if pg else 'not reachable (its rows are skipped)'}",
    ]
    chromium = Path("/usr/bin/chromium")
    if chromium.exists():
        try:
            shown = subprocess.run(
                [str(chromium), "--version"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            shown = str(chromium)
        lines.append(f"- Browser: {shown}; Playwright {metadata.version('playwright')}")
    return lines


def _pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", choices=BENCHMARKS, help="run only these"
    )
    parser.add_argument("--skip", nargs="+", metavar="NAME", choices=BENCHMARKS, default=[])
    parser.add_argument(
        "--pg", default=PG_DEFAULT, help=f"PostgreSQL URL ('' for none; default {PG_DEFAULT})"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.list:
        for name, (_modules, what) in BENCHMARKS.items():
            print(f"{name:10} {what}")
        return 0
    names = [n for n in (args.only or BENCHMARKS) if n not in args.skip]
    run = Run(quick=args.quick, seed=args.seed, pg=reachable(args.pg))
    if args.pg and not run.pg:
        run.note(f"PostgreSQL at {args.pg} is not reachable: its rows are skipped")
    command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
    head = [f"`{command.strip()}`", "", *machine(run.pg), ""]
    rows: list[Row] = []
    started = time.perf_counter()
    for name in names:
        modules, what = BENCHMARKS[name]
        print(f"[{name}] {what} ...", file=sys.stderr, flush=True)
        began = time.perf_counter()
        for module in modules:
            try:
                rows += importlib.import_module(module).measure(run)
            except Exception as exc:  # one broken benchmark must not cost the others' numbers
                traceback.print_exc()
                run.note(f"{name} ({module}.py): failed: {type(exc).__name__}: {exc}")
        print(f"[{name}] done in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    print("\n".join(head))
    print(markdown(rows))
    print()
    total = time.perf_counter() - started
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    notes = [*run.notes, f"whole run: {total:.0f} s; load average at the end {load}"]
    print("\n".join(f"- {note}" for note in notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
