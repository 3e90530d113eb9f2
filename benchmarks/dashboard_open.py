"""Server-side time of opening the trainer dashboard (the Trainees page) with 10,000 attempts.

Seeds a temp SQLite file the way benchmarks/item_analysis_db.py does (2,500 trainees of cohort
north with 4 submitted certification-exam attempts each: 10,000 attempts x 30 questions), adds
their trainer, signs in through the form with Streamlit's AppTest and opens ``/trainees`` 50
times: each open runs the whole page script in-process (no browser, no network), the dashboard
read and its tables and charts included.

Baseline, measured in the same run: AppTest running a one-line page. Prints a table; asserts
nothing.

    python benchmarks/dashboard_open.py [--quick]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from answer_click import harness_times, signed_in
from item_analysis_db import BOSS, PER_ATTEMPT, seeded_file
from measure import PW, Row, Run, environ, seconds, standalone, timing
from streamlit.util import calc_hash

from app import accounts
from app.store import open_store

PAGE = "trainees"


def open_times(opens: int) -> list[float]:
    """Sign the trainer in, then time ``opens`` openings of the dashboard."""
    at = signed_in("tina", timeout=300)
    samples = []
    for _ in range(opens + 1):  # the first, untimed, also fills the banks' cache
        # st.navigation picks a page by the hash of its url_path: a deep link to /trainees.
        at._page_hash = calc_hash(PAGE)
        started = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - started)
        at._page_hash = ""
        if at.exception or [t.value for t in at.title] != ["Trainees"]:
            raise SystemExit(f"dashboard: the page did not open: {at.exception or at.title}")
    if not at.dataframe:
        raise SystemExit("dashboard: no table of trainees")
    return samples[1:]


def measure(run: Run) -> list[Row]:
    n_attempts, opens = run.size(10_000, 1_000), run.size(50, 10)
    with tempfile.TemporaryDirectory() as tmp:
        url, spent = seeded_file(Path(tmp), n_attempts, run.seed)
        engine = open_store(url)
        accounts.create_user(engine, BOSS, "tina", PW, "trainer", "north")
        engine.dispose()
        run.note(
            f"dashboard: {n_attempts:,} attempts x {PER_ATTEMPT} questions seeded in "
            f"{seconds(spent)}"
        )
        with environ("RESURFACE_DATABASE_URL", url):
            samples = open_times(opens)
        harness = harness_times(opens, Path(tmp))
    return [
        timing(
            "open the trainer dashboard (Trainees page, AppTest, SQLite)",
            f"{n_attempts:,} attempts, {opens} opens",
            samples,
            "AppTest running a one-line page",
            harness,
        )
    ]


def main() -> int:
    return standalone(measure, __doc__, quick="1,000 attempts, 10 opens")


if __name__ == "__main__":
    raise SystemExit(main())
