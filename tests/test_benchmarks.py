"""The benchmark command runs and prints its one Markdown table (no timing is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys

from app import config
from app.cli import EXIT_USAGE, bench, main


def markdown_table(text: str) -> list[list[str]]:
    """The rows of the one Markdown table in ``text``, header first, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(lines) >= 3, f"no Markdown table in:\n{text}"
    assert set(lines[1]) <= {"|", "-"}, f"no header separator: {lines[1]}"
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines if line != lines[1]]


def quick(name: str) -> subprocess.CompletedProcess:
    """``python -m benchmarks --quick --only NAME`` without PostgreSQL, checked to succeed."""
    return ran("-m", "benchmarks", "--quick", "--only", name, "--pg", "")


def ran(*argv: str) -> subprocess.CompletedProcess:
    """``python ARGV...`` in the checkout, checked to succeed."""
    done = subprocess.run(
        [sys.executable, *argv],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_python_m_benchmarks_prints_one_markdown_table():
    done = quick("validate")
    rows = markdown_table(done.stdout)
    assert rows[0] == [
        "what", "size", "median", "p95 (or total)", "baseline", "baseline figure", "ratio", "target"
    ]  # fmt: skip
    assert len(rows) == 2
    what, size, median, _p95, baseline, figure, ratio, _target = rows[1]
    assert what.startswith("resurface validate")
    assert "questions" in size
    assert median.endswith(("µs", "ms", " s"))
    assert baseline
    assert figure
    assert ratio.endswith("x")
    assert "Python 3." in done.stdout  # the machine is described above the table
    assert "SQLite 3." in done.stdout


def test_the_audit_benchmark_times_each_search_of_the_page():
    rows = markdown_table(quick("audit").stdout)[1:]
    assert [r[0] for r in rows] == [
        f"audit log page on SQLite: {what}"
        for what in (
            "no filter",
            "a common action (login.ok, 62%)",
            "a rare action (user.password, 0.1%)",
            "one user's lines",
            "text in the details",
            "the actions offered by the filter",
        )
    ]
    assert all(r[1].startswith("20,000 lines") and r[6].endswith("x") for r in rows)


def test_the_exports_page_benchmark_keeps_the_prepared_file_out_of_memory():
    done = quick("exportpage")
    reruns, memory = markdown_table(done.stdout)[1:]
    assert reruns[0] == "rerun the Exports page with a prepared file (AppTest, SQLite)"
    assert reruns[1].startswith("30,000 rows")
    assert reruns[6].endswith("x")
    assert "the session holds 0 MB of it in memory" in done.stdout
    assert memory[0].startswith("server memory (RSS) added by each further manager")
    assert memory[1].endswith("2 managers")
    assert memory[2].endswith("MB")
    assert "exports page memory: the server's RSS before the first manager" in done.stdout


def test_the_click_benchmark_reads_the_servers_cpu_per_answer_click():
    done = quick("clickcpu")
    rows = markdown_table(done.stdout)[1:]
    assert [r[4] for r in rows] == [
        "one-line page served, same clicks",
        "quiz page click in AppTest (process CPU, median)",
    ]
    for row in rows:
        assert row[0] == "server CPU per answer click (resurface serve, Chromium, SQLite)"
        assert row[1] == "12 clicks, 30-question exam"
        assert row[2].endswith(("µs", "ms", " s"))
        assert row[6].endswith("x")
    assert "click cpu: this checkout:" in done.stdout
    assert "click cpu: one-line page:" in done.stdout


def test_the_signin_benchmark_saves_answers_during_a_flood_of_failed_sign_ins():
    done = quick("signin")
    (row,) = markdown_table(done.stdout)[1:]
    assert row[0] == "save answer while 3 clients fail sign-ins (SQLite)"
    assert row[1] == "30 saves, 0 failed"
    assert row[4] == "the same saves, no sign-ins"
    assert row[6].endswith("x")
    flood = re.search(r"the flood made (\d+) sign-ins", done.stdout)
    assert flood, done.stdout
    assert int(flood.group(1)) > 0


def test_resurface_bench_runs_the_benchmarks_of_the_checkout():
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", "--list"],
        cwd="/",  # from anywhere: the command finds the checkout itself
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert names[:2] == ["validate", "bank"]
    assert {"save", "items", "export", "audit", "click", "dashboard", "load"} <= set(names)


def test_resurface_bench_without_a_checkout_says_so(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(bench, "BENCHMARKS", tmp_path / "benchmarks")
    assert main(["bench", "--quick"]) == EXIT_USAGE
    assert "they ship with the source checkout only" in capsys.readouterr().err


def test_resurface_bench_refuses_an_unknown_benchmark():
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", "--only", "nonsense"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "invalid choice: 'nonsense'" in done.stderr


def test_the_db_copy_benchmark_copies_and_checks_the_seeded_database():
    done = quick("dbcopy")
    rows = markdown_table(done.stdout)[1:]
    assert [r[0] for r in rows] == ["db copy SQLite -> SQLite (app.dbcopy.copy)"]
    assert rows[0][1].endswith(" responses)")
    assert rows[0][4] == "of which reading back and comparing"
    assert "PostgreSQL not reachable, so SQLite to SQLite only" in done.stdout
    assert "per table while copying: attempt_questions " in done.stdout
    assert "peak" in done.stdout


def test_the_exam_pace_benchmark_takes_the_quiz_over_streamlits_protocol():
    done = quick("exam_pace")
    clicks, start = markdown_table(done.stdout)[1:]
    assert clicks[0].startswith("exam pace: 3 trainees, click-to-result (protocol")
    # 3 answers, 3 Next, Submit and Submit now each; a matching question is a click per row
    assert re.fullmatch(r"N=3: \d+ clicks; 3/3 submitted; answers lost: 0; errors: 0", clicks[1])
    assert int(clicks[1].split()[1]) >= 3 * 8
    assert clicks[2].endswith(("ms", " s"))
    assert start[0] == "exam pace: synchronized start of 3, until all see question 1"
    assert start[1] == "N=3: 3 started"
    assert "server CPU" in done.stdout
    assert "figures and every sample in results/exam_pace-" in done.stdout


def test_the_servers_comparison_runs_one_server_then_two_on_one_database():
    done = ran("benchmarks/exam_pace.py", "--compare-servers", "2")
    one, two = markdown_table(done.stdout)[1:]
    assert one[0].startswith("1 server process (SQLite), no think time")
    assert two[0].startswith("2 server processes (SQLite), no think time")
    for row in (one, two):
        # Each trainee: 30 answers, 30 moves and the submit (a matching question: a click a row)
        clicks = re.fullmatch(
            r"N=2, no think time: (\d+) clicks; 2/2 submitted; answers lost: 0; errors: 0", row[1]
        )
        assert clicks, row[1]
        assert int(clicks[1]) >= 2 * 61
        assert re.fullmatch(r"\d+\.\d/s", row[2])
    assert two[4:6] == ["1 server", one[2]]
    assert two[6].endswith("x")
    # Each trainee went to its own server: both servers worked, read from /proc
    (split,) = re.findall(r"2 \(SQLite\).*each server's CPU over the run: ([^;\n]*)", done.stdout)
    assert len(shares := [float(c.removesuffix(" s")) for c in split.split(", ")]) == 2
    assert min(shares) > 0
