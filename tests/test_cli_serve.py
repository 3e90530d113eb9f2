"""`resurface serve` and `resurface demo` start the real web server; the demo seeds once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_support import resurface_command

from app import accounts, attempts, config, demo
from app.bank import load
from app.cli import EXIT_INVALID, EXIT_USAGE, main
from app.demo import NotADemoDatabase, seed_demo
from app.store import open_store
from conftest import PW

STARTUP_SECONDS = 60
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ACCOUNT_LINE = re.compile(
    r"^\s+(\w+)\s+username: (\S+)\s+password: (.+?)\s+\(DEMO ONLY\)$", re.MULTILINE
)


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()], sources_dir=config.sources_dir())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(tmp_path: Path, *argv: str, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`resurface ARGV` in its own process group, output in tmp_path/server.log; never leaks."""
    exe = resurface_command()
    # A shell without job control runs background jobs with SIGINT ignored, and children inherit
    # that; the test imitates a terminal's Ctrl+C, so the server must start with it handled.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    with (tmp_path / "server.log").open("wb") as log:
        try:
            proc = subprocess.Popen(
                [exe, *argv],
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        try:
            yield proc
        finally:
            if group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def output(tmp_path: Path) -> str:
    return (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_healthy(proc: subprocess.Popen, port: int, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{output(tmp_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().decode() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"no healthy server on port {port} after {STARTUP_SECONDS}s:\n{output(tmp_path)}")


def wait_group_gone(pgid: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while group_alive(pgid):
        assert time.monotonic() < deadline, "a server process outlived the command"
        time.sleep(0.1)


def scratch_folders(tmp: Path) -> list[Path]:
    return list(tmp.glob("resurface-serve-*"))


@pytest.mark.parametrize(
    ("stop", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_serve_on_an_empty_database_hints_at_init_and_stops_cleanly(tmp_path, stop, code):
    """Ctrl+C at a terminal, or SIGTERM to the group (systemd, docker stop, a test harness)."""
    port = free_port()
    url = f"sqlite:///{tmp_path / 'app.db'}"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = tmp / f"resurface-serve-{dead.pid}-x1"  # left by a `resurface serve` killed outright
    living = tmp / f"resurface-serve-{os.getpid()}-x2"  # another server's, still running
    for folder in (orphan, living):
        folder.mkdir()
        (folder / "resurface-export-a.csv").write_text("prepared")
    env = {"RESURFACE_DATABASE_URL": url, "TMPDIR": str(tmp)}
    with server(tmp_path, "serve", "--port", str(port), env=env) as p:
        wait_healthy(p, port, tmp_path)
        (own,) = set(scratch_folders(tmp)) - {living}
        assert own.name.startswith(f"resurface-serve-{p.pid}-")
        assert not orphan.exists(), "an orphaned folder is swept at start"
        (own / "resurface-export-left.csv").write_text("prepared, never downloaded")
        os.killpg(p.pid, stop)
        assert p.wait(timeout=30) == code
        wait_group_gone(p.pid)
    assert scratch_folders(tmp) == [living], "the server's own folder went with it"
    text = output(tmp_path)
    assert "has no users yet: create the first manager with `resurface init`" in text
    assert f"Open http://localhost:{port}" in text
    assert "Traceback" not in text


def test_demo_serves_seeded_accounts_that_can_sign_in(tmp_path):
    port = free_port()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    real = tmp_path / "real" / "resurface.db"
    argv = ("demo", "--port", str(port), "--database-url", url)
    with server(tmp_path, *argv, env={"RESURFACE_DATABASE_URL": f"sqlite:///{real}"}) as p:
        wait_healthy(p, port, tmp_path)
        printed = {role: (user, pw) for role, user, pw in ACCOUNT_LINE.findall(output(tmp_path))}
        engine = open_store(url)
        try:
            trainee = accounts.authenticate(engine, *printed["trainee"])
            history = attempts.attempts_of(engine, trainee, trainee.id)
        finally:
            engine.dispose()
        # Only the command is told to stop, as a service manager would: the server goes too.
        p.terminate()
        p.wait(timeout=30)
        wait_group_gone(p.pid)
    assert sorted(printed) == ["manager", "trainee", "trainer"]
    assert (trainee.username, trainee.role) == (printed["trainee"][0], "trainee")
    assert len(history) >= 3
    assert {a["status"] for a in history} == {"submitted"}
    assert "certification-exam" in {a["quiz_id"] for a in history}
    assert not real.parent.exists(), "the demo touched the real database"


def test_seed_demo_twice_creates_accounts_and_attempts_once(fresh_db, catalogue):
    first = seed_demo(fresh_db, catalogue, now=NOW)
    again = seed_demo(fresh_db, catalogue, now=NOW)
    users = accounts.list_users(fresh_db, None)
    trainee = next(u for u in users if u.role == "trainee")
    history = attempts.attempts_of(fresh_db, trainee, trainee.id)
    assert first == again == list(demo.ACCOUNTS)
    assert sorted((u.username, u.role) for u in users) == [
        ("manager", "manager"),
        ("trainee", "trainee"),
        ("trainer", "trainer"),
    ]
    assert len(history) == len(demo.HISTORY)


def test_demo_trainee_has_backdated_right_and_wrong_answers_and_the_trainer_sees_them(
    fresh_db, catalogue
):
    seed_demo(fresh_db, catalogue, now=NOW)
    trainee = accounts.authenticate(fresh_db, "trainee", "quiet laser morning")
    trainer = accounts.authenticate(fresh_db, "trainer", "bright clinic review")
    history = attempts.attempts_of(fresh_db, trainer, trainee.id)
    scores = [a["score_percent"] for a in history]
    assert all(a["submitted_at"] < NOW for a in history)
    assert NOW - min(a["started_at"] for a in history) > timedelta(days=14)
    assert all(0 < s < 100 for s in scores)
    assert {a["passed"] for a in history} == {True, False}


def test_seed_demo_is_deterministic(tmp_path, catalogue):
    def seeded(name: str) -> list[tuple]:
        engine = open_store(f"sqlite:///{tmp_path / name}")
        try:
            seed_demo(engine, catalogue, now=NOW)
            trainee = accounts.authenticate(engine, "trainee", "quiet laser morning", now=NOW)
            return [
                (a["quiz_id"], a["started_at"], a["score_percent"])
                for a in attempts.attempts_of(engine, trainee, trainee.id)
            ]
        finally:
            engine.dispose()

    assert seeded("one.db") == seeded("two.db")


def test_seed_demo_refuses_a_database_with_other_users(fresh_db, catalogue):
    accounts.init_first_manager(fresh_db, "boss", PW)
    with pytest.raises(NotADemoDatabase):
        seed_demo(fresh_db, catalogue, now=NOW)
    assert [u.username for u in accounts.list_users(fresh_db, None)] == ["boss"]


def test_demo_command_refuses_a_database_with_other_users(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = open_store(url)
    accounts.init_first_manager(engine, "boss", PW)
    engine.dispose()
    assert main(["demo", "--database-url", url]) == EXIT_INVALID
    assert capsys.readouterr().err == (
        "resurface: error: this database has users but not the demo accounts; "
        "give the demo its own database\n"
    )


@pytest.mark.parametrize("where", ["a-file/inside.db", "not-a-database.db"])
def test_serve_on_a_database_that_cannot_be_opened_exits_1_without_a_traceback(
    tmp_path, capsys, monkeypatch, where
):
    (tmp_path / "a-file").write_text("just a file")
    (tmp_path / "not-a-database.db").write_text("just a file, too, and long enough " * 100)
    monkeypatch.setenv("RESURFACE_DATABASE_URL", f"sqlite:///{tmp_path / where}")
    assert main(["serve"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith(f"resurface: error: cannot open the database sqlite:///{tmp_path}")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("workers", ["0", "65", "many", "-1"])
def test_serve_rejects_a_bad_number_of_workers_with_exit_2(capsys, workers):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--workers", workers])
    assert info.value.code == EXIT_USAGE
    assert "--workers must be auto or a whole number from 1 to 64" in capsys.readouterr().err


def test_a_bad_workers_setting_is_named_before_anything_starts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RESURFACE_WORKERS", "several")
    monkeypatch.setenv("RESURFACE_DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    assert main(["serve"]) == EXIT_USAGE
    assert "RESURFACE_WORKERS must be auto or a whole number" in capsys.readouterr().err
    assert not (tmp_path / "app.db").exists()


def test_auto_runs_one_server_per_core(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setenv("RESURFACE_WORKERS", "auto")
    assert config.workers() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one
    assert config.workers() == 1


def test_several_servers_are_restarted_when_one_dies_and_all_stop_on_sigterm(tmp_path):
    port = free_port()
    while True:  # the next port must be free too
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 1))
            break
        except OSError:
            port = free_port()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {"RESURFACE_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "TMPDIR": str(tmp)}
    with server(tmp_path, "serve", "--port", str(port), "--workers", "2", env=env) as p:
        for each in (port, port + 1):
            wait_healthy(p, each, tmp_path)
        assert len(scratch_folders(tmp)) == 2, "a temporary folder for each server"
        children = {
            int(pid) for pid in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
        }
        assert len(children) == 2
        victim = next(
            c
            for c in children
            if f"--server.port\0{port + 1}\0" in Path(f"/proc/{c}/cmdline").read_text()
        )
        os.kill(victim, signal.SIGKILL)
        wait_until_gone = time.monotonic() + 15
        while Path(f"/proc/{victim}").exists() and time.monotonic() < wait_until_gone:
            time.sleep(0.1)
        wait_healthy(p, port + 1, tmp_path)  # started again
        now = {int(pid) for pid in Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()}
        assert victim not in now
        assert len(now) == 2
        os.kill(p.pid, signal.SIGTERM)  # systemd's stop: to the command only (KillMode=mixed)
        assert p.wait(timeout=30) == 143
        wait_group_gone(p.pid)
    assert scratch_folders(tmp) == [], "every server's folder went with it"
    text = output(tmp_path)
    assert f"2 servers on 127.0.0.1, ports {port} to {port + 1}" in text
    assert f"The server on port {port + 1} stopped (killed by SIGKILL); starting it again" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_serve_rejects_a_bad_port_with_exit_2(capsys, port):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--port", port])
    assert info.value.code == EXIT_USAGE
    assert "not a port number" in capsys.readouterr().err
