"""End to end for managers: download each CSV export from the page and read it with pandas.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium. Each download
must be the very bytes the core writes for the same filters (and so what `resurface export`
writes), and must read back with the awkward names intact and neutralised.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pandas as pd
import pytest
from e2e_support import (
    DESKTOP,
    PASSWORD,
    PHONE,
    check,
    click,
    fetched,
    full_page_screenshot,
    settle,
    shoot,
    sign_in,
)
from playwright.sync_api import Page, expect

from app import accounts, config, exports
from app.bank import load
from conftest import finish

AWKWARD = '=HYPERLINK("x"), Dubois "Zoë"\nsecond line'
LABELS = {
    "attempts": "Attempts: one row per attempt",
    "responses": "Responses: one row per question answered",
    "certifications": "Certifications: one row per trainee per certification",
}


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture(scope="module")
def people(engine, catalogue) -> dict[str, accounts.User]:
    """A trainee with an awkward name passed the quick check (which certifies nothing); another
    passed the certification exam just now: 27 of its 30 questions right (90%, the pass mark is
    80%) and 3 left blank, so the certificate is current (valid 12 months)."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    ann = accounts.create_user(engine, boss, "ann", PASSWORD, "trainee", "north", AWKWARD)
    bob = accounts.create_user(engine, boss, "bob", PASSWORD, "trainee", "=south")
    finish(engine, ann, catalogue, "quick-check", 10, datetime(2026, 5, 4, 8, 30, tzinfo=UTC))
    finish(engine, bob, catalogue, "certification-exam", 27)
    return {"boss": boss, "ann": ann, "bob": bob}


def download(page: Page, kind: str, tmp_path) -> bytes:
    check(page, page.get_by_role("radio", name=LABELS[kind]))
    click(page, page.get_by_role("button", name="Prepare file"))
    expect(page.get_by_text("rows ready")).to_be_visible()
    link = page.get_by_role("link", name=re.compile(rf"^Download resurface-{kind}"))
    href = link.get_attribute("href") or ""
    assert href.startswith("/download/"), href
    link.click()  # a new tab, which the attachment turns into a download
    status, headers, data = fetched(page, href)  # the same link's bytes, with the same cookies
    assert status == 200
    found = re.fullmatch(r"attachment; filename\*=UTF-8''(.+)", headers["content-disposition"])
    assert found, headers["content-disposition"]
    target = tmp_path / found[1]
    assert target.name.startswith(f"resurface-{kind}")
    assert target.suffix == ".csv"
    return data


def test_a_manager_downloads_each_export(
    browser, context, page, base_url, engine, catalogue, people, tmp_path
):
    sign_in(page, base_url, "boss")
    click(page, page.get_by_role("link", name="Exports"))
    expect(page.get_by_role("heading", name="Exports")).to_be_visible()
    settle(page)
    shoot(context, page, "exports")
    got = {kind: download(page, kind, tmp_path) for kind in exports.KINDS}
    # The last file prepared, with its Download link, at desktop and phone width (the same tab:
    # a new one would be a new session, with nothing prepared).
    full_page_screenshot(page, "exports-ready")
    page.set_viewport_size(PHONE)
    settle(page)
    full_page_screenshot(page, "exports-ready")
    page.set_viewport_size(DESKTOP)
    settle(page)
    for kind, data in got.items():
        assert data == exports.export(engine, None, kind, catalogue=catalogue)[0], kind
    read = {k: pd.read_csv(io.BytesIO(v), encoding="utf-8-sig") for k, v in got.items()}
    attempts = read["attempts"].set_index("username")
    assert attempts.loc["ann", "display_name"] == "'" + AWKWARD  # shown as text, never run
    assert attempts.loc["bob", "cohort"] == "'=south"
    assert attempts.loc["ann", "score_percent"] == 100
    assert attempts.loc["bob", "score_percent"] == 90
    assert str(attempts.loc["bob", "passed"]) == "True"
    assert len(read["responses"]) == attempts["max_points"].sum()
    assert read["responses"]["answer"].notna().sum() == 10 + 27
    certified = read["certifications"].set_index("username")
    assert certified.loc["bob", "status"] == "current"
    assert certified.loc["ann", "status"] == "never"
