"""End to end for Import questions and Export bank: a manager uploads a GIFT file in Chromium,
reads the report, writes the bank of drafts; the Question bank page offers the export. Also
screenshots both at desktop and phone width."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import PASSWORD, PHONE, click, full_page_screenshot, open_app, settle, sign_in
from playwright.sync_api import Page, expect

from app import accounts, config
from app.bank import load

FIXTURES = Path(__file__).parent / "fixtures" / "interop"
SPEC = FIXTURES / "spec.gift"


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    """A copy of the shipped banks for the server to write into."""
    return Path(shutil.copytree(config.quizzes_dir(), tmp_path_factory.mktemp("c") / "quizzes"))


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    return {"boss": accounts.init_first_manager(engine, "boss", PASSWORD)}


@pytest.fixture(scope="module")
def base_url(db_file: str, people, content: Path, tmp_path_factory) -> Iterator[str]:
    from e2e_support import served

    env = {**os.environ, "RESURFACE_DATABASE_URL": db_file, "RESURFACE_QUIZZES": str(content)}
    with served(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def report(page: Page, base_url: str) -> None:
    open_app(page, f"{base_url}/import")
    expect(page.get_by_role("heading", name="Import questions")).to_be_visible()
    box = page.get_by_label("Bank id", exact=True)
    box.fill("grant")
    box.press("Enter")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(SPEC))
    expect(page.get_by_text("9 question(s) from spec.gift")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Write the bank (9 drafts)")).to_be_visible()


def upload(page: Page, base_url: str, bank: str, name: str) -> None:
    open_app(page, f"{base_url}/import")
    box = page.get_by_label("Bank id", exact=True)
    box.fill(bank)
    box.press("Enter")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(FIXTURES / name)
    )


def test_a_workbook_report_and_a_refused_csv_at_both_widths(page, context, base_url, content):
    """The Import page with the template buttons, a workbook's report, and a CSV refused for
    its bad rows (every problem in a table), at desktop and phone width."""
    sign_in(page, base_url, "boss")
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    try:
        for view in (page, phone):
            upload(view, base_url, "sheet-care", "questions.xlsx")
            expect(view.get_by_text("6 question(s) from questions.xlsx")).to_be_visible(
                timeout=30_000
            )
            expect(view.get_by_role("button", name="Template (.xlsx)")).to_be_visible()
            expect(view.get_by_role("button", name="Write the bank (6 drafts)")).to_be_visible()
            full_page_screenshot(view, "import-xlsx")
            upload(view, base_url, "sheet-bad", "bad_rows.csv")
            expect(view.get_by_text("9 problems; nothing was imported")).to_be_visible(
                timeout=30_000
            )
            expect(view.get_by_role("button", name="Write the bank")).to_have_count(0)
            # every problem whole, as typed (the table reads Markdown; the cells are escaped)
            expect(view.get_by_role("cell", name="row 6, column right_1")).to_be_visible()
            expect(
                view.get_by_role("cell", name="'G' is not an option letter (A to F)")
            ).to_be_visible()
            settle(view)
            full_page_screenshot(view, "import-refused")
    finally:
        phone.close()
    assert not (content / "banks" / "sheet-bad.yaml").exists()


def test_a_manager_imports_a_gift_file_as_drafts(page, context, base_url, content):
    sign_in(page, base_url, "boss")
    report(page, base_url)
    full_page_screenshot(page, "import")
    phone = context.new_page()
    try:
        phone.set_viewport_size(PHONE)
        report(phone, base_url)
        full_page_screenshot(phone, "import")
    finally:
        phone.close()
    click(page, page.get_by_role("button", name="Write the bank (9 drafts)"))
    expect(page.get_by_text("Written: 9 question(s) from spec.gift")).to_be_visible()
    cat = load([content])
    assert not cat.problems
    drafts = [e.question for e in cat.entries.values() if e.bank == "grant"]
    assert len(drafts) == 9
    assert all(q.draft for q in drafts)


def test_the_bank_page_offers_the_export(page, context, base_url):
    sign_in(page, base_url, "boss")
    open_app(page, f"{base_url}/bank")
    click(page, page.get_by_role("button", name="Export bank"))
    expect(page.get_by_role("button", name="Download")).to_be_visible()
    full_page_screenshot(page, "bank-export")
    phone = context.new_page()
    try:
        phone.set_viewport_size(PHONE)
        open_app(phone, f"{base_url}/bank")
        click(phone, phone.get_by_role("button", name="Export bank"))
        expect(phone.get_by_role("button", name="Download")).to_be_visible()
        full_page_screenshot(phone, "bank-export")
    finally:
        phone.close()
