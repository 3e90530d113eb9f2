"""What every benchmark shares: the run's settings, timing, and a row of the one Markdown table.

A row says what was measured, on how much, its median and p95 (or a total), the baseline
measured in the same run with its figure, the ratio of the two medians, and the target the issue
set, if any. Nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

PG_DEFAULT = "postgresql+psycopg://root@127.0.0.1:5432/test"
PW = "benchmark password"
HEADER = ("what", "size", "median", "p95 (or total)", "baseline", "baseline figure", "ratio")
HEADER += ("target",)


@dataclass
class Run:
    """The settings of one benchmark run; ``notes`` collects what the table cannot say."""

    quick: bool = False
    seed: int = 42
    pg: str | None = None  # None: PostgreSQL is not reachable (or not asked for)
    notes: list[str] = field(default_factory=list)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def note(self, text: str) -> None:
        self.notes.append(text)


@dataclass(frozen=True)
class Row:
    what: str
    size: str
    median: str
    p95: str
    baseline: str = ""
    base_figure: str = ""
    ratio: str = ""
    target: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.what, self.size, self.median, self.p95, self.baseline, self.base_figure,
                self.ratio, self.target)  # fmt: skip


@contextmanager
def environ(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for a block (the app reads its settings from there)."""
    with mock.patch.dict(os.environ, {name: value}):
        yield


def reachable(url: str | None) -> str | None:
    """``url`` if a PostgreSQL server answers there, else None."""
    if not url:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return url
    except (SQLAlchemyError, ImportError):
        return None
    finally:
        engine.dispose()


def seconds(value: float) -> str:
    """A duration the way a reader wants it: µs, ms or s with three significant figures."""
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of ``samples``; p95 is the nearest-rank value below the 95th percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def sample(fn: Callable[[], object], rounds: int) -> list[float]:
    """The wall-clock time of ``rounds`` calls of ``fn``, in seconds."""
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base > 0 else ""


def timing(
    what: str,
    size: str,
    samples: list[float],
    baseline: str = "",
    base_samples: list[float] | None = None,
    target: str = "",
) -> Row:
    """A row from timings in seconds: median and p95 of each, the ratio of the medians."""
    med = stats(samples)[0]
    if not base_samples:
        return Row(what, size, seconds(med), spread(samples), baseline, "", "", target)
    base_med = stats(base_samples)[0]
    figure = seconds(base_med)
    if len(base_samples) >= 20:
        figure += f" (p95 {spread(base_samples)})"
    return Row(
        what, size, seconds(med), spread(samples), baseline, figure, ratio(med, base_med), target
    )


def spread(samples: list[float]) -> str:
    """p95 of 20 samples or more; of fewer, the slowest (a p95 of 3 would be the median)."""
    if len(samples) >= 20:
        return seconds(stats(samples)[1])
    if len(samples) == 1:
        return "1 run"
    return f"max {seconds(max(samples))} of {len(samples)}"


def markdown(rows: list[Row]) -> str:
    """The rows as one Markdown table, columns padded so it reads as text too."""
    body = [HEADER, *(r.cells() for r in rows)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in body
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def standalone(
    measure: Callable[[Run], list[Row]],
    doc: str,
    *,
    quick: str = "small sizes, for a smoke run",
    pg: bool = False,
    seed: bool = False,
) -> int:
    """A benchmark script run on its own: ``--quick`` (and ``--pg``, ``--seed`` where it takes
    them), then its rows as a Markdown table and its notes."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    if pg:
        parser.add_argument("--pg", default=PG_DEFAULT, help="a PostgreSQL URL, or '' for none")
    if seed:
        parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data")
    args = parser.parse_args()
    settings: dict = {"quick": args.quick}
    if pg:
        settings["pg"] = reachable(args.pg or None)
    if seed:
        settings["seed"] = args.seed
    run = Run(**settings)
    print(markdown(measure(run)))
    print("\n".join(run.notes))
    return 0


# --- processes, read from /proc ----------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """One process as /proc shows it now."""

    parent: int
    cpu: float  # seconds used so far, user + system
    rss: int  # resident bytes
    command: str


def processes() -> dict[int, Proc]:
    """Every process on the machine, by pid (one that ends while being read is left out)."""
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick
        out[int(entry.name)] = Proc(int(fields[1]), cpu, int(fields[21]) * page, command)
    return out


def descendants(procs: dict[int, Proc], roots: list[int]) -> set[int]:
    """The live processes among ``roots`` and all their descendants."""
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.parent, []).append(pid)
    tree, stack = set(), [r for r in roots if r in procs]
    while stack:
        pid = stack.pop()
        tree.add(pid)
        stack.extend(children.get(pid, []))
    return tree


def children_cpu(root: int) -> dict[int, float]:
    """CPU seconds of each child of ``root`` with its own descendants (each server that
    ``resurface serve`` started), by the child's pid."""
    procs = processes()
    kids = [pid for pid, proc in procs.items() if proc.parent == root]
    return {kid: sum(procs[p].cpu for p in descendants(procs, [kid])) for kid in kids}


def tree_usage(roots: list[int]) -> tuple[float, int]:
    """(CPU seconds, resident bytes) of these processes and all their descendants, now."""
    procs = processes()
    tree = descendants(procs, roots)
    return sum(procs[p].cpu for p in tree), sum(procs[p].rss for p in tree)


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot, every CPU added (``/proc/stat``:
    all but idle and waiting for the disk)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
