"""End to end: a manager filters the audit log, downloads it, and the page fits a phone.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium, like
test_e2e_trainer.py; screenshots the page at desktop (1280 px) and phone (390 px) width.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from e2e_support import PASSWORD, SCREENSHOTS, click, open_app, settle, shoot, sign_in
from playwright.sync_api import expect

from app import accounts
from app.store import audit as audit_store
from app.store.db import writing

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    """boss (a manager), tina (a trainer) and 250 lines of tina's comments, one a formula."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD, "Beatrice Boss")
    tina = accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north", "Tina Trainer")
    with writing(engine) as conn:
        for i in range(250):
            target = '=HYPERLINK("http://x")' if i == 0 else f"trainee-{i}"
            audit_store.record(
                conn, T0 + timedelta(minutes=i), tina.id, "comment.add", target, attempt=i
            )
    return {"boss": boss, "tina": tina}


def test_a_manager_pages_filters_and_downloads_the_log(page, base_url, engine, people):
    sign_in(page, base_url, "boss")
    click(page, page.get_by_role("link", name="Audit log"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("Times in Europe/London.")).to_be_visible()
    expect(page.get_by_text("1\u2013100 of 253", exact=False)).to_be_visible()

    click(page, page.get_by_role("button", name="Older"))
    expect(page.get_by_text("101\u2013200 of 253", exact=False)).to_be_visible()

    search = page.get_by_role("textbox", name="Target or details contain")
    search.fill("HYPERLINK")
    search.press("Enter")
    settle(page)
    expect(page.get_by_text("1\u20131 of 1", exact=False)).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download this line (CSV)").click()
    download = info.value
    assert download.suggested_filename.startswith("resurface-audit-")
    data = Path(download.path()).read_bytes()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert frame["target"].tolist() == ['\'=HYPERLINK("http://x")']
    assert frame["actor"].tolist() == ["tina"]
    with engine.connect() as conn:
        [line] = audit_store.lines(conn, "export")
    assert (line["actor_id"], line["target"]) == (people["boss"].id, "audit")
    assert line["detail"] == {"format": "csv", "rows": 1, "text": "HYPERLINK"}


def test_screenshots_of_the_audit_log(context, page, base_url, people):
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    shots = shoot(context, page, "audit")
    expected = {SCREENSHOTS / f"audit-{w}.png" for w in (1280, 390)}
    assert set(shots) == expected
    for path in expected:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"


def test_a_trainer_is_not_shown_the_log(page, base_url, people):
    sign_in(page, base_url, "tina")
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    open_app(page, f"{base_url}/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_have_count(0)
    expect(page.get_by_text("comment.add")).to_have_count(0)
