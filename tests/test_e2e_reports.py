"""End to end for reported questions: a trainee reports a question from practice feedback, her
trainer resolves it from the queue with a note, and the trainee reads the note on her home page.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium, like the other
test_e2e_* modules; screenshots the report form and the queue at desktop and phone width.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from e2e_support import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    answer_current,
    check,
    click,
    full_page_screenshot,
    open_app,
    settle,
    sign_in,
    start_quiz,
)
from playwright.sync_api import Page, expect

from app import accounts, questionreports

PRACTICE = "Practice: Aftercare"
COMMENT = "Options B and C say the same thing; which week is meant?"
NOTE = "Reworded option C and named the week, as the leaflet does."


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """tina trains cohort north, where ann is a trainee."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    return {
        "boss": boss,
        "tina": accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north"),
        "ann": accounts.create_user(
            engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Example"
        ),
    }


def both_widths(page: Page, name: str) -> list[Path]:
    """The page as it is now (a form open, text typed) at 1280 px and then at 390 px."""
    shots = [full_page_screenshot(page, name)]
    page.set_viewport_size(PHONE)
    try:
        settle(page)
        shots.append(full_page_screenshot(page, name))
        width = page.evaluate(
            """() => Math.max(document.documentElement.scrollWidth,
                document.querySelector('[data-testid="stMain"]').scrollWidth)"""
        )
        assert width <= PHONE["width"], f"{name} scrolls sideways on a phone ({width} px)"
    finally:
        page.set_viewport_size(DESKTOP)
        settle(page)
    return shots


def test_a_report_is_resolved_and_the_trainee_reads_the_note(
    browser, page, base_url, engine, people
):
    shots: list[Path] = []
    sign_in(page, base_url, "ann")
    start_quiz(page, PRACTICE)
    answer_current(page)
    click(page, page.get_by_role("button", name="Check answer"))
    expect(
        page.get_by_test_id("stAlert").filter(has_text=re.compile("Correct|Not quite|Partly"))
    ).to_be_visible()

    click(page, page.get_by_text("Report a problem with this question", exact=True))
    check(page, page.get_by_role("radio", name=re.compile(r"^Unclear")))
    page.get_by_label("What did you notice?").fill(COMMENT)
    shots += both_widths(page, "report-form")
    click(page, page.get_by_role("button", name="Send report"))
    expect(
        page.get_by_text("Your report on question 1 (unclear): open, a trainer has not answered")
    ).to_be_visible()
    [sent] = questionreports.mine(engine, people["ann"])
    assert (sent.kind, sent.comment, sent.status) == ("unclear", COMMENT, "open")

    trainer = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    try:
        tina = trainer.new_page()
        sign_in(tina, base_url, "tina")
        click(tina, tina.get_by_role("link", name="Reported questions"))
        expect(tina.get_by_role("heading", name="Reported questions")).to_be_visible()
        expect(tina.get_by_text("1 open report on 1 question")).to_be_visible()
        expect(tina.get_by_text(COMMENT)).to_be_visible()
        expect(tina.get_by_text(re.compile(r"^Ann Example · "))).to_be_visible()
        tina.get_by_label("Note to the reporter").fill(NOTE)
        shots += both_widths(tina, "reported-queue")
        click(tina, tina.get_by_role("button", name="Resolve 1 open report"))
        expect(tina.get_by_text(f"{sent.qid}: 1 report resolved")).to_be_visible()
        expect(tina.get_by_text("No open reports.")).to_be_visible()
    finally:
        trainer.close()

    open_app(page, base_url)
    expect(page.get_by_role("heading", name="Your reported questions")).to_be_visible()
    expect(
        page.get_by_text(f"Your report on question 1 of {PRACTICE}: resolved — {NOTE}")
    ).to_be_visible()

    expected = {
        SCREENSHOTS / f"{n}-{w}.png" for n in ("report-form", "reported-queue") for w in (1280, 390)
    }
    assert set(shots) == expected
    for path in expected:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
