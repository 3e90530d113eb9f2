"""End to end for standard setting: two raters' estimates give a recommended pass mark, which a
manager adopts in Chromium into the server's own copy of the banks. Screenshots of the Pass mark
page at 1280 and 390 px (the shot fails if the page scrolls sideways on a phone)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from e2e_support import PASSWORD, click, open_app, served, settle, shoot, sign_in
from playwright.sync_api import expect

from app import accounts, config, passmark
from app.bank import load

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def banks(tmp_path_factory) -> Path:
    return Path(shutil.copytree(config.quizzes_dir(), tmp_path_factory.mktemp("c") / "quizzes"))


@pytest.fixture(scope="module")
def people(engine, banks) -> dict:
    """A manager and a trainer; the trainer has rated every question but the first at 60%."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    tina = accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north", "Tina")
    catalogue = load([banks])
    pool = passmark.pool(catalogue.quizzes[EXAM], catalogue)
    passmark.rate(engine, tina, catalogue, EXAM, dict.fromkeys(pool[1:], 0.6))
    passmark.rate(engine, boss, catalogue, EXAM, dict.fromkeys(pool, 0.8))
    return {"boss": boss, "tina": tina, "pool": pool}


@pytest.fixture(scope="module")
def base_url(db_file, people, banks, tmp_path_factory):
    env = {**os.environ, "RESURFACE_DATABASE_URL": db_file, "RESURFACE_QUIZZES": str(banks)}
    with served(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def test_a_trainer_finishes_rating_and_a_manager_adopts_the_mark(
    browser, context, page, base_url, people, banks
):
    first = people["pool"][0]
    sign_in(page, base_url, "tina")
    open_app(page, f"{base_url}/passmark")
    expect(page.get_by_text("No recommendation yet")).to_be_visible()
    box = page.get_by_role("spinbutton", name=f"Your estimate for {first} (%)")
    box.fill("60")
    box.press("Tab")
    click(page, page.get_by_role("button", name="Save my estimates"))
    expect(page.get_by_text("Saved your estimates for")).to_be_visible()
    # Two raters done, at 60% and 80% throughout: 70% recommended.
    expect(page.get_by_text("70%", exact=True).first).to_be_visible()
    shots = shoot(context, page, "passmark-trainer")

    staff = browser.new_context(viewport={"width": 1280, "height": 900})
    staff.set_default_timeout(15_000)
    manager = staff.new_page()
    sign_in(manager, base_url, "boss")
    open_app(manager, f"{base_url}/passmark")
    mark = manager.get_by_role("spinbutton", name="Pass mark to adopt (%)")
    expect(mark).to_have_value("70.0")
    click(manager, manager.get_by_role("button", name="Adopt this pass mark"))
    settle(manager)
    expect(manager.get_by_text("is now 70% (was 80%)")).to_be_visible()
    shots += shoot(staff, manager, "passmark-manager")
    staff.close()
    assert load([banks]).quizzes[EXAM].pass_mark == 70
    assert all(shot.exists() for shot in shots)
