"""Regrade and void on the Item analysis page, and what the trainee reads on the results page.

The exam and answers are those of test_regrade (regrade_support): ann 3/5 (fail), bob 4/5 and
cat 4/5 (passes); then care-q-00's key is corrected on disk from A to B.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from regrade_support import loaded, write_content
from ui_helpers import open_page, sign_in, titles, values

from app import attempts, clock, config, regrade, useradmin
from app.bank import load
from app.store.tables import attempts as attempts_table
from app.ui import keys

QIDS = [f"care-q-{n:02d}" for n in range(5)]
A, B = 0, 1
ANSWERS = {"ann": [B, A, A, A, B], "bob": [A, A, A, A, B], "cat": [B, A, A, A, A]}


@pytest.fixture
def exam(ui, fresh_db, tmp_path, monkeypatch) -> dict[str, int]:
    """The three attempts under the first version, then the key corrected on disk."""
    root = write_content(tmp_path / "quizzes")
    v1 = loaded(root)
    monkeypatch.setenv("RESURFACE_QUIZZES", str(root))
    monkeypatch.setenv("RESURFACE_SOURCES", str(root.parent / "seeds"))
    ids = {}
    began = clock.now() - timedelta(hours=1)
    for name, picks in ANSWERS.items():
        view = attempts.start_questions(fresh_db, ui[name], v1.quizzes["exam"], QIDS, v1, began)
        for position, pick in enumerate(picks):
            attempts.save_answer(fresh_db, ui[name], view.id, position, pick, began)
        ids[name] = attempts.submit(fresh_db, ui[name], view.id, began + timedelta(minutes=5)).id
    write_content(root, keys={0: B})
    return ids


def items(name: str):
    at = open_page(sign_in(name), "items", quiz="exam")
    assert titles(at) == ["Item analysis"]
    return at


def dry_run(at) -> list[dict]:
    return [
        row
        for d in at.dataframe
        if "Trainee" in d.value.columns
        for row in d.value.to_dict("records")
    ]


def test_a_trainer_sees_the_dry_run_and_applies_it_with_a_reason(exam, fresh_db):
    at = items("tina")
    assert any("2 attempts answered an earlier version" in c for c in values(at.caption))
    at.button(key=keys.regrade_open("care-q-00")).click().run()
    rows = dry_run(at)
    assert {r["Trainee"]: (r["Score"], r["Result"], r["Certification"]) for r in rows} == {
        "ann": ("60% → 80%", "Not passed → Passed", "Never → Current"),
        "bob": ("80% → 60%", "Passed → Not passed", "Current → Never"),
    }
    # No reason: refused, nothing saved, the panel still open.
    at.button(key=keys.REGRADE_APPLY).click().run()
    assert any("needs a reason" in e for e in values(at.error))
    assert dry_run(at)
    at.text_area(key=keys.REGRADE_REASON).input("The leaflet says B; the key said A.")
    at.button(key=keys.REGRADE_APPLY).click().run()
    assert any("Regraded care-q-00: 2 attempt(s)" in s for s in values(at.success))
    assert not dry_run(at)
    with fresh_db.connect() as conn:
        passed = dict(
            conn.execute(
                attempts_table.select()
                .with_only_columns(attempts_table.c.id, attempts_table.c.passed)
                .where(attempts_table.c.id.in_([exam["ann"], exam["bob"]]))
            ).all()
        )
    assert passed == {exam["ann"]: True, exam["bob"]: False}


def test_a_trainer_deactivated_after_the_dry_run_applies_nothing(exam, fresh_db, ui):
    at = items("tina")
    at.button(key=keys.regrade_open("care-q-00")).click().run()
    at.text_area(key=keys.REGRADE_REASON).input("Key corrected")
    useradmin.set_active(fresh_db, ui["boss"], "tina", False)
    at.button(key=keys.REGRADE_APPLY).click().run()
    assert not at.exception
    assert not dry_run(at)  # signed out, and nothing applied
    with fresh_db.connect() as conn:
        row = (
            conn.execute(attempts_table.select().where(attempts_table.c.id == exam["ann"]))
            .mappings()
            .one()
        )
    assert row["regraded_at"] is None


def test_the_trainee_reads_what_changed_and_why(exam, fresh_db, ui):
    cat = load([config.quizzes_dir()], sources_dir=config.sources_dir())
    regrade.apply(fresh_db, ui["tina"], cat, "exam", "care-q-00", "The leaflet says **B**.")
    at = open_page(sign_in("ann"), "results", attempt=exam["ann"])
    shown = values(at.markdown)
    assert "##### Changed after submission" in shown
    assert (
        "Question 1 was regraded against its corrected key: score 60% → 80%; "
        "result Not passed → Passed."
    ) in shown
    # The reason as typed: its asterisks are escaped, so they show instead of making bold.
    assert "**Why:** The leaflet says **B**." in shown
    assert any(r"says \*\*B\*\*" in m.value for m in at.markdown)


def test_a_manager_voids_a_question_and_a_trainer_cannot(exam, fresh_db):
    at = items("tina")
    at.selectbox(key=keys.ITEMS_QUESTION).set_value("care-q-04").run()
    assert not [b for b in at.button if b.key == keys.void_open("care-q-04")]
    at = items("boss")
    at.selectbox(key=keys.ITEMS_QUESTION).set_value("care-q-04").run()
    at.button(key=keys.void_open("care-q-04")).click().run()
    at.radio(key=keys.VOID_HOW).set_value("drop").run()
    rows = dry_run(at)
    assert {r["Trainee"]: (r["Points"], r["Result"]) for r in rows} == {
        "ann": ("3 of 5 → 3 of 4", "Not passed"),
        "bob": ("4 of 5 → 4 of 4", "Passed"),
        "cat": ("4 of 5 → 3 of 4", "Passed → Not passed"),
    }
    at.text_area(key=keys.VOID_REASON).input("Not in the syllabus")
    at.button(key=keys.VOID_APPLY).click().run()
    assert any(
        "Voided care-q-04 (left out of the total): 3 attempt(s)" in s for s in values(at.success)
    )
