"""End to end for trainers: open a trainee's attempt, comment on it, and the trainee reads it.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium, like
test_e2e_trainee.py; also screenshots each trainer page at desktop and phone width.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest
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

from app import accounts, comments, config
from app.bank import load
from conftest import finish


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """tina trains cohort north; ann (north) finished the quick check with 6 of 10 right."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    made = {
        "boss": boss,
        "tina": accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north"),
        "ann": accounts.create_user(
            engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Example"
        ),
    }
    finish(engine, made["ann"], load([config.quizzes_dir()]), "quick-check", 6)
    return made


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by the box's label."""
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option).click()
    settle(page)


def test_a_trainers_comment_reaches_the_trainee(browser, page, base_url, engine, people):
    sign_in(page, base_url, "tina")
    click(page, page.get_by_role("link", name="Trainees"))
    expect(page.get_by_role("heading", name="Trainees")).to_be_visible()
    choose(page, "Open a trainee's record", "Ann Example")
    expect(page.get_by_role("heading", name="Ann Example")).to_be_visible()
    click(page, page.get_by_role("link", name="Open"))
    expect(page).to_have_url(re.compile(r"/review\?attempt=\d+$"))
    attempt_id = int(page.url.rsplit("=", 1)[1])
    expect(page.get_by_text("Question 10", exact=False).first).to_be_visible()

    page.get_by_label("Add a comment on the attempt").fill("Good start. Revise aftercare.")
    click(page, page.get_by_role("button", name="Save comment").first)
    expect(page.get_by_text("Comment on the attempt saved")).to_be_visible()
    click(page, page.get_by_text("Comment on question 2", exact=True).first)
    page.get_by_label("Comment on question 2").fill("Re-read the cited passage on sun care.")
    question_two = page.get_by_test_id("stForm").filter(
        has=page.get_by_label("Comment on question 2")
    )
    click(page, question_two.get_by_role("button", name="Save comment"))
    expect(page.get_by_text("Comment on question 2 saved")).to_be_visible()
    saved = comments.of_attempt(engine, people["tina"], attempt_id)
    assert [(c.position, c.body) for c in saved] == [
        (None, "Good start. Revise aftercare."),
        (1, "Re-read the cited passage on sun care."),
    ]

    trainee = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        mine = trainee.new_page()
        sign_in(mine, base_url, "ann")
        open_app(mine, f"{base_url}/history")
        click(mine, mine.get_by_role("link", name="Review").first)
        expect(mine).to_have_url(re.compile(rf"/results\?attempt={attempt_id}$"))
        expect(mine.get_by_text("Comments from your trainer")).to_be_visible()
        expect(mine.get_by_text("Good start. Revise aftercare.")).to_be_visible()
        expect(mine.get_by_text("Re-read the cited passage on sun care.")).to_be_visible()
        expect(mine.get_by_text("On question 2:")).to_be_visible()
    finally:
        trainee.close()


def test_screenshots_of_the_trainer_pages(context, page, base_url, people):
    sign_in(page, base_url, "tina")
    shots: list[Path] = []
    open_app(page, f"{base_url}/trainees")
    expect(page.get_by_role("heading", name="Trainees")).to_be_visible()
    shots += shoot(context, page, "trainees")
    open_app(page, f"{base_url}/trainee?user={people['ann'].id}")
    expect(page.get_by_role("heading", name="Ann Example")).to_be_visible()
    shots += shoot(context, page, "trainee")
    click(page, page.get_by_role("link", name="Open"))
    expect(page.get_by_text("Question 10", exact=False).first).to_be_visible()
    shots += shoot(context, page, "review")
    open_app(page, f"{base_url}/items?quiz=quick-check")
    expect(page.get_by_role("heading", name="Item analysis")).to_be_visible()
    shots += shoot(context, page, "items")
    open_app(page, f"{base_url}/bank")
    expect(page.get_by_role("heading", name="Question bank")).to_be_visible()
    shots += shoot(context, page, "bank")
    pages = ["trainees", "trainee", "review", "items", "bank"]
    expected = {SCREENSHOTS / f"{p}-{w}.png" for p in pages for w in (1280, 390)}
    assert set(shots) == expected
    for path in expected:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"


def test_a_reload_keeps_the_attempts_counted(page, base_url, people):
    sign_in(page, base_url, "tina")
    open_app(page, f"{base_url}/items?quiz=quick-check")
    counted = page.get_by_role("radiogroup", name="Attempts counted")
    expect(counted.get_by_role("radio", name="First", exact=True)).to_be_checked()
    click(page, counted.get_by_role("radio", name="All", exact=True))
    expect(page).to_have_url(re.compile(r"[?&]counted=all"))
    page.reload()
    settle(page)
    expect(counted.get_by_role("radio", name="All", exact=True)).to_be_checked()
    expect(page.get_by_text("Counting every attempt")).to_be_visible()


def test_tables_offer_no_download_of_their_own(page, base_url, people):
    """A table's built-in "Download as CSV" wrote formula cells raw and left no audit line; the
    toolbar keeps search and full screen, without it."""
    sign_in(page, base_url, "tina")
    click(page, page.get_by_role("link", name="Trainees"))
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    table.hover()
    toolbar = page.get_by_test_id("stElementToolbar").first
    expect(toolbar.get_by_role("button")).not_to_have_count(0)
    names = [b.get_attribute("aria-label") for b in toolbar.get_by_role("button").all()]
    assert "Download as CSV" not in names, names
    assert any(name and "Search" in name for name in names), names


def test_the_app_refuses_remote_images_and_any_frame(page, base_url, people):
    """The Content-Security-Policy comes with every response, and the browser applies it: an image
    from another host is refused, and the app will not show inside a frame (another site's, or a
    page on another port of this host)."""
    for path in ("/", "/_stcore/health", "/users"):
        with urllib.request.urlopen(base_url + path) as response:
            policy = response.headers["Content-Security-Policy"]
            assert "img-src 'self' data: blob:" in policy, (path, policy)
            assert "frame-ancestors 'none'" in policy, (path, policy)
            assert response.headers["X-Frame-Options"] == "DENY"
    sign_in(page, base_url, "tina")
    refused = page.evaluate(
        """() => new Promise(done => {
            document.addEventListener('securitypolicyviolation',
                e => done(e.effectiveDirective + ' ' + e.blockedURI), {once: true});
            const img = new Image();
            img.onload = () => done('loaded');
            img.src = 'http://127.0.0.1:9/pixel.png';
            setTimeout(() => done('no verdict'), 5000);
        })"""
    )
    assert refused == "img-src http://127.0.0.1:9/pixel.png", refused
    framing = page.context.new_page()
    said: list[str] = []
    framing.on("console", lambda message: said.append(message.text))
    framing.set_content(f'<iframe src="{base_url}/" width="600" height="400"></iframe>')
    for _ in range(50):
        if any("frame-ancestors" in text for text in said):
            break
        framing.wait_for_timeout(100)
    assert any("frame-ancestors" in text for text in said), said
    assert framing.frames[1].locator("[data-testid=stApp]").count() == 0
    framing.close()
