"""End to end for the question editor: a manager changes a question's key in Chromium, on a copy
of the banks, and the file on disk changes with its comments kept.

Also screenshots the editor at desktop and phone width with an item-writing warning showing and
a citation marked in its source document.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import (
    PASSWORD,
    PHONE,
    check,
    click,
    full_page_screenshot,
    open_app,
    settle,
    sign_in,
)
from playwright.sync_api import Page, expect

from app import accounts, config
from app.bank import load

QID = "aftercare-beach-sun-001"
FILE = "banks/aftercare.yaml"
NEGATIVE = "Which of these should you not tell her about her plan to sunbathe?"


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    """A copy of the shipped banks for the server to edit."""
    return Path(shutil.copytree(config.quizzes_dir(), tmp_path_factory.mktemp("c") / "quizzes"))


@pytest.fixture(scope="module")
def people(engine) -> dict[str, accounts.User]:
    return {"boss": accounts.init_first_manager(engine, "boss", PASSWORD)}


@pytest.fixture(scope="module")
def base_url(db_file: str, people, content: Path, tmp_path_factory) -> Iterator[str]:
    """``resurface serve`` on the module's database and the copy of the banks."""
    from e2e_support import served

    env = {**os.environ, "RESURFACE_DATABASE_URL": db_file, "RESURFACE_QUIZZES": str(content)}
    with served(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def open_editor(page: Page, base_url: str) -> None:
    open_app(page, f"{base_url}/bank?q={QID}")
    click(page, page.get_by_role("button", name="Edit", exact=True))
    expect(page.get_by_role("heading", name=f"Editing {QID}")).to_be_visible()


def type_into(page: Page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Tab")  # a text area sends its value when it loses focus
    settle(page)


def test_a_manager_changes_a_key_and_the_file_keeps_its_comments(page, context, base_url, content):
    path = content / FILE
    before = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    sign_in(page, base_url, "boss")
    open_editor(page, base_url)
    stem = page.get_by_label("Stem", exact=True).input_value()
    # The key moves from the first option to the second.
    keys = page.get_by_role("checkbox", name="The key")
    check(page, keys.nth(1))
    expect(page.get_by_text("needs exactly one correct option").first).to_be_visible()
    click(page, keys.nth(0).locator("xpath=ancestor::label[1]"))
    expect(keys.nth(0)).not_to_be_checked()
    expect(page.get_by_text("No problems: resurface")).to_be_visible()
    # A warning and a marked citation, for the screenshots.
    type_into(page, "Stem", NEGATIVE)
    expect(page.get_by_text("negative-stem (new)").first).to_be_visible()
    expect(page.get_by_text("found word for word").first).to_be_visible()
    full_page_screenshot(page, "bank-editor")
    phone = context.new_page()
    try:
        phone.set_viewport_size(PHONE)
        open_editor(phone, base_url)
        type_into(phone, "Stem", NEGATIVE)
        expect(phone.get_by_text("negative-stem (new)").first).to_be_visible()
        full_page_screenshot(phone, "bank-editor")
    finally:
        phone.close()
    # Back to the stem as written: the save is the key alone.
    type_into(page, "Stem", stem)
    click(page, page.get_by_role("button", name="Save", exact=True))
    expect(page.get_by_text(f"Saved {QID} to {FILE}")).to_be_visible()
    after = path.read_text(encoding="utf-8")
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    assert len(after.splitlines()) == len(before.splitlines())
    cat = load([content])
    key = [o.text for o in cat.entries[QID].question.options if o.correct]
    assert key[0].startswith("She can sunbathe once her redness fades")
    assert cat.entries[QID].question.stem == stem
