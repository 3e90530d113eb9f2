"""Server-side time of one answer click on the quiz page: median and p95 over 50 clicks.

A click is what the server does when a trainee picks an option: the widget callback saves the
answer, then the whole quiz page script runs again. Streamlit's AppTest runs exactly that script
in-process (no browser, no network), with every shipped bank loaded and the sources checked.

Baselines, measured in the same run:
  - harness: AppTest running a one-line page, i.e. what AppTest itself costs per run;
  - core: ``attempts.save_answer`` + ``attempts.get`` alone, i.e. the storage part of a click.
Prints a table; asserts nothing.

    python benchmarks/answer_click.py [--quick]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from measure import PW, Row, Run, environ, standalone, timing
from streamlit.testing.v1 import AppTest

from app import accounts, attempts, config
from app.bank import load
from app.store import open_store
from app.ui import keys

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "app" / "ui" / "main.py"
QUIZ = "certification-exam"


def signed_in(username: str, timeout: float = 120) -> AppTest:
    """The app in AppTest with ``username`` signed in through the form (password ``PW``)."""
    at = AppTest.from_file(str(MAIN), default_timeout=timeout).run()
    at.text_input(key=keys.SIGNIN_USERNAME).input(username)
    at.text_input(key=keys.SIGNIN_PASSWORD).input(PW)
    at.button(key=f"FormSubmitter:{keys.SIGNIN_FORM}-Sign in").click().run()
    if not at.button(key=keys.SIGN_OUT):
        raise SystemExit(f"{username} could not sign in: {at.exception or at.main}")
    return at


def click_times(clicks: int, clock=time.perf_counter) -> tuple[list[float], int]:
    """Time ``clicks`` answer clicks on the first single-answer question of a fresh exam
    (``clock``: wall time; ``time.process_time`` for this process's CPU)."""
    at = signed_in("ann")
    at.button(key=keys.home_start(QUIZ)).click().run()
    if "attempt" not in at.query_params:  # a timed exam asks before it starts
        at.button(key=keys.home_confirm(QUIZ)).click().run()
    attempt_id = int(at.query_params["attempt"][0])
    engine = open_store(config.database_url())
    user = accounts.authenticate(engine, "ann", PW)
    view = attempts.get(engine, user, attempt_id)
    position = next(
        s.presented.position for s in view.questions if s.presented.snapshot.type == "single"
    )
    at.query_params["q"] = str(position + 1)
    at.run()
    key = keys.answer(attempt_id, position)
    options = len(view.questions[position].presented.snapshot.options)
    samples = []
    for i in range(clicks):
        radio = at.radio(key=key).set_value(i % options)
        started = clock()
        radio.run()
        samples.append(clock() - started)
        assert not at.exception, at.exception
    saved = attempts.get(engine, user, attempt_id).questions[position].answer
    assert saved == (clicks - 1) % options, "the last click was not saved"
    engine.dispose()
    return samples, len(view.questions)


def harness_times(runs: int, scratch: Path) -> list[float]:
    page = scratch / "one_line.py"
    page.write_text("import streamlit as st\nst.radio('x', [0, 1, 2, 3], key='r')\n")
    at = AppTest.from_file(str(page)).run()
    samples = []
    for i in range(runs):
        radio = at.radio(key="r").set_value(i % 4)
        started = time.perf_counter()
        radio.run()
        samples.append(time.perf_counter() - started)
    return samples


def core_times(runs: int) -> list[float]:
    engine = open_store(config.database_url())
    user = accounts.authenticate(engine, "ann", PW)
    catalogue = load([config.quizzes_dir()])
    view = attempts.start(engine, user, catalogue.quizzes["quick-check"], catalogue)
    position = next(
        s.presented.position for s in view.questions if s.presented.snapshot.type == "single"
    )
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        attempts.save_answer(engine, user, view.id, position, i % 2)
        attempts.get(engine, user, view.id)
        samples.append(time.perf_counter() - started)
    engine.dispose()
    return samples


def measure(run: Run) -> list[Row]:
    """An answer click against AppTest's own cost and against the core save + read alone."""
    clicks = run.size(50, 10)
    with (
        tempfile.TemporaryDirectory() as tmp,
        environ("RESURFACE_DATABASE_URL", f"sqlite:///{tmp}/bench.db"),
    ):
        engine = open_store(config.database_url())
        boss = accounts.init_first_manager(engine, "boss", PW)
        accounts.create_user(engine, boss, "ann", PW, "trainee", "north")
        engine.dispose()
        samples, questions = click_times(clicks)
        harness = harness_times(clicks, Path(tmp))
        core = core_times(clicks)
    what = "answer click, quiz page rerun (AppTest, SQLite)"
    size = f"{clicks} clicks, {questions}-question exam"
    return [
        timing(what, size, samples, "AppTest running a one-line page", harness),
        timing(what, size, samples, "core attempts.save_answer + get alone", core),
    ]


def main() -> int:
    return standalone(measure, __doc__, quick="10 clicks instead of 50")


if __name__ == "__main__":
    raise SystemExit(main())
