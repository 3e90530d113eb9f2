"""End to end for user administration: a manager imports trainees through the file uploader.

Runs ``resurface serve`` on its own database and drives it with Debian's Chromium, like the
other e2e tests; also screenshots the Users page at desktop and phone width.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from e2e_support import PASSWORD, SCREENSHOTS, click, open_app, settle, shoot, sign_in
from playwright.sync_api import expect

from app import accounts

TRAINEES = (
    "username;display_name;cohort;password\r\n"
    "dan.dee;Dan Dee;north;\r\n"
    "eve.eng;Eve Eng;north;first-day-2025\r\n"
)


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    return {
        "boss": boss,
        "tina": accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north"),
        "ann": accounts.create_user(
            engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Example"
        ),
    }


def test_a_manager_imports_trainees_from_a_csv_file(page, base_url, engine, people, tmp_path):
    source = tmp_path / "trainees.csv"
    source.write_bytes(TRAINEES.encode("utf-8-sig"))
    sign_in(page, base_url, "boss")
    click(page, page.get_by_role("link", name="Users"))
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    click(page, page.get_by_role("tab", name="Import trainees"))
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(source))
    settle(page)
    expect(page.get_by_text("All 2 rows of trainees.csv are ready to import.")).to_be_visible()
    click(page, page.get_by_role("button", name="Import 2 trainees"))
    expect(page.get_by_text("Imported 2 trainees from trainees.csv into north.")).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the temporary passwords (CSV)").click()
    saved = tmp_path / "passwords.csv"
    info.value.save_as(saved)
    sheet = pd.read_csv(io.BytesIO(saved.read_bytes()), encoding="utf-8-sig", dtype=str)
    assert list(sheet["username"]) == ["dan.dee", "eve.eng"]
    assert sheet.loc[1, "temporary_password"] == "(as in your file)"
    dan = accounts.authenticate(engine, "dan.dee", sheet.loc[0, "temporary_password"])
    assert (dan.cohort, dan.must_change_password) == ("north", True)
    assert accounts.authenticate(engine, "eve.eng", "first-day-2025").must_change_password


def test_screenshots_of_the_users_page(context, page, base_url, people):
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/users")
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    shots: list[Path] = shoot(context, page, "users")
    assert set(shots) == {SCREENSHOTS / f"users-{w}.png" for w in (1280, 390)}
    for path in shots:
        assert path.stat().st_size > 10_000, f"{path.name} looks empty"
