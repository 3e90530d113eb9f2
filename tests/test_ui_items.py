"""The item analysis page through the real entry point: scope, switches, notices, one question."""

from __future__ import annotations

import pytest
from ui_helpers import metric, open_page, shipped_catalogue, sign_in, titles, values

from app.bank import Catalogue
from app.ui import keys
from conftest import finish

QUIZ = "quick-check"

# The UI tests sign in a lot; they test pages, not hashing costs.


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def done(ui, fresh_db, catalogue) -> None:
    """ann and bob (north) and cat (south) each submitted the quick check once."""
    for name, answered in (("ann", 10), ("bob", 3), ("cat", 5)):
        finish(fresh_db, ui[name], catalogue, QUIZ, answered)


def items_page(name: str, **params: object):
    at = open_page(sign_in(name), "items", **params)
    assert titles(at) == ["Item analysis"]
    return at


def question_tables(at):
    return [d.value for d in at.dataframe if "Facility" in d.value.columns]


def option_tables(at):
    return [d.value for d in at.dataframe if "Option" in d.value.columns]


def test_a_trainer_sees_their_own_cohort_only(done):
    at = items_page("tina", quiz=QUIZ)
    assert at.selectbox(key=keys.ITEMS_QUIZ).value == QUIZ
    assert metric(at, "Attempts") == "2"  # ann and bob, not cat
    assert metric(at, "Mean") == "65.0%"  # (100 + 30) / 2
    assert not [s for s in at.selectbox if s.key == keys.ITEMS_COHORT]
    assert any("cohort north" in c for c in values(at.caption))


def test_a_managers_cohort_filter_changes_the_figures(ui, done):
    at = items_page("boss", quiz=QUIZ)
    assert metric(at, "Attempts") == "3"
    cohort = at.selectbox(key=keys.ITEMS_COHORT)
    assert cohort.options == ["All cohorts", "north", "south"]
    cohort.set_value("south").run()
    assert metric(at, "Attempts") == "1"
    assert metric(at, "Mean") == "50.0%"
    assert any("cohort south" in c for c in values(at.caption))


def test_counting_all_attempts_instead_of_the_first(ui, fresh_db, catalogue, done):
    finish(fresh_db, ui["bob"], catalogue, QUIZ, 10)  # bob's second attempt, all right
    at = items_page("tina", quiz=QUIZ)
    assert at.segmented_control(key=keys.ITEMS_WHICH).value == "first"
    assert metric(at, "Attempts") == "2"
    at.segmented_control(key=keys.ITEMS_WHICH).set_value("all").run()
    assert metric(at, "Attempts") == "3"
    at.segmented_control(key=keys.ITEMS_WHICH).set_value("best").run()
    assert metric(at, "Attempts") == "2"
    assert metric(at, "Mean") == "100.0%"


def test_small_samples_are_marked_provisional_and_missing_figures_read_as_a_dash(done):
    at = items_page("tina", quiz=QUIZ)
    [notice] = values(at.warning)
    assert notice.startswith("Provisional: only 2 attempts counted; ")
    [table] = question_tables(at)
    assert set(table["Sample"]) == {"provisional"}
    # The quick check draws from pools, so reliability cannot be computed: a dash and the reason.
    assert metric(at, "Cronbach's alpha") == "—"
    assert metric(at, "SEM") == "—"
    assert any("drawn from a pool" in c for c in values(at.caption))
    assert "Alpha if deleted" not in table.columns


def test_flagged_questions_come_first_and_can_be_shown_alone(done):
    at = items_page("tina", quiz=QUIZ)
    [table] = question_tables(at)
    flagged = table["Flags"] != ""
    assert flagged.any()
    assert list(flagged) == sorted(flagged, reverse=True)
    at.toggle(key=keys.ITEMS_FLAGGED).set_value(True).run()
    [only] = question_tables(at)
    assert len(only) == flagged.sum()
    assert (only["Flags"] != "").all()


def test_picking_a_question_shows_its_stem_and_option_table(done, catalogue):
    at = items_page("tina", quiz=QUIZ)
    [table] = question_tables(at)
    single = [
        q for q, t in zip(table["Question"], table["Type"], strict=True) if t == "Single answer"
    ]
    qid = single[-1]
    assert at.selectbox(key=keys.ITEMS_QUESTION).value != qid
    at.selectbox(key=keys.ITEMS_QUESTION).set_value(qid).run()
    question = catalogue.entries[qid].question
    assert question.stem in values(at.markdown)
    [options] = option_tables(at)
    assert options["Answer"].tolist() == [*(o.text for o in question.options), "(no answer)"]
    assert options["Key"].tolist() == [*("✓" if o.correct else "" for o in question.options), ""]
    assert options["All"].sum() == pytest.approx(100)


def test_a_quiz_nobody_took_shows_an_empty_state(done):
    at = items_page("tina", quiz="certification-exam")
    assert values(at.info) == [
        "No trainee in cohort north has submitted Laser resurfacing certification exam yet, "
        "so there is nothing to analyse. Figures appear after the first submitted attempt."
    ]
    assert not at.metric
    assert not at.dataframe


def test_the_quiz_picker_writes_the_url_and_an_unknown_quiz_is_said(done):
    at = items_page("tina", quiz="no-such-quiz")
    assert values(at.warning)[0] == "There is no quiz 'no-such-quiz'. Pick one below."
    at.selectbox(key=keys.ITEMS_QUIZ).set_value(QUIZ).run()
    assert at.query_params["quiz"] == QUIZ
    assert metric(at, "Attempts") == "2"


def test_the_analysis_is_kept_until_refreshed(ui, fresh_db, catalogue, done):
    at = items_page("tina", quiz=QUIZ)
    finish(fresh_db, ui["bob"], catalogue, QUIZ, 10)
    at.segmented_control(key=keys.ITEMS_WHICH).set_value("all").run()
    assert metric(at, "Attempts") == "3"
    finish(fresh_db, ui["ann"], catalogue, QUIZ, 0)
    at.toggle(key=keys.ITEMS_FLAGGED).set_value(True).run()  # not a reason to recompute
    assert metric(at, "Attempts") == "3"
    at.button(key=keys.ITEMS_REFRESH).click().run()
    assert metric(at, "Attempts") == "4"


def test_a_trainee_is_refused(ui, done):
    at = open_page(sign_in("ann"), "items", quiz=QUIZ)
    assert titles(at) == [f"Welcome, {ui['ann'].display_name}"]
    assert "Item analysis" not in titles(at)
    assert not [m for m in at.metric if m.label == "Attempts"]
    assert not question_tables(at)


def test_the_attempts_counted_stay_in_the_url_over_a_reload(ui, fresh_db, catalogue, done):
    finish(fresh_db, ui["bob"], catalogue, QUIZ, 10)  # bob's second attempt
    at = items_page("tina", quiz=QUIZ)
    at.segmented_control(key=keys.ITEMS_WHICH).set_value("all").run()
    assert at.query_params["counted"] == "all"
    # A reload is a new session from that URL: the choice is read back from it.
    again = items_page("tina", quiz=QUIZ, counted="all")
    assert again.segmented_control(key=keys.ITEMS_WHICH).value == "all"
    assert metric(again, "Attempts") == "3"
    unknown = items_page("tina", quiz=QUIZ, counted="nonsense")
    assert unknown.segmented_control(key=keys.ITEMS_WHICH).value == "first"


def test_the_figures_are_explained_in_plain_words_where_they_appear(done):
    at = items_page("tina", quiz=QUIZ)
    said = "\n".join(values(at.caption))
    for term in ("Facility", "Discrimination", "Alpha if deleted"):
        assert f"**{term}**: " in said, term
    assert "nobody got it right" in said
    assert "how consistent the quiz would be without this question" in said
