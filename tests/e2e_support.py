"""Helpers for the browser tests: a served app, a wait for Streamlit to settle, a few actions.

Streamlit re-renders over a websocket after every interaction, so a test that clicks again before
the rerun is done may click an element that is about to be replaced, and the click is lost.
``settle`` waits until the app has been idle for a moment; every action below ends with it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
PASSWORD = "correct horse battery"
EXAM = "Laser resurfacing certification exam"
ANSWER_RADIOS = re.compile(r"^(Choose one answer|True or false\?)$")

# Idle: no script run in progress, no status widget, no element left over from the last run,
# and that for IDLE_MS without a break (a run starts a moment after the click that asks for it).
IDLE_MS = 200
_IDLE = f"""() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    const idle = app !== null
        && app.dataset.testScriptState === "notRunning"
        && app.dataset.testConnectionState === "CONNECTED"
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && !document.querySelector('[data-stale="true"]');
    const now = performance.now();
    if (!idle) {{ window.__resurfaceIdleSince = null; return false; }}
    if (window.__resurfaceIdleSince == null) window.__resurfaceIdleSince = now;
    return now - window.__resurfaceIdleSince >= {IDLE_MS};
}}"""


def settle(page: Page, timeout: float = 20) -> None:
    """Wait until Streamlit has finished rerunning after the last action."""
    page.evaluate("window.__resurfaceIdleSince = null")
    page.wait_for_function(_IDLE, polling=50, timeout=timeout * 1000)


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def served(env: dict[str, str], log: Path, timeout: float = 60) -> Iterator[str]:
    """Run ``resurface serve`` on a free port in its own process group; yield its base URL."""
    port = free_port()
    log.write_bytes(b"")
    server = launch(env, log, port, timeout)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop_group(server)


def resurface_command() -> str:
    """The ``resurface`` command installed beside the running Python (its virtual environment's
    ``bin``), so the tests run the project they import, activated or not, whatever is on PATH."""
    folder = Path(sys.executable).parent
    command = shutil.which("resurface", path=str(folder))
    if command is None:
        raise RuntimeError(
            f"no `resurface` command in {folder}: install the project into the Python that runs "
            "the tests (the README's test command does)"
        )
    return command


def launch(
    env: dict[str, str], log: Path, port: int, timeout: float = 60, *, workers: int = 1
) -> subprocess.Popen:
    """Start ``resurface serve`` on ``port`` in its own process group; return once it is healthy
    (with ``workers`` servers, on ports from ``port``: once each of them is).

    The output is appended to ``log``. The caller stops it (see ``_stop_group``, or SIGKILL the
    group to crash it).
    """
    command = resurface_command()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [command, "serve", "--port", str(port), "--host", "127.0.0.1"]
            + (["--workers", str(workers)] if workers != 1 else []),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the Streamlit child goes with it
        )
    try:
        deadline = time.monotonic() + timeout
        urls = [f"http://127.0.0.1:{port + i}" for i in range(workers)]
        while not all(_healthy(u) for u in urls):
            if server.poll() is not None:
                raise RuntimeError(f"resurface serve exited early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no healthy server at {url} in {timeout} s:\n{log.read_text()}")
            time.sleep(0.2)
    except BaseException:
        _stop_group(server)
        raise
    return server


def stop_group(server: subprocess.Popen) -> None:
    """Stop a server ``launch`` started (every process of its group)."""
    _stop_group(server)


def _stop_group(server: subprocess.Popen) -> None:
    """SIGTERM the whole group (the CLI and its Streamlit child), then SIGKILL what is left."""
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def wait_until(condition: Callable[[], bool], failure: str, timeout: float = 10) -> None:
    """Poll ``condition`` until it holds; fail with ``failure`` if it still does not after
    ``timeout`` seconds. For what the page cannot show: a clock, the database, a cookie jar."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{failure} (waited {timeout:g} s)")
        time.sleep(0.05)


# --- actions ------------------------------------------------------------------------------------


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    settle(page)


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in from the sign-in page and wait until the browser holds its session cookie."""
    open_app(page, base_url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Welcome"))).to_be_visible()
    # The page posts the new token to /auth/session and marks the body when the cookie is set.
    page.wait_for_function("document.body.dataset.resurfaceCookie === 'set'", timeout=10_000)


def fetched(page: Page, href: str) -> tuple[int, dict[str, str], bytes]:
    """What the page gets for ``href`` (with its cookies, as its links do): the status, headers
    and body. For a link that opens a file in a new tab (Streamlit's link button): Playwright
    reports no download a new tab turns into (microsoft/playwright#1967)."""
    status, headers, data = page.evaluate(
        """async (href) => {
            const r = await fetch(href);
            return [r.status, Object.fromEntries(r.headers.entries()),
                    Array.from(new Uint8Array(await r.arrayBuffer()))];
        }""",
        href,
    )
    return status, headers, bytes(data)


def click(page: Page, target: Locator) -> None:
    target.click()
    settle(page)


def check(page: Page, control: Locator) -> str:
    """Tick a radio, checkbox or toggle by its label (Streamlit hides the input itself)."""
    label = control.locator("xpath=ancestor::label[1]")
    text = label.inner_text().strip()
    label.click()
    settle(page)
    expect(control).to_be_checked()
    return text


def quiz_card(page: Page, title: str) -> Locator:
    """A quiz's card on the home page: its title, facts and its button."""
    return (
        page.get_by_test_id("stMain")
        .locator("[class*='st-key-resurface-quiz-card-']")
        .filter(has=page.get_by_text(title, exact=True))
    )


def start_quiz(page: Page, title: str) -> int:
    """Start a quiz from its card on the home page, confirming the start where the quiz asks
    first (timed or limited quizzes); returns the attempt id in the URL."""
    click(page, quiz_card(page, title).get_by_role("button", name=f"Start {title}", exact=True))
    confirm = page.get_by_role("button", name=f"Start {title} now", exact=True)
    expect(confirm.or_(page.get_by_role("heading", name=title))).to_be_visible()
    if confirm.is_visible():
        click(page, confirm)
    expect(page).to_have_url(re.compile(r"/quiz\?attempt=\d+"))
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    return attempt_in_url(page)


def attempt_in_url(page: Page) -> int:
    found = re.search(r"[?&]attempt=(\d+)", page.url)
    assert found, f"no attempt in {page.url}"
    return int(found.group(1))


def question_in_url(page: Page) -> int | None:
    found = re.search(r"[?&]q=(\d+)", page.url)
    return int(found.group(1)) if found else None


def answer_current(page: Page) -> str:
    """Answer the question on screen with its first option(s); returns what was picked."""
    main = page.get_by_test_id("stMain")
    radios = main.get_by_role("radiogroup", name=ANSWER_RADIOS)
    boxes = main.get_by_role("checkbox")
    # The widgets come after the question's heading: a page still being drawn can show the one
    # without the others, and counting then would find nothing to answer.
    matching = matching_items(page)
    expect(radios.or_(boxes).or_(matching).first).to_be_visible()
    settle(page)
    if radios.count() or boxes.count():
        first = radios.first.get_by_role("radio") if radios.count() else boxes
        return check(page, first.first)
    # Matching: a row of lettered options per item on the left; answered once every item has
    # one, each option once (the page refuses one option given to two items).
    picked = []
    for index in range(matching.count()):
        picked.append(check(page, matching.nth(index).get_by_role("radio").nth(index)))
    return "; ".join(picked)


def matching_items(page: Page) -> Locator:
    """A matching question's items: one radio group of option letters each."""
    return (
        page.get_by_test_id("stMain")
        .locator("[class*='st-key-resurface-matching-']")
        .get_by_role("radiogroup")
    )


def countdown(page: Page) -> timedelta:
    """The time left that the quiz page shows (``44:12 left``)."""
    left = re.compile(r"(\d{2}):(\d{2}) left")
    text = page.locator("[data-resurface-countdown]").inner_text()
    minutes, seconds = left.search(text).groups()
    return timedelta(minutes=int(minutes), seconds=int(seconds))


def navigator(page: Page) -> Locator:
    """The "Jump to a question" pills: a radio group of buttons."""
    return page.get_by_role("radiogroup", name=re.compile(r"^Jump to a question"))


def pill(page: Page, number: int) -> Locator:
    return navigator(page).get_by_role("radio", name=re.compile(rf"^{number}(\s|$)"))


def go_to_question(page: Page, number: int) -> None:
    """Jump with the navigator's pills (their labels start with the number, then ✓ or ⚑)."""
    click(page, pill(page, number))
    expect(page.get_by_text(f"Question {number} of ")).to_be_visible()


def full_page_screenshot(page: Page, name: str) -> Path:
    """A screenshot of the whole page at the viewport's width.

    Streamlit scrolls inside its main container, not the document, so a plain full-page
    screenshot stops at the window's height: make the window as tall as the content first.
    """
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stSidebarContent'].map(id => {
            const el = document.querySelector(`[data-testid="${id}"]`);
            return el ? el.scrollHeight : 0;
        }), document.documentElement.scrollHeight)"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        settle(page)
        path = SCREENSHOTS / f"{name}-{viewport['width']}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
    return path


def shoot(context: BrowserContext, desktop: Page, name: str) -> list[Path]:
    """The page the desktop tab shows, at 1280 px, then the same URL in a new tab at 390 px."""
    shots = [full_page_screenshot(desktop, name)]
    phone = context.new_page()
    try:
        phone.set_viewport_size(PHONE)
        open_app(phone, desktop.url)
        shots.append(full_page_screenshot(phone, name))
        # Streamlit scrolls inside its main container: check it as well as the document.
        width = phone.evaluate(
            """() => Math.max(document.documentElement.scrollWidth,
                document.querySelector('[data-testid="stMain"]').scrollWidth)"""
        )
        assert width <= PHONE["width"], f"{name} scrolls sideways on a phone ({width} px)"
    finally:
        phone.close()
    return shots
