"""The question bank page: browse and filter, preview with statistics, coverage, bank problems."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
from ui_helpers import open_page, shipped_catalogue, sign_in, titles, values, widget_keys

from app import attempts, config, feedback
from app.bank import Catalogue
from app.ui import keys

# The UI tests sign in a lot; they test pages, not hashing costs.

BROKEN_BANK = "aftercare.yaml"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def table(at, column: str) -> pd.DataFrame:
    """The one table on the page with this column."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def questions_table(at) -> pd.DataFrame:
    return table(at, "Stem")


def shown_count(at) -> str:
    return next(m for m in values(at.markdown) if m.startswith("**") and " of " in m)


def previewed(at) -> str:
    return at.selectbox(key=keys.BANK_PICK).value


@pytest.mark.parametrize("name", ["tina", "boss"])
def test_trainers_and_managers_browse_and_filter_the_bank(ui, catalogue, name):
    at = open_page(sign_in(name), "bank")
    assert titles(at) == ["Question bank"]
    total = len(catalogue.entries)
    assert shown_count(at) == f"**{total}** of {total} questions"
    assert len(questions_table(at)) == total
    assert not at.warning, "the shipped banks have no problems"

    at.multiselect(key=keys.BANK_TOPICS).set_value(["aftercare"]).run()
    aftercare = [q for q, e in catalogue.entries.items() if e.topic == "aftercare"]
    assert list(questions_table(at)["ID"]) == aftercare
    assert set(questions_table(at)["Topic"]) == {"Aftercare"}
    assert at.selectbox(key=keys.BANK_PICK).options[0].startswith(aftercare[0])
    assert previewed(at) == aftercare[0], "the preview moves into what is shown"

    at.button_group(key=keys.BANK_TYPES).set_value(["true_false"]).run()
    expected = [q for q in aftercare if catalogue.entries[q].question.type == "true_false"]
    assert 0 < len(expected) < len(aftercare)
    assert list(questions_table(at)["ID"]) == expected
    assert set(questions_table(at)["Type"]) == {"True / false"}

    at.button(key=keys.BANK_CLEAR).click().run()
    assert len(questions_table(at)) == total
    assert at.multiselect(key=keys.BANK_TOPICS).value == []


def test_text_search_and_difficulty_narrow_the_list(ui, catalogue):
    at = open_page(sign_in("tina"), "bank")
    qid = next(q for q, e in catalogue.entries.items() if e.question.difficulty == 3)
    at.text_input(key=keys.BANK_SEARCH).input(qid).run()
    assert list(questions_table(at)["ID"]) == [qid]
    at.button_group(key=keys.BANK_DIFFICULTY).set_value([1]).run()
    assert values(at.info) == ["No question matches these filters."]
    assert not [d for d in at.dataframe if "Stem" in d.value.columns]
    assert not [s for s in at.selectbox if s.key == keys.BANK_PICK], "nothing to preview"


def test_preview_shows_the_question_its_answer_explanation_and_citations(ui, catalogue):
    qid, entry = next(
        (q, e) for q, e in catalogue.entries.items() if e.case and e.question.type == "single"
    )
    q = entry.question
    at = open_page(sign_in("tina"), "bank")
    at.selectbox(key=keys.BANK_PICK).set_value(qid).run()
    assert previewed(at) == qid
    assert at.query_params["q"] == qid
    shown = values(at.markdown)
    assert f"#### {q.stem}" in shown
    assert f"**Case: {entry.case.title}**" in shown, "the vignette, as in a quiz"
    assert q.explanation in shown
    right = next(o.text for o in q.options if o.correct)
    assert any(right in m and "right answer" in m for m in shown)
    for source in q.sources:
        title = catalogue.sources[source.doc].title
        assert f":material/menu_book: **{title}**: “{source.quote}”" in values(at.caption)
    assert any(f"`{entry.file}:{entry.line}`" in c for c in values(at.caption))


def test_previous_next_and_deep_links_choose_the_preview(ui, catalogue):
    ids = list(catalogue.entries)
    at = open_page(sign_in("boss"), "bank", q=ids[5])
    assert previewed(at) == ids[5]
    at.button(key=keys.BANK_NEXT).click().run()
    assert previewed(at) == ids[6]
    assert at.query_params["q"] == ids[6]
    at.button(key=keys.BANK_PREV).click().run()
    at.button(key=keys.BANK_PREV).click().run()
    assert previewed(at) == ids[4]
    open_page(at, "bank", q="no-such-question")
    assert previewed(at) == ids[4], "an unknown id in a link is ignored"


@pytest.fixture
def ann_answered(fresh_db, ui, catalogue) -> list[str]:
    """ann (north) submitted practice-aftercare, every question right; its question ids."""
    user = ui["ann"]
    view = attempts.start(fresh_db, user, catalogue.quizzes["practice-aftercare"], catalogue)
    for state in view.questions:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(fresh_db, user, view.id, state.presented.position, key)
    attempts.submit(fresh_db, user, view.id)
    return [s.presented.snapshot.qid for s in view.questions]


@pytest.mark.parametrize("name", ["tina", "boss"])
def test_preview_shows_item_statistics_per_quiz(ui, catalogue, ann_answered, name):
    # A practice question outside any case: the quick check (one aftercare question) can draw it
    # too, the certification exam never (it draws secure questions only).
    qid = next(q for q in ann_answered if catalogue.entries[q].case is None)
    at = open_page(sign_in(name), "bank", q=qid)
    assert previewed(at) == qid
    stats = table(at, "Facility")
    title = {q.id: q.title for q in catalogue.quizzes.values()}
    assert set(stats.index) == {
        title["quick-check"],
        title["practice-aftercare"],
    }, "every quiz that can draw it"
    practice = stats.loc[title["practice-aftercare"]]
    assert (practice["Responses"], practice["Facility"]) == (1, "1.00")
    assert practice["Discrimination"] == "-", "one response cannot discriminate"
    assert bool(practice["Provisional"])
    assert stats.loc[title["quick-check"], "Responses"] == 0
    assert stats.loc[title["quick-check"], "Facility"] == "-"
    flags = [m for m in values(at.markdown) if m.startswith(":material/flag:")]
    assert len(flags) == 1
    assert flags[0].startswith(
        f":material/flag: **{title['practice-aftercare']}**: too easy: p=1.00 > 0.95"
    )


def test_a_trainer_sees_statistics_of_their_own_cohort_only(ui, catalogue, ann_answered):
    at = open_page(sign_in("tom"), "bank", q=ann_answered[0])  # south; ann is north
    assert previewed(at) == ann_answered[0]
    assert not [d for d in at.dataframe if "Facility" in d.value.columns]
    [info] = values(at.info)
    assert info.startswith("No trainee has answered this question yet. Quizzes that can draw it: ")
    assert catalogue.quizzes["practice-aftercare"].title in info


def test_coverage_tables(ui, catalogue):
    at = open_page(sign_in("tina"), "bank")
    assert [t.label for t in at.tabs] == ["Browse", "Coverage", "Problems"]
    by_type = table(at, "Single answer")
    assert by_type.loc["Total", "Total"] == len(catalogue.entries)
    assert list(by_type.index) == [t.title for t in catalogue.topics.values()] + ["Total"]
    by_level = table(at, "1 · recall")
    assert by_level.loc["Total", "Total"] == len(catalogue.entries)
    docs = table(at, "Questions citing")
    assert list(docs.index) == [s.title for s in catalogue.sources.values()]
    assert (docs["Questions citing"] > 0).all()
    assert "Every source document is cited by at least one question." in values(at.caption)
    assert len(table(at, "Can draw from")) == len(catalogue.quizzes)
    assert values(at.success) == ["No problems: every content file is valid."]


def test_trainee_is_refused(ui):
    at = sign_in("ann")
    open_page(at, "bank")
    assert titles(at) == [f"Welcome, {ui['ann'].display_name}"]
    assert "Question bank" not in titles(at)
    assert not {k for k in widget_keys(at) if k.startswith("bank.")}
    assert not [d for d in at.dataframe if "Stem" in d.value.columns]


def test_a_broken_bank_file_is_listed_and_revalidation_clears_it(
    ui, monkeypatch, tmp_path, catalogue
):
    content = tmp_path / "quizzes"
    shutil.copytree(config.PROJECT_ROOT / "quizzes", content)
    bank = content / "banks" / BROKEN_BANK
    good = bank.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    # Same length, so the fixed file below has the very size and time of the broken one.
    broken_at = next(i for i, line in enumerate(lines) if line.startswith("  - id: "))
    lines[broken_at] = lines[broken_at].replace("  - id: ", "  - id: [", 1)[:-2] + "\n"
    bank.write_text("".join(lines), encoding="utf-8")
    assert len(bank.read_bytes()) == len(good.encode())
    monkeypatch.setenv("RESURFACE_QUIZZES", str(content))

    at = open_page(sign_in("tina"), "bank")
    listed = [c for c in values(at.code) if "quizzes/" in c]
    assert len(listed) == 1
    problems = listed[0].splitlines()
    # The parser notices an unclosed bracket on the line after it.
    assert problems[0] == (
        f"quizzes/banks/{BROKEN_BANK}:{broken_at + 2}: bank: invalid YAML: "
        "did not find expected ',' or ']'"
    )
    shown = [m for m in values(at.markdown) if m.startswith("- `")]
    assert shown == ["\n".join(f"- `{p}`" for p in problems)]
    assert f"{len(problems)} problems in the content files" in values(at.warning)[0]
    left = len(catalogue.entries) - sum(e.topic == "aftercare" for e in catalogue.entries.values())
    assert shown_count(at) == f"**{left}** of {left} questions", "the other banks still show"
    assert len(questions_table(at)) == left

    stat = os.stat(bank)
    bank.write_text(good, encoding="utf-8")
    os.utime(bank, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    open_page(at, "bank")
    # (The Export bank's notes are code blocks too; the content problems are those naming a file.)
    assert [c for c in values(at.code) if "quizzes/" in c] == listed, "nothing looks changed yet"

    at.button(key=keys.BANK_REVALIDATE).click().run()
    assert not at.exception
    assert not [c for c in values(at.code) if "quizzes/" in c]
    assert values(at.success)[0].startswith("Checked ")
    assert values(at.success)[0].endswith(
        f": {len(catalogue.entries)} questions in {len(catalogue.banks)} banks, "
        f"{len(catalogue.quizzes)} quizzes, no problems."
    )
    assert "No problems: every content file is valid." in values(at.success)
    assert len(questions_table(at)) == len(catalogue.entries)
