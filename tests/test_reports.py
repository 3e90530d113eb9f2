"""Report data read with the actor's permissions: who sees which trainees' responses."""

from __future__ import annotations

import pytest

from app import attempts, config, reports
from app.accounts import Forbidden
from app.bank import load
from conftest import finish

QUIZ = "quick-check"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


@pytest.fixture
def done(fresh_db, people, catalogue) -> dict[str, int]:
    """ann and bob (north) and cat (south) each submitted one attempt; tina (a trainer) too."""
    return {
        name: finish(fresh_db, people[name], catalogue, QUIZ, answered)
        for name, answered in (("ann", 10), ("bob", 3), ("cat", 5), ("tina", 10))
    }


def test_a_trainer_gets_the_responses_of_their_own_cohorts_trainees(fresh_db, people, done):
    frame = reports.quiz_responses(fresh_db, people["tina"], QUIZ)
    assert list(frame.columns) == reports.RESPONSE_COLUMNS
    assert set(frame["attempt_id"]) == {done["ann"], done["bob"]}
    assert len(frame) == 20  # ten questions each, answered or not


def test_unanswered_questions_score_zero_and_have_no_choice(fresh_db, people, done):
    frame = reports.quiz_responses(fresh_db, people["tina"], QUIZ)
    bob = frame[frame["attempt_id"] == done["bob"]].sort_values("position")
    assert bob["points"].tolist() == [1.0] * 3 + [0.0] * 7
    assert bob["choice"].iloc[3:].isna().all()


def test_a_manager_sees_every_trainee_or_one_cohort(fresh_db, people, done):
    everyone = reports.quiz_responses(fresh_db, people["boss"], QUIZ)
    assert set(everyone["attempt_id"]) == {done["ann"], done["bob"], done["cat"]}
    south = reports.quiz_responses(fresh_db, people["boss"], QUIZ, cohort="south")
    assert set(south["attempt_id"]) == {done["cat"]}


@pytest.mark.parametrize(("who", "cohort"), [("ann", None), ("tina", "south")])
def test_trainees_and_other_cohorts_are_refused(fresh_db, people, done, who, cohort):
    with pytest.raises(Forbidden):
        reports.quiz_responses(fresh_db, people[who], QUIZ, cohort=cohort)


def test_single_choice_and_true_false_answers_become_choices(fresh_db, people, done):
    frame = reports.quiz_responses(fresh_db, people["boss"], QUIZ, cohort="north")
    ann = frame[frame["attempt_id"] == done["ann"]]
    picked = ann["choice"].dropna()
    assert len(picked) >= 1
    assert all(isinstance(c, bool | int) for c in picked)


def test_item_analysis_names_options_by_letter_with_their_wording(
    fresh_db, people, done, catalogue
):
    result = reports.item_analysis(fresh_db, people["boss"], QUIZ, catalogue)
    assert result.summary["attempts"] == 3
    assert len(result.items) == result.summary["items"] >= 10  # drawn from pools: more than 10
    assert list(result.items.columns[:3]) == ["topic", "type", "stem"]
    single = result.items[result.items["type"] == "single"].index[0]
    rows = result.distractors[result.distractors["qid"] == single]
    question = catalogue.entries[single].question
    letters = [reports.option_label(i) for i in range(len(question.options))]
    assert rows["option"].tolist() == [*letters, "no answer"]
    assert rows["text"].tolist()[:-1] == [o.text for o in question.options]
    assert rows["is_key"].tolist()[:-1] == [o.correct for o in question.options]
    # every attempt that drew the question counts once, answered or not
    assert rows["n"].sum() == result.items.loc[single, "responses"]


def test_item_analysis_counts_each_trainees_first_attempt_unless_told_otherwise(
    fresh_db, people, done, catalogue
):
    finish(fresh_db, people["bob"], catalogue, QUIZ, 10)  # bob's second attempt: all right
    first = reports.item_analysis(fresh_db, people["tina"], QUIZ, catalogue)
    every = reports.item_analysis(fresh_db, people["tina"], QUIZ, catalogue, which="all")
    best = reports.item_analysis(fresh_db, people["tina"], QUIZ, catalogue, which="best")
    assert (first.summary["attempts"], every.summary["attempts"], best.summary["attempts"]) == (
        2,
        3,
        2,
    )
    assert first.summary["mean_percent"] == pytest.approx((100 + 30) / 2)
    assert best.summary["mean_percent"] == pytest.approx(100)


def test_item_analysis_of_a_quiz_nobody_took_is_empty(fresh_db, people, catalogue):
    result = reports.item_analysis(fresh_db, people["boss"], QUIZ, catalogue)
    assert result.empty
    assert result.summary["attempts"] == 0
    assert result.distractors.empty


def test_item_analysis_is_refused_to_trainees(fresh_db, people, done, catalogue):
    with pytest.raises(Forbidden):
        reports.item_analysis(fresh_db, people["ann"], QUIZ, catalogue)


def test_an_attempt_submitted_while_the_report_reads_is_left_out_whole(
    fresh_db, people, catalogue, monkeypatch
):
    from app.store import attempts as store

    attempts.start(fresh_db, people["bob"], catalogue.quizzes[QUIZ], catalogue)  # the lower id
    ann = finish(fresh_db, people["ann"], catalogue, QUIZ, 10)
    read_rows = store._driver_rows
    late = []

    def submit_then_read(conn, query):
        # Between the query for the submitted attempts and the one for their questions.
        late.append(finish(fresh_db, people["bob"], catalogue, QUIZ, 3))
        return read_rows(conn, query)

    monkeypatch.setattr(store, "_driver_rows", submit_then_read)
    frame = reports.quiz_responses(fresh_db, people["tina"], QUIZ)
    assert late[0] < ann
    assert set(frame["attempt_id"]) == {ann}
    assert len(frame) == 10
    assert frame["submitted_at"].notna().all()
