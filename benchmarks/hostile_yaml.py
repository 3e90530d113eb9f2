"""How long each hostile content file takes to be refused, against plain parsing of a real bank.

Each case is written to a file and read with ``app.bank.yamlpos.load_file``, the loader's own entry
point, which must raise YamlError. Baseline: ``yaml.safe_load`` (the C loader) of the largest
shipped bank, the work a normal file costs. The median of 5 runs is printed; nothing is asserted
(the unit tests check what is refused and why, the limits keep it cheap).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from app import config
from app.bank.yamlpos import MAX_BYTES, MAX_DEPTH, MAX_VALUES, YamlError, load_file

ROUNDS = 5
DEEP = 10_000
MB = 1024 * 1024


def billion_laughs() -> str:
    lines = ['lol0: &lol0 "lol"']
    lines += [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def fifty_megabytes(path: Path) -> None:
    question = "  - {id: q, type: true_false, difficulty: 1, stem: s, answer: true}\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("bank: {id: huge, title: Huge, topic: care}\nquestions:\n")
        block = question * 10_000
        while out.tell() < 50 * MB:
            out.write(block)


CASES: dict[str, Callable[[Path], None]] = {
    "billion laughs (10^9 lols)": lambda p: p.write_text(billion_laughs()),
    "!!python/object/apply:os.system": lambda p: p.write_text(
        "bank: !!python/object/apply:os.system ['true']\n"
    ),
    "50 MB file": fifty_megabytes,
    f"{DEEP:,}-deep flow lists": lambda p: p.write_text("[" * DEEP + "]" * DEEP),
    f"{DEEP:,}-deep flow mappings": lambda p: p.write_text("{a: " * DEEP + "1" + "}" * DEEP),
    f"{DEEP:,}-deep block lists": lambda p: p.write_text("- " * DEEP + "x\n"),
    f"{MAX_VALUES + 1:,} values (just over)": lambda p: p.write_text(
        "questions:\n" + "- x\n" * MAX_VALUES
    ),
    "invalid UTF-8 at the end of 1.9 MB": lambda p: p.write_bytes(
        b"a: " + b"x" * (MAX_BYTES - 100 * 1024) + b"\n\xff\n"
    ),
    "UTF-16 file": lambda p: p.write_bytes("bank: {id: x}\n".encode("utf-16")),
    "NUL byte at the end of 1.9 MB": lambda p: p.write_bytes(
        b"a: " + b"x" * (MAX_BYTES - 100 * 1024) + b"\n\x00\n"
    ),
}


def median_seconds(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def refuse(path: Path) -> str:
    try:
        load_file(path)
    except YamlError as exc:
        return f"line {exc.line}: {exc.message}"
    return "NOT REFUSED"


def main() -> int:
    banks = sorted((config.quizzes_dir() / "banks").glob("*.yaml"), key=lambda p: p.stat().st_size)
    biggest = banks[-1]
    text = biggest.read_text(encoding="utf-8")
    base = median_seconds(lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    print(f"limits: {MAX_BYTES:,} bytes, {MAX_DEPTH} levels, {MAX_VALUES:,} values per file")
    print(f"baseline: yaml.safe_load (C) of {biggest.name} ({len(text):,} bytes): "
          f"{base * 1000:.2f} ms\n")  # fmt: skip
    print(f"{'case':<38} {'size':>12} {'refused in':>11} {'x baseline':>10}  message")
    with tempfile.TemporaryDirectory() as folder:
        for name, write in CASES.items():
            path = Path(folder) / "hostile.yaml"
            write(path)
            message = refuse(path)
            seconds = median_seconds(lambda path=path: refuse(path))
            print(
                f"{name:<38} {path.stat().st_size:>12,} {seconds * 1000:>8.2f} ms "
                f"{seconds / base:>10.1f}  {message[:70]}"
            )
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
