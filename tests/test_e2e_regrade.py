"""End to end for a regrade: a trainee fails the certification exam by one question whose key was
wrong; a manager corrects the key in the question editor; the trainer sees the dry run with the
flip and applies it with a reason; the trainee's result and certification show the new result.

Runs ``resurface serve`` on its own database and its own copy of the shipped banks (the test
edits one of them), and drives it with Debian's Chromium. Screenshots at 1280 and 390 px.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from e2e_support import DESKTOP, PASSWORD, check, click, open_app, served, shoot, sign_in
from playwright.sync_api import expect

from app import accounts, attempts, config, feedback
from app.bank import load
from conftest import wrong

EXAM = "certification-exam"
REASON = "The aftercare leaflet supports the other option; the key was wrong."


@pytest.fixture(scope="module")
def banks(tmp_path_factory) -> Path:
    """A copy of the shipped content, for the test to edit."""
    root = tmp_path_factory.mktemp("content") / "quizzes"
    shutil.copytree(config.quizzes_dir(), root)
    return root


@pytest.fixture(scope="module")
def people(engine, banks) -> dict:
    """ann's open exam: 23 answers right, one single-answer question (the one whose key is wrong)
    answered with another option, the other 6 wrong: submitted, 23 of 30 (76.6%) fails 80%."""
    boss = accounts.init_first_manager(engine, "boss", PASSWORD)
    made = {
        "boss": boss,
        "tina": accounts.create_user(engine, boss, "tina", PASSWORD, "trainer", "north", "Tina"),
        "ann": accounts.create_user(
            engine, boss, "ann", PASSWORD, "trainee", "north", "Ann Example"
        ),
    }
    catalogue = load([banks], sources_dir=config.sources_dir())
    view = attempts.start(engine, made["ann"], catalogue.quizzes[EXAM], catalogue)
    snaps = [s.presented.snapshot for s in view.questions]
    disputed = next(s for s in snaps if s.type == "single" and s.case_id is None)
    for state in view.questions:
        snap, position = state.presented.snapshot, state.presented.position
        right = sum(1 for s in snaps[:position] if s is not disputed) < 23
        answer = feedback.key_of(snap) if right and snap is not disputed else wrong(snap)
        attempts.save_answer(engine, made["ann"], view.id, position, answer)
    chosen = wrong(disputed)
    key = next(i for i, o in enumerate(disputed.options) if o.correct)
    return {**made, "attempt": view.id, "disputed": disputed.qid, "chosen": chosen, "key": key}


@pytest.fixture(scope="module")
def base_url(db_file, people, banks, tmp_path_factory):
    env = {**os.environ, "RESURFACE_DATABASE_URL": db_file, "RESURFACE_QUIZZES": str(banks)}
    with served(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


def correct_the_key(browser, base_url: str, banks: Path, qid: str, old: int, right: int) -> None:
    """A manager makes option ``right`` (YAML order) the one correct option of ``qid`` in the
    question editor, in a browser of their own; the file on disk keeps its comments."""
    [path] = [p for p in (banks / "banks").glob("*.yaml") if f"id: {qid}\n" in p.read_text()]
    comments = [line for line in path.read_text().splitlines() if line.lstrip().startswith("#")]
    staff = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    staff.set_default_timeout(15_000)
    editor = staff.new_page()
    sign_in(editor, base_url, "boss")
    open_app(editor, f"{base_url}/bank?q={qid}")
    click(editor, editor.get_by_role("button", name="Edit", exact=True))
    expect(editor.get_by_role("heading", name=f"Editing {qid}")).to_be_visible()
    keys = editor.get_by_role("checkbox", name="The key")
    expect(keys.nth(old)).to_be_checked()
    check(editor, keys.nth(right))
    click(editor, keys.nth(old).locator("xpath=ancestor::label[1]"))
    expect(keys.nth(old)).not_to_be_checked()
    expect(editor.get_by_text("No problems: resurface")).to_be_visible()
    # The new key may, say, be the longest option: a warning to accept, not a problem.
    check(editor, editor.get_by_role("checkbox", name=re.compile("^Save even with new")))
    click(editor, editor.get_by_role("button", name="Save", exact=True))
    expect(editor.get_by_text(f"Saved {qid} to")).to_be_visible()
    staff.close()
    after = path.read_text()
    assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    correct = [i for i, o in enumerate(load([banks]).entries[qid].question.options) if o.correct]
    assert correct == [right]


def test_a_corrected_key_turns_a_fail_into_a_pass(browser, context, page, base_url, people, banks):
    sign_in(page, base_url, "ann")
    open_app(page, f"{base_url}/quiz?attempt={people['attempt']}")
    click(page, page.get_by_role("button", name="Submit quiz…"))
    click(page, page.get_by_role("button", name="Submit now"))
    expect(page.get_by_text("Not passed")).to_be_visible()
    expect(page.get_by_text("76.6%").first).to_be_visible()

    correct_the_key(browser, base_url, banks, people["disputed"], people["key"], people["chosen"])
    # The trainer in a browser of their own (a context shares its cookie between its tabs).
    staff = browser.new_context(viewport=DESKTOP, timezone_id="Europe/London")
    staff.set_default_timeout(15_000)
    trainer = staff.new_page()
    sign_in(trainer, base_url, "tina")
    open_app(trainer, f"{base_url}/items?quiz={EXAM}")
    expect(trainer.get_by_text("Answered in an earlier version")).to_be_visible()
    click(trainer, trainer.get_by_role("button", name="Regrade…"))
    table = trainer.get_by_test_id("stDataFrame").filter(has_text="Ann Example")
    expect(table).to_be_visible()
    for text in ("76.6% → 80%", "Not passed → Passed", "Never → Current"):
        expect(table.get_by_text(text)).to_be_attached()  # the grid draws on a canvas
    shots = shoot(staff, trainer, "regrade-dry-run")
    trainer.get_by_label("Reason (the trainees read it with their results)").fill(REASON)
    click(trainer, trainer.get_by_role("button", name="Apply to 1 attempt"))
    expect(trainer.get_by_text("Regraded")).to_be_visible()
    expect(trainer.get_by_text("Answered in an earlier version")).to_have_count(0)
    staff.close()

    open_app(page, f"{base_url}/results?attempt={people['attempt']}")
    expect(page.get_by_text("Changed after submission")).to_be_visible()
    expect(page.get_by_text("score 76.6% → 80%; result Not passed → Passed")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    shots += shoot(context, page, "regrade-trainee-result")
    open_app(page, base_url)
    # The home page's certificate: earned (valid until a year after the exam), no longer "not
    # yet earned".
    expect(
        page.get_by_text(re.compile(r"^Laser resurfacing technician: valid until"))
    ).to_be_visible()
    expect(page.get_by_text("not yet earned")).to_have_count(0)
    shots += shoot(context, page, "regrade-trainee-home")
    assert all(shot.exists() for shot in shots)
