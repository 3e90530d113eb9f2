"""End to end for the Certification page: a manager finds who is about to lapse and opens their
record; screenshots at desktop and phone width, where nothing may scroll sideways.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium, like
test_e2e_trainer.py.
"""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from e2e_support import (
    PASSWORD,
    SCREENSHOTS,
    click,
    open_app,
    settle,
    shoot,
    sign_in,
)
from playwright.sync_api import Page, expect

from app import accounts, clock, config
from app.bank import load
from conftest import finish

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """north: Ann Example's pass ends in about 10 days, Bob Example's lapsed a month ago, Dee
    Example passed last week; south: Cat Example has not tried yet."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    make = lambda name, role, cohort, shown=None: accounts.create_user(  # noqa: E731
        engine, boss, name, PASSWORD, role, cohort, shown
    )
    made = {
        "boss": boss,
        "tina": make("tina", "trainer", "north"),
        "ann": make("ann", "trainee", "north", "Ann Example"),
        "bob": make("bob", "trainee", "north", "Bob Example"),
        "cat": make("cat", "trainee", "south", "Cat Example"),
        "dee": make("dee", "trainee", "north", "Dee Example"),
    }
    catalogue = load([config.quizzes_dir()])
    now = clock.now()
    finish(engine, made["ann"], catalogue, EXAM, at=now - relativedelta(months=11, days=20))
    finish(engine, made["bob"], catalogue, EXAM, at=now - relativedelta(months=13))
    finish(engine, made["dee"], catalogue, EXAM, 20, at=now - relativedelta(days=8))
    finish(engine, made["dee"], catalogue, EXAM, at=now - relativedelta(days=7))
    return made


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by the box's label.

    The box is scrolled to first: a click that has to scroll the page to reach a box further
    down focuses it without opening its list.
    """
    box = page.get_by_role("combobox", name=label)
    box.scroll_into_view_if_needed()
    settle(page)
    box.click()
    page.get_by_role("option", name=option).click()
    settle(page)


def test_a_manager_finds_who_is_about_to_lapse_and_opens_their_record(page, base_url, people):
    sign_in(page, base_url, "boss")
    click(page, page.get_by_role("link", name="Certification"))
    expect(page.get_by_role("heading", name="Certification", exact=True)).to_be_visible()
    expect(page.get_by_text("Expiring soon (1)")).to_be_visible()
    expect(page.get_by_text("Expired (1)")).to_be_visible()
    expect(page.get_by_text("Not certified (1)")).to_be_visible()
    expect(page.get_by_text("2 of 4")).to_be_visible()  # Certified: Ann (expiring) and Dee
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()  # the funnel
    choose(page, "Cohort", "north")
    expect(page.get_by_text("2 of 3")).to_be_visible()
    choose(page, "Open a trainee's record", "Ann Example")
    expect(page.get_by_role("heading", name="Ann Example")).to_be_visible()


def test_a_trainee_cannot_open_the_page(page, base_url, people):
    sign_in(page, base_url, "cat")
    expect(page.get_by_role("link", name="Certification")).to_have_count(0)
    open_app(page, f"{base_url}/certification")
    expect(page.get_by_role("heading", name="Certification", exact=True)).to_have_count(0)


def test_screenshots_of_the_certification_page(context, page, base_url, people):
    shots = []
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/certification")
    expect(page.get_by_role("heading", name="Certification", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart")).to_be_visible()
    shots += shoot(context, page, "certification")

    trainer = context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        mine = trainer.new_page()
        sign_in(mine, base_url, "tina")
        open_app(mine, f"{base_url}/certification")
        expect(mine.get_by_text("Trainees of cohort")).to_be_visible()
        shots += shoot(trainer, mine, "certification-trainer")
    finally:
        trainer.close()
    expected = {
        SCREENSHOTS / f"{name}-{width}.png"
        for name in ("certification", "certification-trainer")
        for width in (1280, 390)
    }
    assert set(shots) == expected
    for path in expected:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
