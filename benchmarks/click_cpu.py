"""Server CPU per answer click: ``resurface serve`` driven by Chromium, read from /proc.

A trainee signs in, starts the certification exam and clicks the options of one single-answer
question in turn, waiting after each click until the app is idle (as the browser tests'
``settle`` does). The CPU seconds (user + system, /proc/<pid>/stat) of the server's processes
before and after the clicks, divided by their number, are the server's CPU per answer click: the
websocket message, the session check and the save of the callback, the rerun, and sending the
result. Chromium's CPU is not counted. The server's CPU while idle (a second, measured after the
clicks) is given too, and the figure net of it for the wall time the clicks took.

Baselines, measured in the same run:
  - the same clicks on a one-line Streamlit page (one radio) served by ``streamlit run``, with
    the settings ``resurface serve`` uses for a script run: what Streamlit itself costs a click;
  - the same click on the quiz page in AppTest, in this process (``time.process_time``);
  - with ``--before REV``: the quiz page served with the ``app`` package of commit REV (extracted
    with ``git archive``; the same content, database, browser and clicks).
The servers run side by side and take turns, ROUNDS batches of clicks each, so a machine that
gets busier during the run weighs on each of them alike. With ``--profile DIR``, py-spy then
samples each quiz server during as many clicks again, and the frames most often on the stack
are printed; DIR keeps the raw stacks, one file a server (keep them out of git).
Asserts nothing.

    python benchmarks/click_cpu.py [--quick] [--before REV] [--profile results/clickcpu]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from measure import PW, Row, Run, environ, markdown, processes, ratio, seconds, tree_usage

from app import accounts, attempts, config
from app.store import open_store

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # e2e_support: the browser tests' helpers
CHROMIUM = "/usr/bin/chromium"
EXAM = "Laser resurfacing certification exam"
ROUNDS = 4
ONE_LINE = "import streamlit as st\nst.radio('Choose one answer', ['a', 'b', 'c', 'd'], key='r')\n"
# What `resurface serve` sets for a script run (app/cli/serve.py), for the one-line page too.
RUN_FLAGS = ["--runner.postScriptGC", "false", "--server.fileWatcherType", "none"]


# --- the server's CPU ---------------------------------------------------------------------------


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by process ``root`` and its live descendants."""
    return tree_usage([root])[0]


def python_pid(root: int) -> int:
    """The process under ``root`` that runs Streamlit (``resurface serve`` starts it as a child)."""
    children = [pid for pid, proc in processes().items() if proc.parent == root]
    return children[0] if children else root


@contextmanager
def serving(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Run a server command on a free port (the word ``PORT`` in it); yield (url, pid)."""
    from e2e_support import _healthy, _stop_group, free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [str(port) if c == "PORT" else c for c in command],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no server at {url}:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, server.pid
    finally:
        _stop_group(server)


# --- clicks -------------------------------------------------------------------------------------


@dataclass
class Target:
    """A served page with a radio to click, and what its clicks have cost so far."""

    name: str
    pid: int
    page: object
    options: object
    cpu: float = 0.0
    wall: float = 0.0
    clicks: int = 0
    idle: float = 0.0  # CPU seconds a second, idle

    def click(self, clicks: int) -> None:
        from e2e_support import settle

        for i in range(clicks):
            self.options.nth(i % 2).locator("xpath=ancestor::label[1]").click()
            settle(self.page)

    def batch(self, clicks: int) -> None:
        before, started = tree_cpu(self.pid), time.perf_counter()
        self.click(clicks)
        self.cpu += tree_cpu(self.pid) - before
        self.wall += time.perf_counter() - started
        self.clicks += clicks

    def measure_idle(self, span: float = 2.0) -> None:
        before = tree_cpu(self.pid)
        time.sleep(span)
        self.idle = (tree_cpu(self.pid) - before) / span

    @property
    def rss(self) -> int:
        """Resident bytes of the process that runs Streamlit."""
        pages = Path(f"/proc/{python_pid(self.pid)}/statm").read_text().split()[1]
        return int(pages) * os.sysconf("SC_PAGE_SIZE")

    @property
    def per_click(self) -> float:
        return self.cpu / self.clicks

    @property
    def net(self) -> float:
        """Per click, less what the server would have used idle in the same time."""
        return (self.cpu - self.idle * self.wall) / self.clicks


def quiz_target(stack: ExitStack, browser, db: str, code: Path, name: str, log: Path) -> Target:
    """A new trainee on the quiz page of a new exam, served with ``code``'s ``app`` package."""
    from e2e_support import resurface_command, settle, sign_in, start_quiz

    engine = open_store(db)
    boss = accounts.authenticate(engine, "boss", PW)
    username = f"t{len(accounts.list_users(engine, boss))}"
    user = accounts.create_user(engine, boss, username, PW, "trainee", "north")
    env = {
        **os.environ,
        "RESURFACE_DATABASE_URL": db,
        "RESURFACE_QUIZZES": str(config.quizzes_dir()),
        "PYTHONPATH": str(code),
    }
    command = [resurface_command(), "serve", "--port", "PORT", "--host", "127.0.0.1"]
    url, pid = stack.enter_context(serving(command, env, log))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    stack.callback(context.close)
    page = context.new_page()
    sign_in(page, url, username, PW)
    attempt_id = start_quiz(page, EXAM)
    view = attempts.get(engine, user, attempt_id)
    engine.dispose()
    number = next(
        s.presented.position + 1 for s in view.questions if s.presented.snapshot.type == "single"
    )
    page.goto(f"{url}/quiz?attempt={attempt_id}&q={number}")
    settle(page)
    radios = page.get_by_test_id("stMain").get_by_role("radiogroup", name="Choose one answer")
    return Target(name, pid, page, radios.get_by_role("radio"))


def one_line_target(stack: ExitStack, browser, scratch: Path) -> Target:
    from e2e_support import settle

    script = scratch / "one_line.py"
    script.write_text(ONE_LINE)
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", "PORT",
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", *RUN_FLAGS]  # fmt: skip
    url, pid = stack.enter_context(serving(command, dict(os.environ), scratch / "one_line.log"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    stack.callback(context.close)
    page = context.new_page()
    page.goto(url)
    settle(page)
    return Target("one-line page", pid, page, page.get_by_role("radiogroup").get_by_role("radio"))


def profiled(target: Target, clicks: int, out: Path) -> None:
    """Click under py-spy; ``--gil`` samples only the thread holding the GIL (no waiting)."""
    spy = subprocess.Popen(
        [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record",
         "--pid", str(python_pid(target.pid)), "--format", "raw", "--rate", "250", "--gil",
         "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1)
    target.click(clicks)
    spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
    spy.wait(timeout=60)


def apptest_cpu(clicks: int) -> list[float]:
    """CPU seconds (this process) of each answer click on the quiz page in AppTest."""
    import answer_click

    return answer_click.click_times(clicks, clock=time.process_time)[0]


def checkout(rev: str, into: Path) -> Path:
    """The ``app`` package of commit ``rev`` in a folder of its own (git archive; no worktree)."""
    into.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "app"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


# --- the rows -----------------------------------------------------------------------------------


def measure(run: Run, before: str | None = None, profile: Path | None = None) -> list[Row]:
    if not Path(CHROMIUM).exists():
        run.note(f"click cpu: no Chromium at {CHROMIUM}; skipped")
        return []
    from playwright.sync_api import sync_playwright

    batch = run.size(10, 3)
    memory: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        db = f"sqlite:///{scratch / 'click.db'}"
        engine = open_store(db)
        boss = accounts.init_first_manager(engine, "boss", PW)
        accounts.create_user(engine, boss, "ann", PW, "trainee", "north")
        engine.dispose()
        with environ("RESURFACE_DATABASE_URL", db):
            app_cpu = apptest_cpu(batch * ROUNDS)
        with sync_playwright() as p, ExitStack() as stack:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            stack.callback(browser.close)
            base = one_line_target(stack, browser, scratch)
            now = quiz_target(stack, browser, db, ROOT, "this checkout", scratch / "now.log")
            targets = [base, now]
            if before:
                old = checkout(before, scratch / "before")
                targets.append(quiz_target(stack, browser, db, old, before, scratch / "old.log"))
            for t in targets:
                t.click(2)  # not measured: the first runs after a start warm caches up
            for _ in range(ROUNDS):
                for t in targets:
                    t.batch(batch)
            for t in targets:
                t.measure_idle()
                memory[t.name] = t.rss
            if profile is not None:
                profile.mkdir(parents=True, exist_ok=True)
                for t in targets[1:]:
                    profiled(t, batch * ROUNDS, profile / f"{t.name.replace(' ', '-')}.txt")
    what = "server CPU per answer click (resurface serve, Chromium, SQLite)"
    size = f"{now.clicks} clicks, 30-question exam"
    med_app = sorted(app_cpu)[len(app_cpu) // 2]
    rows = [
        Row(what, size, seconds(now.per_click), "mean", "one-line page served, same clicks",
            seconds(base.per_click), ratio(now.per_click, base.per_click), "<= 30 ms"),
        Row(what, size, seconds(now.per_click), "mean",
            "quiz page click in AppTest (process CPU, median)", seconds(med_app),
            ratio(now.per_click, med_app), "<= 30 ms"),
    ]  # fmt: skip
    if before:
        old_t = targets[2]
        rows.append(
            Row(what, size, seconds(now.per_click), "mean", f"the same, app of {before}",
                seconds(old_t.per_click), ratio(now.per_click, old_t.per_click), "<= 30 ms")
        )  # fmt: skip
    for t in targets:
        run.note(
            f"click cpu: {t.name}: {seconds(t.per_click)} CPU a click over {t.clicks} clicks "
            f"({seconds(t.wall / t.clicks)} wall each, click to idle); idle the server used "
            f"{seconds(t.idle)} CPU a second; net of that, {seconds(t.net)} a click; "
            f"server RSS after the clicks {memory[t.name] / 2**20:.0f} MB"
        )
    for t in targets[1:] if profile is not None else []:
        run.note(f"click cpu: {t.name}: py-spy (--gil), the frames most often on the stack:")
        run.notes.extend(
            f"  {line}" for line in top_frames(profile / f"{t.name.replace(' ', '-')}.txt")
        )
    return rows


# Frames every sample passes through (threads, the event loop, the CLI): left out of the list.
OUTER = (
    *("threading.py", "runpy", "click/core.py", "asyncio/", "uvicorn/", "streamlit/web/"),
    *("streamlit/__main__", "concurrent/futures", "script_runner.py:443", "exec_code.py:136"),
)


def top_frames(raw: Path, count: int = 15) -> list[str]:
    """The frames on the stack in the most samples, then the innermost frames (where the
    samples were: a C function such as ``gc.collect`` shows as the line that called it)."""
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        frames = stack.split(";")
        innermost[frames[-1]] += int(n)
        for frame in set(frames):
            if not any(o in frame for o in OUTER):
                inclusive[frame] += int(n)

    def short(frame: str) -> str:
        for prefix in (str(ROOT) + "/", str(Path(shutil.__file__).parent) + "/"):
            frame = frame.replace(prefix, "")
        return frame.replace(str(Path(sys.prefix)) + "/lib/python3.11/site-packages/", "")

    def listed(counts: Counter[str]) -> list[str]:
        return [f"  {100 * n / total:5.1f}%  {short(f)}" for f, n in counts.most_common(count)]

    return [
        f"{total} samples; on the stack in:",
        *listed(inclusive),
        "innermost frame:",
        *listed(innermost),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 rounds of 3 clicks, not of 10")
    parser.add_argument("--before", help="also serve the app of this commit (git archive)")
    parser.add_argument("--profile", type=Path, help="a folder for py-spy's raw stacks")
    args = parser.parse_args()
    run = Run(quick=args.quick)
    rows = measure(run, args.before, args.profile.resolve() if args.profile else None)
    print(markdown(rows))
    print("\n".join(run.notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
