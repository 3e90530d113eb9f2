"""The shipped systemd units and settings file (deploy/) stay valid and in step with the code.

systemd itself checks every unit (``systemd-analyze verify``); each ExecStart must be a
``resurface`` command the CLI parses, each folder it writes must be writable under the unit's
sandbox, and the settings file names only real settings, every one the server reads, and no
shared secret.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from e2e_support import resurface_command

from app import config
from app.cli import build_parser
from conftest import required

DEPLOY = config.PROJECT_ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
SERVICES = [u for u in UNITS if u.suffix == ".service"]
INSTALLED = "/opt/resurface/.venv/bin/resurface"  # where docs/deployment.md installs it


def unit(path: Path) -> configparser.ConfigParser:
    """A unit file read as INI: a key given twice (SystemCallFilter=...) keeps its last value."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def command(path: Path) -> list[str]:
    words = shlex.split(unit(path)["Service"]["ExecStart"])
    assert words[0] == INSTALLED, f"{path.name}: ExecStart runs {words[0]}, not {INSTALLED}"
    return words[1:]


def test_the_deploy_folder_has_the_server_and_both_timers():
    names = {u.name for u in UNITS}
    assert {"resurface.service", "resurface-backup.service", "resurface-backup.timer"} <= names
    assert {"resurface-retention.service", "resurface-retention.timer"} <= names
    assert {"resurface-remind.service", "resurface-remind.timer"} <= names
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert (DEPLOY / f"{timer.stem}.service").is_file(), f"{timer.name} starts no service"


def test_systemd_accepts_every_unit(tmp_path):
    """``systemd-analyze verify``: syntax, known keys, timers' services; it also wants each
    command to exist, so the copies checked name this project's installed ``resurface``."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        required("no systemd-analyze: install it with `apt-get install -y systemd`")
    for path in UNITS:
        text = path.read_text(encoding="utf-8").replace(INSTALLED, resurface_command())
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # An unknown key or a bad value is only a warning for systemd: any output is a failure here.
    assert done.returncode == 0, done.stderr
    assert not (done.stdout + done.stderr).strip()


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_service_runs_a_command_the_cli_knows(path):
    """A command renamed or an option dropped fails here, not at 3 a.m. on a clinic's server."""
    args = build_parser().parse_args(command(path))
    assert callable(args.func)


def test_the_server_listens_on_this_machine_only_on_the_port_nginx_proxies_to():
    args = build_parser().parse_args(command(DEPLOY / "resurface.service"))
    assert args.command == "serve"
    assert args.host == "127.0.0.1"
    site = (DEPLOY / "nginx" / "resurface.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream resurface \{(.*?)\}", site, re.S)
    assert upstream, "the site has no upstream block"
    ports = [int(p) for p in re.findall(r"^\s*server 127\.0\.0\.1:(\d+)\b", upstream[1], re.M)]
    # `resurface serve --workers N` serves on consecutive ports from --port.
    assert ports == list(range(args.port, args.port + len(ports))), ports
    assert len(ports) >= 2, "the site shows how several servers are listed"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_service_is_sandboxed_and_may_write_only_where_it_must(path):
    service = unit(path)["Service"]
    assert service["User"] == "resurface"
    assert service["EnvironmentFile"] == "/etc/resurface/resurface.env"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "UMask": "0077",
        "CapabilityBoundingSet": "",
    }.items():
        assert service.get(key) == value, f"{path.name}: {key}={service.get(key)}"
    writable = service["ReadWritePaths"].split()
    assert "/var/lib/resurface" in writable, "the SQLite database and the editable content"
    folders = [w for w in command(path) if w.startswith("/")]
    for folder in folders:  # e.g. the backups' destination
        assert any(Path(folder).is_relative_to(w) for w in writable), f"{path.name}: {folder}"


def test_the_timers_run_backups_hourly_and_retention_daily():
    assert unit(DEPLOY / "resurface-backup.timer")["Timer"]["OnCalendar"] == "hourly"
    assert unit(DEPLOY / "resurface-retention.timer")["Timer"]["OnCalendar"] == "daily"
    # Reminders every morning: each is sent once however often this runs (app.reminders).
    assert unit(DEPLOY / "resurface-remind.timer")["Timer"]["OnCalendar"] == "*-*-* 07:00:00"
    assert command(DEPLOY / "resurface-remind.service") == ["remind"]
    for name in ("resurface-backup.timer", "resurface-retention.timer", "resurface-remind.timer"):
        assert unit(DEPLOY / name)["Timer"]["Persistent"] == "true", "a missed run is caught up"


def settings_file() -> dict[str, str]:
    """NAME=value lines of resurface.env.example, commented-out alternatives left out."""
    lines = (DEPLOY / "resurface.env.example").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name: value for name, value in pairs}


def test_the_settings_file_names_every_setting_the_server_reads_and_no_other():
    known = {name for name, _, _ in config.SETTINGS}
    # Settings for tests, benchmarks and the demo are not the server's.
    for_server = {
        name
        for name, _, meaning in config.SETTINGS
        if not meaning.startswith(("tests:", "load benchmark:")) and "demo" not in meaning
    }
    given = settings_file()
    assert set(given) <= known, f"not settings: {set(given) - known}"
    assert for_server <= set(given), f"missing: {for_server - set(given)}"


def test_the_settings_file_ships_no_secret_and_a_database_in_the_services_folder():
    given = settings_file()
    assert given["RESURFACE_SECRET_KEY"] == "", "a shipped key would be every clinic's key"
    assert given["RESURFACE_DATABASE_URL"] == "sqlite:////var/lib/resurface/resurface.db"
    assert given["RESURFACE_PUBLIC_URL"].startswith("https://")
    for name in ("RESURFACE_QUIZZES", "RESURFACE_SOURCES"):
        assert Path(given[name]).is_relative_to("/var/lib/resurface"), name
