"""Report data read with the actor's permissions: who sees which trainees' responses."""

from __future__ import annotations

import pytest

from app import attempts, config, feedback, reports
from app.accounts import Forbidden
from app.bank import load

QUIZ = "quick-check"


@pytest.fixture(scope="module")
def catalogue():
    return load([config.quizzes_dir()])


def finish(engine, user, catalogue, answered: int) -> int:
    """Submit an attempt at QUIZ with the first ``answered`` questions answered right."""
    view = attempts.start(engine, user, catalogue.quizzes[QUIZ], catalogue)
    for state in view.questions[:answered]:
        key = feedback.key_of(state.presented.snapshot)
        attempts.save_answer(engine, user, view.id, state.presented.position, key)
    return attempts.submit(engine, user, view.id).id


@pytest.fixture
def done(fresh_db, people, catalogue) -> dict[str, int]:
    """ann and bob (north) and cat (south) each submitted one attempt; tina (a trainer) too."""
    return {
        name: finish(fresh_db, people[name], catalogue, answered)
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
