"""Fair exam arrangements in a real browser (``resurface serve`` on a temp database, Chromium).

The issue's done-when: an accommodation's extra time shows in the countdown and is enforced by
the server. A trainer sets it on the trainee's record; the trainee starts the timed exam through
the start confirmation (a stray click on Start spends nothing) and the countdown counts the whole
extended time. Screenshots of the confirmation and of the record's form at 1280 and 390 px.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from e2e_support import (
    EXAM,
    PASSWORD,
    PHONE,
    attempt_in_url,
    click,
    countdown,
    full_page_screenshot,
    open_app,
    quiz_card,
    settle,
    shoot,
    sign_in,
)
from playwright.sync_api import expect
from sqlalchemy import func, select

from app import accommodations, accounts, attempts, clock, examwindows
from app.store.tables import attempts as attempt_table


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """A manager, a trainer of north, and two trainees of north: the trainer gives ann extra time
    through the page; bea's 15 extra minutes are set beforehand."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    tina = accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north")
    made = {"boss": boss, "tina": tina}
    for name in ("ann", "bea"):
        made[name] = accounts.create_user(engine, boss, name, PASSWORD, "trainee", "north")
    accommodations.set_accommodation(
        engine, tina, made["bea"].id, extra_minutes=15, reason="learning support plan"
    )
    return made


def attempts_of(engine, user) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(attempt_table.c.user_id == user.id)
        return conn.execute(query).scalar_one()


def test_a_trainer_gives_extra_time_on_the_trainee_record(context, page, base_url, engine,
                                                          people):  # fmt: skip
    ann = people["ann"]
    sign_in(page, base_url, "tina")
    open_app(page, f"{base_url}/trainee?user={ann.id}")
    expect(page.get_by_role("heading", name="Exam accommodation")).to_be_visible()
    minutes = page.get_by_role("spinbutton", name="Extra minutes")
    minutes.fill("20")
    minutes.press("Tab")
    page.get_by_label("Reason (kept in the audit log)").fill("agreed support plan")
    click(page, page.get_by_role("button", name="Save accommodation"))
    expect(page.get_by_text("Accommodation saved.")).to_be_visible()
    expect(page.get_by_text("Has 20 extra minutes on timed exams.")).to_be_visible()
    given = accommodations.accommodation_of(engine, None, ann.id)
    assert (given.extra_minutes, given.reason, given.set_by) == (
        20, "agreed support plan", people["tina"].id
    )  # fmt: skip
    shots = shoot(context, page, "trainee-record-accommodation")
    assert [s.name for s in shots] == [
        "trainee-record-accommodation-1280.png",
        "trainee-record-accommodation-390.png",
    ]


def test_extra_time_shows_in_the_countdown_after_the_start_confirmation(page, base_url, engine,
                                                                        people):  # fmt: skip
    bea = people["bea"]
    sign_in(page, base_url, "bea")
    expect(page.get_by_text("You have 15 extra minutes on timed exams.")).to_be_visible()

    # A click on Start asks first, and spends nothing.
    click(page, quiz_card(page, EXAM).get_by_role("button", name=f"Start {EXAM}", exact=True))
    confirm = page.get_by_role("button", name=f"Start {EXAM} now", exact=True)
    expect(confirm).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"60 minutes \(15 extra\), attempt 1 of 3;"))
    ).to_be_visible()
    assert attempts_of(engine, bea) == 0
    full_page_screenshot(page, "start-confirmation")
    page.set_viewport_size(PHONE)
    settle(page)
    expect(confirm).to_be_visible()
    full_page_screenshot(page, "start-confirmation")
    page.set_viewport_size({"width": 1280, "height": 900})

    click(page, page.get_by_role("button", name="Cancel", exact=True))
    expect(confirm).to_have_count(0)
    assert attempts_of(engine, bea) == 0

    # Confirmed with the keyboard: the button is a real one, reached and pressed as such.
    click(page, quiz_card(page, EXAM).get_by_role("button", name=f"Start {EXAM}", exact=True))
    confirm.focus()
    confirm.press("Enter")
    settle(page)
    expect(page).to_have_url(re.compile(r"/quiz\?attempt=\d+"))
    view = attempts.get(engine, bea, attempt_in_url(page))
    assert view.deadline - view.started_at == timedelta(minutes=60)
    shown = countdown(page)
    assert shown > timedelta(minutes=45), f"the countdown shows {shown}, not the extra time"
    assert abs(shown - (view.deadline - clock.now())) <= timedelta(seconds=5)


def test_a_manager_sets_a_cohorts_window_and_its_trainees_see_when_it_opens(browser, page,
                                                                            base_url, engine):  # fmt: skip
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/certification")
    click(page, page.get_by_text("Exam windows", exact=True))
    page.get_by_role("combobox", name="Quiz").click()
    page.get_by_role("option", name="Quick check").click()
    page.get_by_role("combobox", name="For").click()
    page.get_by_role("option", name="north").click()
    # The date field is in parts (day, month, year) that move on as each is typed.
    page.get_by_role("spinbutton", name="day, Opens on").click()
    page.keyboard.type((clock.now() + timedelta(days=3)).strftime("%d%m%Y"))
    page.keyboard.press("Tab")
    click(page, page.get_by_role("button", name="Save window"))
    expect(page.get_by_text("Window saved: quick-check · north.")).to_be_visible()
    [window] = examwindows.windows(engine, None)
    assert (window.quiz_id, window.cohort, window.closes_at) == ("quick-check", "north", None)
    full_page_screenshot(page, "certification-windows")
    page.set_viewport_size(PHONE)
    settle(page)
    full_page_screenshot(page, "certification-windows")

    trainee = browser.new_context(viewport={"width": 1280, "height": 900})
    trainee.set_default_timeout(15_000)
    try:
        home = trainee.new_page()
        sign_in(home, base_url, "ann")
        card = quiz_card(home, "Quick check")
        expect(card.get_by_text(re.compile(r"Opens \d{2} \w{3} \d{4}, 00:00"))).to_be_visible()
        expect(card.get_by_text("Not open now")).to_be_visible()
        expect(card.get_by_role("button", name=f"Start {EXAM}", exact=True)).to_have_count(0)
    finally:
        trainee.close()
