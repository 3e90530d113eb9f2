"""Two servers on PostgreSQL behind the shipped nginx site, one of them killed mid-exam.

``resurface serve --workers 2`` runs two servers on one PostgreSQL schema; Debian's nginx runs
deploy/nginx/resurface.conf in front of them over HTTPS (self-signed, as in test_deploy_nginx).
Each browser is put on a server of the test's choosing by its routing cookie (the key nginx would
have handed it, picked here so that nginx's own hash sends it where the test wants). Two trainees
take the exam, one on each server; the first one's server is killed outright (SIGKILL, no
cleanup), and that trainee's page carries on on the other server, with every answer so far and the
countdown still counting to the same deadline, and submits. A manager prepares an export on one
server and downloads it through the other.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from e2e_support import (
    ANSWER_RADIOS,
    CHROMIUM,
    DESKTOP,
    EXAM,
    PASSWORD,
    answer_current,
    attempt_in_url,
    click,
    countdown,
    fetched,
    free_port,
    go_to_question,
    launch,
    navigator,
    settle,
    sign_in,
    start_quiz,
    stop_group,
    wait_until,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine
from test_deploy_nginx import NAME, NGINX, SITE, nginx_running, self_signed, substituted

from app import accounts, attempts, clock, config, exports
from app.bank import load
from app.permissions import CONSOLE
from app.present import is_complete
from app.store import open_store
from conftest import throwaway_database

pytestmark = pytest.mark.slow

ROUTE = "resurface_route"  # the routing cookie of the shipped site


@dataclass
class Farm:
    https_port: int
    ports: tuple[int, int]
    certificate: Path
    folder: Path
    engine: Engine
    serve_pid: int

    @property
    def origin(self) -> str:
        return f"https://{NAME}:{self.https_port}"


def two_free_ports() -> int:
    """A port that is free, and so is the next one (``--workers 2`` takes both)."""
    while True:
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@pytest.fixture(scope="module")
def farm(tmp_path_factory) -> Iterator[Farm]:
    from conftest import required

    if not NGINX.exists():
        required(f"no nginx at {NGINX}: install Debian's with `apt-get install -y nginx`")
    folder = tmp_path_factory.mktemp("farm")
    certificate = self_signed(folder / "tls")
    (folder / "acme").mkdir()
    with throwaway_database("postgresql", folder) as url:
        engine = open_store(url)
        boss = accounts.init_first_manager(engine, "boss", PASSWORD, "Beatrice Boss")
        for name in ("ann", "bea"):
            accounts.create_user(engine, boss, name, PASSWORD, "trainee", "north")
        https_port, http_port, first = free_port(), free_port(), two_free_ports()
        env = {
            **os.environ,
            "RESURFACE_DATABASE_URL": url,
            "RESURFACE_PUBLIC_URL": f"https://{NAME}:{https_port}",
        }
        server = launch(env, folder / "server.log", first, workers=2)
        try:
            site = folder / "resurface.conf"
            site.write_text(
                substituted(
                    SITE.read_text(encoding="utf-8"),
                    tls=certificate.parent,
                    acme=folder / "acme",
                    app=[first, first + 1],
                    http=http_port,
                    https=https_port,
                ),
                encoding="utf-8",
            )
            with nginx_running(folder, site, https_port, http_port):
                yield Farm(https_port, (first, first + 1), certificate, folder, engine, server.pid)
        finally:
            stop_group(server)
            engine.dispose()


def catalogue():
    return load([config.quizzes_dir()], sources_dir=config.sources_dir())


# --- which server a browser's requests reach --------------------------------------------------


def upstream_of(farm: Farm, route: str) -> int:
    """The server nginx sends a request carrying routing key ``route`` to (the last one it
    tried, from its access log, whose lines say ``$upstream_addr``)."""
    probe = uuid.uuid4().hex
    raw = socket.create_connection(("127.0.0.1", farm.https_port), timeout=15)
    context = ssl.create_default_context(cafile=str(farm.certificate))
    with context.wrap_socket(raw, server_hostname=NAME) as conn:
        conn.sendall(
            f"GET /_stcore/health?probe={probe} HTTP/1.1\r\nHost: {NAME}:{farm.https_port}\r\n"
            f"Cookie: {ROUTE}={route}\r\nConnection: close\r\n\r\n".encode()
        )
        while conn.recv(4096):
            pass
    log = farm.folder / "access.log"
    wait_until(lambda: probe in log.read_text(), "nginx logged no line for the probe")
    return logged_port(next(line for line in log.read_text().splitlines() if probe in line))


def logged_port(line: str) -> int:
    """The port of the last upstream in an access-log line (``127.0.0.1:8501, 127.0.0.1:8502``
    when nginx tried one and then the other)."""
    upstreams = line.split(' "', 1)[0]  # before the request: "a, b 200" or "a 200"
    return int(re.findall(r"127\.0\.0\.1:(\d+)", upstreams)[-1])


def route_to(farm: Farm, port: int) -> str:
    """A routing key nginx's hash sends to the server on ``port``."""
    for n in range(64):
        key = f"{n:032x}"
        if upstream_of(farm, key) == port:
            return key
    raise AssertionError(f"no routing key of 64 reaches port {port}")


@pytest.fixture(scope="module")
def routes(farm) -> dict[int, str]:
    """A routing key for each server, found once both are up: a server killed by an earlier test
    is started again by `resurface serve`, and nginx sends to it again only after its 10 s of
    being left alone (while it is left alone, every key reaches the other)."""
    found: dict[int, str] = {}

    def both() -> bool:
        for port in farm.ports:
            if port not in found:
                with contextlib.suppress(AssertionError):
                    found[port] = route_to(farm, port)
        return len(found) == len(farm.ports)

    wait_until(both, "a server never came back behind nginx", 90)
    return found


def browser_on(browser: Browser, farm: Farm, route: str) -> BrowserContext:
    """A browser profile whose requests nginx sends by ``route``."""
    context = browser.new_context(viewport=DESKTOP, ignore_https_errors=True)
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": ROUTE,
                "value": route,
                "domain": NAME,
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Strict",
            }
        ]
    )
    return context


def worker_pid(farm: Farm, port: int) -> int:
    """The process id of the Streamlit server on ``port`` that ``resurface serve`` started."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        flag = b"--server.port"
        if parent == farm.serve_pid and flag in argv and argv[argv.index(flag) + 1] == b"%d" % port:
            return int(entry.name)
    raise AssertionError(f"no server of `resurface serve` on port {port}")


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", f"--host-resolver-rules=MAP {NAME} 127.0.0.1"],
    )
    yield browser
    browser.close()


def answer(page: Page, count: int) -> dict[int, str]:
    """Answer questions 1 to ``count`` in turn; the single-choice picks, by question number."""
    picks = {}
    for number in range(1, count + 1):
        expect(page.get_by_text(f"Question {number} of 30")).to_be_visible()
        picked = answer_current(page)
        if page.get_by_role("radiogroup", name=ANSWER_RADIOS).count():
            picks[number] = picked
        click(page, page.get_by_role("button", name="Next"))
    return picks


# --- the scenario --------------------------------------------------------------------------------


def test_a_trainee_whose_server_dies_carries_on_on_the_other_with_answers_and_clock(farm, chromium):
    first, second = farm.ports
    routes = {"ann": route_to(farm, first), "bea": route_to(farm, second)}
    pages: dict[str, Page] = {}
    contexts = []
    try:
        for name, route in routes.items():
            context = browser_on(chromium, farm, route)
            contexts.append(context)
            pages[name] = page = context.new_page()
            sign_in(page, farm.origin, name)
        ann, bea = pages["ann"], pages["bea"]
        attempt = start_quiz(ann, EXAM)
        start_quiz(bea, EXAM)
        picks = answer(ann, 4)
        answer(bea, 2)
        expect(ann.get_by_text("4 of 30 answered")).to_be_visible()
        deadline = attempts.get(farm.engine, CONSOLE, attempt).deadline
        assert deadline is not None

        # ann's server dies: no shutdown, no goodbye to the browser.
        os.kill(worker_pid(farm, first), signal.SIGKILL)

        # Her page reconnects through nginx, which now sends her to the other server; that one
        # never saw her page, so it rebuilds it from her session cookie and the database.
        expect(ann.get_by_text("Question 5 of 30")).to_be_visible(timeout=30_000)
        settle(ann, timeout=30)
        assert attempt_in_url(ann) == attempt
        expect(ann.get_by_text("4 of 30 answered")).to_be_visible()
        expect(navigator(ann).get_by_role("radio", name=re.compile("✓"))).to_have_count(4)
        shown = countdown(ann)
        assert abs(shown - (deadline - clock.now())) <= timedelta(seconds=5), "same deadline"
        wait_until(lambda: countdown(ann) < shown, f"the countdown stopped at {shown}")
        for number, label in picks.items():  # what she picked, shown as picked
            go_to_question(ann, number)
            radios = ann.get_by_role("radiogroup", name=ANSWER_RADIOS)
            expect(radios.get_by_role("radio", name=label, exact=True)).to_be_checked()
        go_to_question(ann, 5)
        answer_current(ann)  # question 5, answered on the second server
        expect(ann.get_by_text("5 of 30 answered")).to_be_visible()
        click(ann, ann.get_by_role("button", name="Submit quiz…"))
        dialog = ann.get_by_role("dialog")
        click(ann, dialog.get_by_role("button", name="Submit now"))
        expect(ann).to_have_url(re.compile(rf"/results\?attempt={attempt}$"))
        # bea, on the server that lived, was not disturbed.
        expect(bea.get_by_text("2 of 30 answered")).to_be_visible()
    finally:
        for context in contexts:
            context.close()  # each websocket ends, and nginx logs which server it was on

    saved = attempts.get(farm.engine, CONSOLE, attempt)
    assert saved.deadline == deadline
    assert saved.submitted_at is not None
    answered = sum(is_complete(q.answer) for q in saved.questions)
    assert answered == 5, "the four answers from before and the one after, nothing lost"
    streams = [
        (logged_port(line), line)
        for line in (farm.folder / "access.log").read_text().splitlines()
        if "/_stcore/stream" in line and line.rstrip().endswith(routes["ann"])
    ]
    assert streams, "nginx logged none of ann's websockets"
    assert streams[0][0] == first, "she started on the first server"
    assert any(port == second for port, _ in streams[1:]), streams


def test_an_export_prepared_on_one_server_downloads_through_the_other(farm, routes, chromium):
    first, second = farm.ports
    on_first, on_second = routes[first], routes[second]
    # The first server was started again by `resurface serve` after the kill above (if that
    # ran), and nginx sends to it again once its 10 s of being left alone are over.
    wait_until(lambda: upstream_of(farm, on_first) == first, "the first server is not back", 60)
    context = browser_on(chromium, farm, on_first)
    try:
        page = context.new_page()
        sign_in(page, farm.origin, "boss")
        click(page, page.get_by_role("link", name="Exports"))
        expect(page.get_by_role("heading", name="Exports")).to_be_visible()
        click(page, page.get_by_role("button", name="Prepare file"))
        expect(page.get_by_text("rows ready")).to_be_visible()
        link = page.get_by_role("link", name=re.compile(r"^Download resurface-attempts"))
        href = link.get_attribute("href")
        assert href is not None
        assert href.startswith("/download/"), href

        # Now this browser's requests go to the other server, which never saw the page.
        context.add_cookies([{"name": ROUTE, "value": on_second, "url": farm.origin}])
        assert upstream_of(farm, on_second) == second
        log = farm.folder / "access.log"
        link.click()  # a new tab, which the file's attachment turns into a download
        wait_until(lambda: href in log.read_text(), "the link reached no server", 30)
        clicked = next(line for line in log.read_text().splitlines() if href in line)
        assert (logged_port(clicked), clicked.split()[1]) == (second, "200"), clicked
        # The same file read by the page itself, to compare its bytes (Playwright reports no
        # download that a new tab turns into: microsoft/playwright#1967).
        status, headers, body = fetched(page, href)
        assert (status, headers["cache-control"]) == (200, "no-store")
        disposition = headers["content-disposition"]
        assert re.fullmatch(r"attachment; filename\*=UTF-8''resurface-attempts.*\.csv", disposition)
        expected = exports.export(farm.engine, None, "attempts", catalogue=catalogue())[0]
        assert body.splitlines()[0] == expected.splitlines()[0]
        assert sorted(body.splitlines()) == sorted(expected.splitlines())
        assert b"ann" in body
        served_by = [
            logged_port(line)
            for line in (farm.folder / "access.log").read_text().splitlines()
            if href in line
        ]
        assert served_by == [second, second], served_by

        # Another browser (no session) gets nothing, through either server.
        stranger = browser_on(chromium, farm, on_first)
        try:
            other = stranger.new_page()
            other.goto(farm.origin)
            refused = other.evaluate(
                "async (href) => { const r = await fetch(href); "
                "return [r.status, r.headers.get('cache-control'), await r.text()]; }",
                href,
            )
            assert refused[:2] == [404, "no-store"]
            assert "not available" in refused[2]
        finally:
            stranger.close()
    finally:
        context.close()
