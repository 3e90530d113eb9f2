"""Adversarial suite, faults: a crashed server, two tabs submitting at once, a deadline missed offline.

Each case runs in Chromium against a real ``resurface serve`` on a real database (a SQLite file;
a throwaway PostgreSQL schema too when RESURFACE_TEST_DATABASE_URL is set). What a page has shown
as saved must be in the database afterwards and counted exactly once; nothing else may be.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from e2e_support import (
    ANSWER_RADIOS,
    DESKTOP,
    EXAM,
    PASSWORD,
    _stop_group,
    answer_current,
    attempt_in_url,
    click,
    countdown,
    free_port,
    go_to_question,
    launch,
    navigator,
    open_app,
    pill,
    quiz_card,
    settle,
    shoot,
    sign_in,
    start_quiz,
    wait_until,
)
from playwright.sync_api import Page, expect
from sqlalchemy import update

from app import accounts, attempts, clock, config, feedback
from app.attempts import AttemptClosed
from app.bank import load
from app.engine import score_question
from app.present import answer_lines, is_complete, percent, points_of
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import open_store
from app.store.db import writing
from app.store.tables import attempts as attempts_table
from conftest import BACKENDS, throwaway_database

KILL_POINTS = 3
SEED = 7
THREADS = 20


# --- a database and a server shared by the module, per backend ----------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, tmp_path_factory) -> Iterator[str]:
    """A fresh database URL for the module: a SQLite file, or a throwaway PostgreSQL schema."""
    with throwaway_database(request.param, tmp_path_factory.mktemp("faults")) as url:
        yield url


@pytest.fixture(scope="module")
def store(database):
    """The test's own engine on the server's database, to set up and to check what happened."""
    engine = open_store(database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def crew(store) -> dict[str, accounts.User]:
    """Trainees of cohort north: kim's server crashes, two uses two tabs, off goes offline."""
    boss = accounts.init_first_manager(store, "boss", PASSWORD)
    return {
        name: accounts.create_user(store, boss, name, PASSWORD, "trainee", "north")
        for name in ("kim", "two", "off")
    }


class Server:
    """``resurface serve`` on one port for the module, which a test may crash and start again."""

    def __init__(self, database: str, log: Path) -> None:
        self.env = {**os.environ, "RESURFACE_DATABASE_URL": database}
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = launch(self.env, self.log, self.port)

    def crash_and_restart(self) -> None:
        """SIGKILL the whole process group (no cleanup of any kind), then start on the same port."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while _listening(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)  # the Streamlit child dies a moment after the CLI
        self.process = launch(self.env, self.log, self.port)

    def stop(self) -> None:
        _stop_group(self.process)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def server(database, crew, tmp_path_factory) -> Iterator[Server]:
    running = Server(database, tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


# --- reading the page ---------------------------------------------------------------------------


def on_screen(page: Page) -> int:
    """The number of the question the quiz page shows (waiting for it to show one)."""
    progress = page.get_by_text(re.compile(r"^Question \d+ of 30$"))
    expect(progress).to_be_visible()
    return int(progress.inner_text().split()[1])


def ticked(page: Page, number: int) -> bool:
    """The navigator marks question ``number`` as answered (the page read it back saved)."""
    return "✓" in (
        pill(page, number).get_attribute("aria-label") or pill(page, number).inner_text()
    )


def answer_and_confirm(page: Page, confirmed: dict[int, str]) -> None:
    """Answer the question on screen; once the page ticks it, it counts as confirmed saved."""
    number = on_screen(page)
    picked = answer_current(page)
    if ticked(page, number):
        confirmed[number - 1] = picked


def matches_pick(snap, answer, picked: str) -> bool:
    """The saved answer is the one the page picked (a matching one: complete)."""
    if snap.type == "matching":
        return is_complete(answer)
    return picked in answer_lines(snap, answer)


def worth(state) -> float:
    """What a saved answer scores on the exam (matching questions score per pair)."""
    return float(score_question(state.presented.snapshot, state.answer, "all_or_nothing"))


def no_traceback(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in page.locator("body").inner_text()


# --- 1. the server killed mid-attempt -----------------------------------------------------------


def click_an_option_without_waiting(page: Page, rng: random.Random) -> str:
    """Click one option of the question on screen and return at once, rerun still in flight."""
    main = page.get_by_test_id("stMain")
    radios = main.get_by_role("radiogroup", name=ANSWER_RADIOS)
    options = radios.first.get_by_role("radio") if radios.count() else main.get_by_role("checkbox")
    label = options.nth(rng.randrange(options.count())).locator("xpath=ancestor::label[1]")
    picked = label.inner_text().strip()
    label.click()
    return picked


def test_sigkill_mid_attempt_loses_no_answer_the_page_confirmed(context, server, store, crew):
    rng = random.Random(SEED)
    kim = crew["kim"]
    page = context.new_page()
    sign_in(page, server.url, "kim")
    attempt_id = start_quiz(page, EXAM)
    deadline = attempts.get(store, kim, attempt_id).deadline
    confirmed: dict[int, str] = {}
    outcomes = []

    for _ in range(KILL_POINTS):
        if ticked(page, on_screen(page)):
            click(page, page.get_by_role("button", name="Next"))
        for _ in range(rng.randint(2, 4)):
            answer_and_confirm(page, confirmed)
            number = on_screen(page)
            click(page, page.get_by_role("button", name="Next"))
            expect(page.get_by_text(f"Question {number + 1} of 30")).to_be_visible()
        # A matching question answers through several selects: crash on a one-click question.
        main = page.get_by_test_id("stMain")
        while not (
            main.get_by_role("radiogroup", name=ANSWER_RADIOS).count()
            or main.get_by_role("checkbox").count()
        ):
            answer_and_confirm(page, confirmed)
            click(page, page.get_by_role("button", name="Next"))
        in_flight = on_screen(page) - 1
        picked = click_an_option_without_waiting(page, rng)
        # Most often a few ms: before the message leaves, mid-save, or after it, mid-rerun.
        pause = min(rng.expovariate(1 / 0.03), 0.5)
        time.sleep(pause)
        before_kill = {
            s.presented.position: s.answer for s in attempts.get(store, kim, attempt_id).questions
        }
        server.crash_and_restart()

        page.reload()
        settle(page)
        view = attempts.get(store, kim, attempt_id)
        saved = {s.presented.position: s for s in view.questions}
        # Every answer the page confirmed is there, as picked; the attempt is still open.
        assert view.is_open
        assert view.deadline == deadline
        for position, pick in confirmed.items():
            state = saved[position]
            assert state.answered_at is not None, f"question {position + 1} was lost"
            assert matches_pick(state.presented.snapshot, state.answer, pick), position + 1
        # Nothing the database held before the crash went missing or changed.
        for position, answer in before_kill.items():
            if answer is not None and position != in_flight:
                assert saved[position].answer == answer, position + 1
        # The click in flight was saved whole, or not at all.
        landed = saved[in_flight]
        if landed.answer is not None:
            snap = landed.presented.snapshot
            assert matches_pick(snap, landed.answer, picked)
            if snap.type == "multiple":
                assert len(landed.answer) == 1
            confirmed[in_flight] = picked
        outcomes.append(
            f"{pause * 1000:.0f} ms: {'saved' if landed.answer is not None else 'lost'}"
        )

        # The reloaded page shows it all, still signed in, with the server's deadline.
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        expect(page.get_by_role("heading", name=EXAM)).to_be_visible()
        assert attempt_in_url(page) == attempt_id
        complete = sum(is_complete(s.answer) for s in view.questions)
        expect(page.get_by_text(f"{complete} of 30 answered")).to_be_visible()
        expect(navigator(page).get_by_role("radio", name=re.compile("✓"))).to_have_count(complete)
        for position in confirmed:
            expect(pill(page, position + 1)).to_have_accessible_name(re.compile("✓"))
        left = countdown(page)
        assert abs(left - (deadline - clock.now())) <= timedelta(seconds=5), left
        no_traceback(page)

    # A one-choice question confirmed along the way shows its pick on screen.
    radio = next(
        p for p in confirmed if saved[p].presented.snapshot.type in ("single", "true_false")
    )
    go_to_question(page, radio + 1)
    radios = page.get_by_role("radiogroup", name=ANSWER_RADIOS)
    expect(radios.get_by_role("radio", name=confirmed[radio], exact=True)).to_be_checked()
    assert len(confirmed) >= KILL_POINTS * 2
    print(f"{KILL_POINTS} kill points; the click in flight was: {', '.join(outcomes)}")


# --- 2. two tabs answering and submitting the same attempt --------------------------------------


def test_two_tabs_submitting_at_once_record_one_result(context, server, store, crew):
    two = crew["two"]
    a = context.new_page()
    sign_in(a, server.url, "two")
    attempt_id = start_quiz(a, EXAM)
    b = context.new_page()  # same browser, same cookie: a second tab on the same attempt
    open_app(b, f"{server.url}/quiz?attempt={attempt_id}&q=2")
    expect(b.get_by_text("Question 2 of 30")).to_be_visible()

    confirmed: dict[int, str] = {}
    for number, tab in enumerate([a, b, a, b, a, b, a, b], start=1):
        if on_screen(tab) != number:
            go_to_question(tab, number)
        answer_and_confirm(tab, confirmed)
    assert len(confirmed) >= 6

    # Each tab sees the other's answers: the confirmation lists what the database holds.
    missing = 30 - sum(
        is_complete(s.answer) for s in attempts.get(store, two, attempt_id).questions
    )
    for tab in (a, b):
        click(tab, tab.get_by_role("button", name="Submit quiz…"))
        expect(
            tab.get_by_role("dialog").get_by_text(f"Unanswered or incomplete ({missing})")
        ).to_be_visible()

    # Both confirm at nearly the same moment: neither waits for the other's rerun.
    buttons = [
        tab.get_by_role("dialog").get_by_role("button", name="Submit now").element_handle()
        for tab in (a, b)
    ]
    began = time.monotonic()
    for button in buttons:
        button.evaluate("button => button.click()")
    gap = time.monotonic() - began
    for tab in (a, b):
        settle(tab)
        # The URL may keep the quiz's ?q= (the countdown's last tick races the page switch).
        expect(tab).to_have_url(re.compile(rf"/results\?attempt={attempt_id}(&q=\d+)?$"))
        no_traceback(tab)

    view = attempts.get(store, two, attempt_id)
    assert (view.status, view.closed_by) == ("submitted", "user")
    with store.connect() as conn:
        lines = [
            line for line in audit_store.lines(conn, "attempt.submit") if line["actor_id"] == two.id
        ]
    assert [line["detail"]["attempt"] for line in lines] == [attempt_id]
    # Every answer either tab confirmed is counted, and the score is the sum of what was saved.
    for position, pick in confirmed.items():
        state = view.questions[position]
        assert matches_pick(state.presented.snapshot, state.answer, pick), position + 1
        assert state.points == pytest.approx(worth(state))
    assert view.points == pytest.approx(sum(s.points or 0 for s in view.questions))
    assert all(s.answered_at <= view.submitted_at for s in view.questions if s.answered_at)
    # Both tabs show that one result.
    score = percent(view.score_percent)
    for name, tab in {"first": a, "second": b}.items():
        blank = f"the {name} tab shows no result after the submit ({tab.url})"
        expect(tab.get_by_test_id("stMetricValue").first, blank).to_have_text(score)
        expect(tab.get_by_text(points_of(view.points, 30))).to_be_visible()
    print(f"two tabs: confirms {gap * 1000:.0f} ms apart, {len(confirmed)} answers counted")


def test_twenty_threads_answering_and_submitting_one_attempt_count_once(
    fresh_db, people, catalogue
):
    ann = people["ann"]
    view = attempts.start(fresh_db, ann, catalogue.quizzes["certification-exam"], catalogue)
    barrier = threading.Barrier(THREADS)
    saved, refused, results, errors = set(), set(), [], []

    def go(position: int) -> None:
        key = feedback.key_of(view.questions[position].presented.snapshot)
        barrier.wait()
        try:
            # Half save then submit, half submit then save: the close lands among the saves.
            for step in ("save", "submit") if position % 2 else ("submit", "save"):
                if step == "submit":
                    results.append(attempts.submit(fresh_db, ann, view.id))
                    continue
                try:
                    attempts.save_answer(fresh_db, ann, view.id, position, key)
                    saved.add(position)
                except AttemptClosed:
                    refused.add(position)
        except Exception as exc:  # collected, then asserted empty
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(p,)) for p in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert saved | refused == set(range(THREADS))
    assert len({(r.submitted_at, r.points, r.score_percent) for r in results}) == 1
    done = attempts.get(fresh_db, ann, view.id)
    answered = {s.presented.position for s in done.questions if s.answered_at is not None}
    # A save that returned is counted; a refused one left nothing behind.
    assert answered == saved
    assert done.points == len(saved)
    assert all(s.answered_at <= done.submitted_at for s in done.questions if s.answered_at)
    with fresh_db.connect() as conn:
        assert len(audit_store.lines(conn, "attempt.submit")) == 1


# --- 3. the deadline passes while the trainee is offline ----------------------------------------


def test_deadline_passing_offline_closes_with_the_answers_saved_before_it(
    browser, server, store, crew
):
    off = crew["off"]
    first = browser.new_context(viewport=DESKTOP)
    try:
        page = first.new_page()
        sign_in(page, server.url, "off")
        attempt_id = start_quiz(page, EXAM)
        confirmed: dict[int, str] = {}
        for number in range(1, 5):
            expect(page.get_by_text(f"Question {number} of 30")).to_be_visible()
            answer_and_confirm(page, confirmed)
            click(page, page.get_by_role("button", name="Next"))
        assert len(confirmed) >= 3
    finally:
        first.close()  # the trainee goes offline mid-exam

    # The 45 minutes pass: move the attempt's deadline to just now (test setup, no mock), half a
    # second back, which must still be after every answer saved in time: wait until it is.
    early = timedelta(milliseconds=500)
    saved = attempts.get(store, off, attempt_id).questions
    last_saved = max(s.answered_at for s in saved if s.answered_at is not None)
    wait_until(
        lambda: clock.now() - early > last_saved,
        f"the clock did not get {early} past the last answer saved ({last_saved})",
    )
    deadline = clock.now() - early
    late_at = deadline + timedelta(milliseconds=300)
    open_view = attempts.get(store, off, attempt_id)
    in_time = {s.presented.position: s for s in open_view.questions if s.answered_at is not None}
    assert all(s.answered_at < deadline for s in in_time.values())
    late = next(s for s in open_view.questions if s.answered_at is None)
    late_key = feedback.key_of(late.presented.snapshot)  # right: it would score if it counted
    with writing(store) as conn:
        conn.execute(
            update(attempts_table)
            .where(attempts_table.c.id == attempt_id)
            .values(deadline=deadline)
        )
        # An answer that reached the database after the deadline (no page lets one through).
        attempt_store.save_response(conn, attempt_id, late.presented.position, late_key, late_at)

    second = browser.new_context(viewport=DESKTOP)
    try:
        page = second.new_page()
        sign_in(page, server.url, "off")
        # Home: nothing to resume, the exam can be started afresh.
        expect(page.get_by_text("You have an unfinished attempt")).to_have_count(0)
        card = quiz_card(page, EXAM)
        expect(card.get_by_role("link", name="Resume")).to_have_count(0)
        expect(card.get_by_text("attempts 1 of 3")).to_be_visible()

        view = attempts.get(store, off, attempt_id)
        assert (view.status, view.closed_by, view.submitted_at) == (
            "submitted",
            "deadline",
            deadline,
        )
        expected = sum(worth(s) for s in in_time.values())
        assert view.points == pytest.approx(expected)
        assert view.questions[late.presented.position].points == 0
        for position, pick in confirmed.items():
            state = view.questions[position]
            assert matches_pick(state.presented.snapshot, state.answer, pick), position + 1

        # The quiz page no longer takes answers: it sends them to the result.
        open_app(page, f"{server.url}/quiz?attempt={attempt_id}&q={late.presented.position + 1}")
        expect(page).to_have_url(re.compile(rf"/results\?attempt={attempt_id}$"))
        expect(page.get_by_text("Time ran out")).to_be_visible()
        expect(page.get_by_test_id("stMetricValue").first).to_have_text(percent(view.score_percent))
        expect(page.get_by_text(points_of(view.points, 30))).to_be_visible()
        expect(page.get_by_role("radiogroup", name=ANSWER_RADIOS)).to_have_count(0)
        expect(page.get_by_role("checkbox")).to_have_count(0)
        no_traceback(page)
        shoot(second, page, "faults-deadline-results")
    finally:
        second.close()
    with pytest.raises(AttemptClosed):
        attempts.save_answer(store, off, attempt_id, late.presented.position, late_key)
    assert attempts.get(store, off, attempt_id).points == view.points
