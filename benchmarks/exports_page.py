"""Server-side time of the Exports page while a large prepared file waits for its download.

Seeds a temp SQLite file the way benchmarks/item_analysis_db.py does (10,000 submitted attempts x
30 questions: 300,000 response rows), signs the manager in through the form with Streamlit's
AppTest, prepares the responses export on the Exports page, then reruns the page 50 times, as
any click on it does while the file waits (the download link is drawn on every run).

Also reports what the prepared file costs the server's memory: the bytes kept in the session
(the page once kept the whole file there and handed it to the download button on every run;
it now keeps it in the database, app.prepared, and links to it: GET /download/<token> reads it
from any server). A second row measures it on the
real server: ``resurface serve`` on the same database, four managers in their own Chromium
contexts (Debian's ``/usr/bin/chromium``) each signing in, opening Exports and preparing the
file; the server's resident memory (RSS) is read after each step.

Baselines, measured in the same run: AppTest running a one-line page; the memory a manager adds
by signing in and opening Exports without preparing anything. Prints a table; asserts nothing.

    python benchmarks/exports_page.py [--quick]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from answer_click import harness_times, signed_in
from item_analysis_db import PER_ATTEMPT, seeded_file
from load_trainees import CHROMIUM, ROOT, usage
from measure import PW, Row, Run, environ, seconds, standalone, timing
from streamlit.util import calc_hash

from app.ui import keys

PAGE = "exports"


def _in_memory(ready: tuple) -> int:
    """Bytes of the prepared file held in the session (0 when it waits in the database)."""
    held = ready[1]
    return len(held) if isinstance(held, bytes) else 0


def page_times(reruns: int) -> tuple[list[float], float, int, int]:
    """Prepare the responses export, then time ``reruns`` runs of the page.

    Returns the rerun times, the time to prepare, the file's size and the bytes in the session.
    """
    at = signed_in("boss", timeout=600)
    at._page_hash = calc_hash(PAGE)  # a deep link to /exports, as in dashboard_open.py
    at.run()
    at.radio(key=keys.EXPORT_KIND).set_value("responses").run()
    started = time.perf_counter()
    at.button(key=keys.EXPORT_PREPARE).click().run()
    prepare = time.perf_counter() - started
    at._page_hash = ""
    if at.exception or not at.get("link_button"):
        raise SystemExit(f"exports page: no file prepared: {at.exception or at.main}")
    ready = at.session_state[keys.EXPORT_READY]
    held = _in_memory(ready)
    size = held or ready[4]
    samples = []
    for _ in range(reruns):
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
        if at.exception or not at.get("link_button"):
            raise SystemExit(f"exports page: the download went: {at.exception}")
    return samples, prepare, size, held


def server_memory(url: str, managers: int, folder: Path, prepare: bool) -> list[int]:
    """The server's RSS before any manager, then after each manager signed in and opened
    Exports (and, if ``prepare``, prepared the responses file, which then waits)."""
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from e2e_support import check, click, served, settle, sign_in

    env = {**os.environ, "RESURFACE_DATABASE_URL": url}
    with served(env, folder / "server.log") as base, sync_playwright() as p:
        port = int(base.rsplit(":", 1)[1])
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        rss = [usage(port)[2]]
        for _ in range(managers):
            page = browser.new_context().new_page()
            sign_in(page, base, "boss", PW)
            page.goto(f"{base}/{PAGE}")
            settle(page)
            check(page, page.get_by_role("radio", name="Responses: one row per question answered"))
            if prepare:
                click(page, page.get_by_role("button", name="Prepare file"))
                expect(page.get_by_text("rows ready")).to_be_visible(timeout=600_000)
                settle(page)
            time.sleep(1)
            rss.append(usage(port)[2])
        browser.close()
    return rss


def per_manager(rss: list[int]) -> float:
    """What each manager after the first added: the first one also warms the server's caches."""
    return (rss[-1] - rss[1]) / (len(rss) - 2)


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.1f} MB" if abs(value) < 10e6 else f"{value / 1e6:,.0f} MB"


def measure(run: Run) -> list[Row]:
    n_attempts, reruns = run.size(10_000, 1_000), run.size(50, 10)
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = seeded_file(Path(tmp), n_attempts, run.seed)
        with environ("RESURFACE_DATABASE_URL", url):
            samples, prepare, size, held = page_times(reruns)
        harness = harness_times(reruns, Path(tmp))
        managers = run.size(4, 2)
        opened = server_memory(url, managers, Path(tmp), prepare=False)
        prepared = server_memory(url, managers, Path(tmp), prepare=True)
    grew, base = per_manager(prepared), per_manager(opened)
    run.note(
        "exports page memory: the server's RSS before the first manager, then after each: "
        f"opening Exports only {', '.join(map(megabytes, opened))}; "
        f"preparing the file too {', '.join(map(megabytes, prepared))}"
    )
    run.note(
        f"exports page: preparing {n_attempts * PER_ATTEMPT:,} response rows ({size / 1e6:.0f} MB) "
        f"took {seconds(prepare)}; the session holds {held / 1e6:.0f} MB of it in memory"
    )
    return [
        timing(
            "rerun the Exports page with a prepared file (AppTest, SQLite)",
            f"{n_attempts * PER_ATTEMPT:,} rows ({size / 1e6:.0f} MB), {reruns} reruns",
            samples,
            "AppTest running a one-line page",
            harness,
        ),
        Row(
            "server memory (RSS) added by each further manager holding a prepared file "
            "(resurface serve, Chromium)",
            f"{n_attempts * PER_ATTEMPT:,} rows ({size / 1e6:.0f} MB), {managers} managers",
            megabytes(grew),
            f"total {megabytes(prepared[-1] - prepared[0])}",
            "each further manager only opening Exports",
            megabytes(base),
            f"{grew / base:.2f}x" if base >= 1e6 else "",  # a ratio to almost nothing says nothing
        ),
    ]


def main() -> int:
    return standalone(measure, __doc__, quick="30,000 rows, 10 reruns, 2 managers")


if __name__ == "__main__":
    raise SystemExit(main())
