"""``resurface serve`` and ``resurface demo``: run the web app as a child process."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app import accounts, config, demo
from app.bank import load
from app.cli.common import shown_url, store

SERVER = Path(__file__).parent.parent / "ui" / "server.py"
SCRATCH_PREFIX = "resurface-serve-"


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web app on the database (RESURFACE_DATABASE_URL) and the shipped banks."""
    config.check()  # a bad setting is said here, not as a traceback in a trainee's browser
    with store() as engine:
        empty = not accounts.list_users(engine, None)
    if empty:
        print(
            f"{shown_url()} has no users yet: create the first manager with `resurface init` "
            "(with the same RESURFACE_DATABASE_URL), then sign in as them. "
            "To look around first, try `resurface demo`."
        )
    return _serve(args, dict(os.environ))


def cmd_demo(args: argparse.Namespace) -> int:
    """Start the web app on a demo database with sample accounts and attempts (made once)."""
    config.check()
    url = args.database_url or config.demo_database_url()
    catalogue = load([config.quizzes_dir()], sources_dir=config.sources_dir())
    with store(url) as engine:
        fresh = not accounts.list_users(engine, None)
        people = demo.seed_demo(engine, catalogue)
    what = "created with sample attempts" if fresh else "already set up"
    print(f"Demo database {shown_url(url)} ({what}).")
    print("Demo accounts (DEMO ONLY passwords: they are public, never use them for real people):")
    for username, password, role in people:
        print(f"  {role:<8} username: {username:<8} password: {password}  (DEMO ONLY)")
    return _serve(args, {**os.environ, "RESURFACE_DATABASE_URL": url})


def _serve(args: argparse.Namespace, env: dict[str, str]) -> int:
    count = args.workers if args.workers is not None else config.workers()
    if args.port + count - 1 > 65535:
        print(f"{count} servers from port {args.port} go past port 65535: choose a lower --port.")
        return 2
    commands = [_command(args.host, args.port + i) for i in range(count)]
    if count == 1:
        print(f"Open {_browser_url(args.host, args.port)} (Ctrl+C stops the server).", flush=True)
        return _run_server(commands[0], env)
    print(
        f"{count} servers on {args.host}, ports {args.port} to {args.port + count - 1}, on one "
        "database: put nginx in front of them (deploy/nginx/resurface.conf, docs/deployment.md). "
        "Ctrl+C stops them.",
        flush=True,
    )
    return _run_servers(commands, env)


def _command(host: str, port: int) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVER),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # Trainees see the app, not Streamlit's developer menu ("Deploy", rerun, settings).
        "--client.toolbarMode",
        "minimal",
        # No table's own "Download as CSV": it wrote formulas raw and left no audit line. The
        # Exports page is the one way out for results, Excel-safe and audited.
        "--client.disableDataExport",
        "true",
        # An error the app did not catch shows no type, message or traceback (SQL, paths): the
        # app says what it can in its own words, and the server's log has the rest.
        "--client.showErrorDetails",
        "none",
        # What a click costs the server (benchmarks/click_cpu.py): no full garbage collection
        # after every script run (with the banks, SQLAlchemy and pandas loaded it walked every
        # object of the process, most of the CPU of a click; Python's own generational collector
        # still runs), and no watching of the app's source files for edits (a check of every
        # loaded module after each run, and a poll of each file five times a second; the banks
        # reload on their own when their files change, app.ui.resources).
        "--runner.postScriptGC",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    accent = config.accent_color()
    if accent is not None:  # the clinic's colour for buttons, links and selections
        command += ["--theme.primaryColor", accent]
    return command


def _browser_url(host: str, port: int) -> str:
    if host in ("127.0.0.1", "0.0.0.0", "::", "::1", "localhost"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _run_server(command: list[str], env: dict[str, str]) -> int:
    """Run the server as a child and return its exit code.

    A child rather than os.exec: the CLI stays a plain function returning an exit code, Ctrl+C
    ends without a traceback, and it works the same on Windows, where exec does not replace the
    process. The price is passing on a SIGTERM, so the server never outlives the command.

    The server gets its own temporary folder (TMPDIR), removed when it stops however it stops:
    prepared exports wait there for their download, and Streamlit ends on a SIGTERM without
    running Python's exit handlers, so it cannot be trusted to remove them itself.
    """
    _sweep_orphans()
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    child = subprocess.Popen(command, env={**env, "TMPDIR": scratch})
    previous = signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    try:
        try:
            code = child.wait()
        except KeyboardInterrupt:
            # Ctrl+C at a terminal reaches the server too; give it time to shut down cleanly.
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(scratch, ignore_errors=True)
    return 128 - code if code < 0 else code  # killed by signal N: the shell's 128 + N


RESTART_FIRST = 1.0  # seconds before a server that stopped is started again
RESTART_MOST = 30.0  # the wait doubles while a server keeps stopping soon after its start
STEADY = 60.0  # a server that ran this long before stopping is restarted after RESTART_FIRST


@dataclass
class _Worker:
    command: list[str]
    scratch: str
    child: subprocess.Popen | None = None
    started: float = 0.0
    wait: float = RESTART_FIRST
    due: float = 0.0  # when to start it again, once it has stopped

    @property
    def port(self) -> str:
        return self.command[self.command.index("--server.port") + 1]


def _run_servers(commands: list[list[str]], env: dict[str, str]) -> int:
    """Run one server per command and keep them running until SIGTERM or Ctrl+C.

    A server that stops (it crashed, or was killed) is started again, after a wait that doubles
    while it keeps stopping soon after its start; meanwhile nginx sends its browsers to the
    others, which rebuild each page from the session cookie and the database. SIGTERM or Ctrl+C
    stops every server (forcibly after 10 s) and removes their temporary folders; the exit code
    is then 143 or 130, as for one server stopped so.
    """
    _sweep_orphans()
    workers = [
        _Worker(command, tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        for command in commands
    ]
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    interrupted = False
    try:
        for worker in workers:
            _start(worker, env)
        while not stopping.is_set():
            try:
                stopping.wait(0.2)
            except KeyboardInterrupt:
                interrupted = True
                break
            now = time.monotonic()
            for worker in workers:
                if worker.child is not None and worker.child.poll() is not None:
                    code = worker.child.returncode
                    if now - worker.started >= STEADY:
                        worker.wait = RESTART_FIRST
                    worker.due = now + worker.wait
                    print(
                        f"The server on port {worker.port} stopped ({_said(code)}); starting it "
                        f"again in {worker.wait:.0f} s.",
                        file=sys.stderr,
                        flush=True,
                    )
                    worker.wait = min(worker.wait * 2, RESTART_MOST)
                    worker.child = None
                elif worker.child is None and now >= worker.due:
                    _start(worker, env)
    finally:
        signal.signal(signal.SIGTERM, previous)
        running = [w.child for w in workers if w.child is not None and w.child.poll() is None]
        for child in running:
            child.terminate()
        deadline = time.monotonic() + 10
        for child in running:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for worker in workers:
            shutil.rmtree(worker.scratch, ignore_errors=True)
    return 130 if interrupted else 128 + signal.SIGTERM  # as the shell says: killed by SIGTERM


def _start(worker: _Worker, env: dict[str, str]) -> None:
    worker.child = subprocess.Popen(worker.command, env={**env, "TMPDIR": worker.scratch})
    worker.started = time.monotonic()


def _said(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _sweep_orphans() -> None:
    """Remove the temporary folders of earlier ``resurface serve`` commands that are gone.

    A folder is named after its command's process id; one whose process no longer exists was
    left by a command killed outright (SIGKILL, a power cut), which had no chance to clean up.
    Not on Windows, where os.kill with signal 0 would end the process instead of looking at it.
    """
    if os.name == "nt":
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process
    return True


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): {text!r}")
    return port


def _workers(text: str) -> int:
    try:
        return config.parse_workers(text)
    except config.SettingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:
    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", type=_port, default=8501, help="port to listen on (default 8501)")
        p.add_argument(
            "--host",
            default="127.0.0.1",
            help="address to listen on (default 127.0.0.1: this computer only; "
            "0.0.0.0 for every network interface)",
        )

        p.add_argument(
            "--workers",
            type=_workers,
            default=None,
            metavar="N",
            help="how many server processes to run, on consecutive ports from --port, each "
            "restarted if it stops (default: RESURFACE_WORKERS, or 1); `auto` runs one per "
            "processor core. Several need nginx in front (docs/deployment.md)",
        )

    p = sub.add_parser("serve", help=cmd_serve.__doc__, description=cmd_serve.__doc__)
    server_args(p)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("demo", help=cmd_demo.__doc__, description=cmd_demo.__doc__)
    server_args(p)
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="the demo database (default: RESURFACE_DEMO_DATABASE_URL or results/demo.db)",
    )
    p.set_defaults(func=cmd_demo)
