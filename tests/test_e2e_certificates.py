"""End to end for certificates, in Debian's Chromium against a real ``resurface serve``: a trainee
passes the certifying exam, downloads the certificate from Home (its text read back), opens its
verification address and sees "current"; a manager revokes it on the trainee's record, and the
address then says "revoked". Screenshots of the verification page at 1280 and 390 px.

The exam's 30 answers are saved through the core, as the quiz page saves each click (the quiz
page itself is driven by test_e2e_trainee.py); starting and submitting are clicks.
"""

from __future__ import annotations

import re

import pytest
from e2e_support import (
    EXAM,
    PASSWORD,
    PHONE,
    SCREENSHOTS,
    click,
    settle,
    sign_in,
    start_quiz,
)
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from app import accounts, attempts, feedback

NAME = "Zoë Ñúñez-Ольга"


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    ann = accounts.create_user(engine, boss, "ann", PASSWORD, "trainee", "north", NAME)
    return {"boss": boss, "ann": ann}


def verify_shots(page: Page, name: str) -> None:
    """The verification page at desktop and phone width; nothing may scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in ({"width": 1280, "height": 800}, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}.png"), full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{name} scrolls sideways at {size['width']} px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_certificate_is_downloaded_verified_and_revoked(
    browser, context, page, base_url, engine, people, tmp_path
):
    ann = people["ann"]
    sign_in(page, base_url, "ann")
    attempt_id = start_quiz(page, EXAM)
    view = attempts.get(engine, ann, attempt_id)
    for state in view.questions:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(engine, ann, attempt_id, state.presented.position, key)
    page.reload()
    settle(page)
    click(page, page.get_by_role("button", name="Submit quiz…"))
    click(page, page.get_by_role("dialog").get_by_role("button", name="Submit now"))
    expect(page).to_have_url(re.compile(rf"/results\?attempt={attempt_id}$"))

    click(page, page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Home"))
    expect(page.get_by_text("Your certificates")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role(
            "button", name="Certificate: Laser resurfacing technician (PDF)", exact=True
        ).click()
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    text = " ".join(p.extract_text() for p in PdfReader(saved).pages)
    assert NAME in text
    assert "Laser resurfacing technician" in text
    found = re.search(r"Certificate code (\S+)", text)
    assert found, text
    code = found.group(1)
    address = f"{base_url}/verify/{code}"
    assert address in text  # no RESURFACE_PUBLIC_URL: the address the browser opened

    checker = context.new_page()  # no sign-in is needed
    checker.goto(address)
    expect(checker.locator("#status")).to_have_attribute("data-status", "current")
    expect(checker.get_by_text(NAME)).to_be_visible()
    verify_shots(checker, "verify-current")

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        boss = staff.new_page()
        sign_in(boss, base_url, "boss")
        boss.goto(f"{base_url}/trainee?user={ann.id}")
        settle(boss)
        expect(boss.get_by_text("Certificates", exact=True)).to_be_visible()
        click(boss, boss.get_by_text("Revoke a certificate"))
        boss.get_by_role("textbox", name="Reason", exact=True).fill("Exam sat by someone else")
        boss.get_by_role("textbox", name="Reason", exact=True).press("Enter")
        settle(boss)
        click(boss, boss.get_by_role("button", name="Revoke", exact=True))
        expect(boss.get_by_text("The certificate was revoked")).to_be_visible()
    finally:
        staff.close()

    checker.goto(address)
    expect(checker.locator("#status")).to_have_attribute("data-status", "revoked")
    expect(checker.get_by_text("This certificate was revoked")).to_be_visible()
    verify_shots(checker, "verify-revoked")
    checker.goto(f"{base_url}/verify/{code[:-2]}zz")
    expect(checker.get_by_role("heading", name="No such certificate")).to_be_visible()
