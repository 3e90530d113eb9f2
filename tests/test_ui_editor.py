"""The question editor on the Question bank page: who sees it, live checks, save, retire, history.

Every test edits a copy of the shipped quizzes/ in a temp folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ui_helpers import open_page, sign_in, values, widget_keys

from app import config, useradmin
from app.bank import load
from app.ui import keys

QID = "aftercare-beach-sun-001"
FILE = "banks/aftercare.yaml"


@pytest.fixture
def content(monkeypatch, tmp_path) -> Path:
    copy = Path(shutil.copytree(config.PROJECT_ROOT / "quizzes", tmp_path / "quizzes"))
    monkeypatch.setenv("RESURFACE_QUIZZES", str(copy))
    return copy


def editing(name: str):
    at = open_page(sign_in(name), "bank", q=QID)
    at.button(key=keys.BANK_EDIT_OPEN).click().run()
    assert not at.exception
    return at


def test_only_those_allowed_see_the_edit_buttons(ui, fresh_db, content):
    at = open_page(sign_in("tina"), "bank", q=QID)
    assert keys.BANK_EDIT_OPEN not in widget_keys(at)
    useradmin.set_content_editor(fresh_db, ui["boss"], "tina", True)
    at = open_page(sign_in("tina"), "bank", q=QID)
    assert keys.BANK_EDIT_OPEN in widget_keys(at)


def test_the_form_checks_live_and_saves_a_new_key(ui, content):
    at = editing("boss")
    assert at.text_area(key=keys.edit_field("stem")).value.startswith("What should you tell her")
    assert any("No problems" in v for v in values(at.success))
    # Two keys: the validator says so at once, and Save is disabled.
    at.checkbox(key=keys.edit_part("options", 1, "correct")).check().run()
    errors = values(at.error)
    assert any("needs exactly one correct option" in e for e in errors), errors
    assert at.button(key=keys.BANK_EDIT_SAVE).disabled
    at.checkbox(key=keys.edit_part("options", 0, "correct")).uncheck().run()
    assert not at.error
    assert not at.button(key=keys.BANK_EDIT_SAVE).disabled
    # Citations are shown inside their documents, the quoted passage marked.
    assert any("found word for word" in c for c in values(at.caption))
    at.button(key=keys.BANK_EDIT_SAVE).click().run()
    assert not at.exception
    assert any(f"Saved {QID}" in s for s in values(at.success)), values(at.error)
    cat = load([content])
    key = [o.text for o in cat.entries[QID].question.options if o.correct]
    assert key[0].startswith("She can sunbathe once her redness fades")
    text = (content / FILE).read_text(encoding="utf-8")
    assert "# ---------------------------------------------------------------- case: beach" in text


def test_a_warning_shows_and_needs_confirming(ui, content):
    at = editing("boss")
    at.text_area(key=keys.edit_field("stem")).input(
        "Which of these should you not tell her about sunbathing?"
    ).run()
    flagged = values(at.warning)
    assert any(w.startswith("negative-stem (new)") for w in flagged), flagged
    at.button(key=keys.BANK_EDIT_SAVE).click().run()
    assert any("item-writing warnings" in e for e in values(at.error))
    assert at.text_area(key=keys.edit_field("stem")).value.endswith("about sunbathing?"), (
        "what was typed is kept"
    )
    at.checkbox(key=keys.BANK_EDIT_CONFIRM).check().run()
    at.button(key=keys.BANK_EDIT_SAVE).click().run()
    assert any(f"Saved {QID}" in s for s in values(at.success))
    assert "not tell her about sunbathing" in (content / FILE).read_text(encoding="utf-8")


def test_a_quote_not_word_for_word_shows_the_nearest_passage(ui, content):
    at = editing("boss")
    at.text_area(key=keys.edit_part("sources", 0, "quote")).input(
        "protect the treated area from the sun, it is vital"
    ).run()
    assert any("not word for word; the nearest passage" in c for c in values(at.caption))
    assert any("quote not found" in e for e in values(at.error))


def test_retire_and_bring_back(ui, content):
    at = open_page(sign_in("boss"), "bank", q=QID)
    at.button(key=keys.BANK_RETIRE).click().run()
    at.button(key=keys.BANK_RETIRE_YES).click().run()
    assert any(f"Retired {QID}" in s for s in values(at.success)), values(at.error)
    assert load([content]).entries[QID].question.retired
    assert any("History (1)" in e.label for e in at.expander)
    at.button(key=keys.BANK_RETIRE).click().run()
    assert not load([content]).entries[QID].question.retired


def test_a_manager_lets_a_trainer_edit_on_the_users_page(ui, content):
    at = open_page(sign_in("boss"), "users")
    at.selectbox(key=keys.USERS_PICK).set_value("tina").run()
    toggle = at.toggle(key=keys.USERS_EDITS_CONTENT)
    assert toggle.value is False
    toggle.set_value(True).run()
    assert any("may now edit questions" in s for s in values(at.success)), values(at.error)
    at = open_page(sign_in("tina"), "bank", q=QID)
    assert keys.BANK_EDIT_OPEN in widget_keys(at)
    # A trainer's own page shows no such toggle for a trainee, nor a manager's for a manager.
    at = open_page(sign_in("boss"), "users")
    at.selectbox(key=keys.USERS_PICK).set_value("ann").run()
    assert keys.USERS_EDITS_CONTENT not in widget_keys(at)
