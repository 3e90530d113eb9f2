"""The Pass mark page through the real app: a trainer rates the exam's questions, sees the raters
and, once two have rated every question, the recommended mark and its effect on past attempts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ui_helpers import metric, open_page, shipped_catalogue, sign_in, titles, values, widget_keys

from app import config, passmark
from app.bank import Catalogue
from app.ui import keys
from conftest import finish

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture(scope="module")
def pool(catalogue) -> tuple[str, ...]:
    return passmark.pool(catalogue.quizzes[EXAM], catalogue)


def page(username: str):
    return open_page(sign_in(username), "passmark")


def test_a_trainer_saves_estimates_and_sees_them_counted(ui, fresh_db, catalogue, pool):
    at = page("tina")
    assert titles(at) == ["Pass mark"]
    assert at.selectbox(key=keys.PASSMARK_QUIZ).value == EXAM
    assert "Nobody has rated this exam's questions yet." in values(at.info)
    assert any(
        c.startswith(f"You have rated 0 of {len(pool)} questions.") for c in values(at.caption)
    )
    at.number_input(key=keys.passmark_rating(EXAM, pool[0])).set_value(70.0)
    at.number_input(key=keys.passmark_rating(EXAM, pool[1])).set_value(45.0)
    at.button(key=keys.PASSMARK_SAVE).click().run()
    assert not at.exception
    assert "Saved your estimates for 2 question(s)." in values(at.success)
    view = passmark.standing(fresh_db, ui["tina"], catalogue, EXAM)
    assert dict(view.mine) == {pool[0]: 0.7, pool[1]: 0.45}
    # The page reads them back: the raters table counts two of the pool.
    again = page("tina")
    assert again.number_input(key=keys.passmark_rating(EXAM, pool[0])).value == 70.0
    raters = again.dataframe[0].value
    assert raters.to_dict("records") == [
        {"Rater": "tina", "Rated": f"2 of {len(pool)}", "Average": "-"}
    ]


def test_two_full_raters_give_the_recommended_mark_and_its_impact(ui, fresh_db, catalogue, pool):
    finish(fresh_db, ui["ann"], catalogue, EXAM, right=24)  # north, 80%
    finish(fresh_db, ui["bob"], catalogue, EXAM, right=21)  # north, 70%
    passmark.rate(fresh_db, ui["tina"], catalogue, EXAM, dict.fromkeys(pool, 0.6))
    passmark.rate(fresh_db, ui["boss"], catalogue, EXAM, dict.fromkeys(pool, 0.8))
    at = page("tina")
    # Cut scores 60 and 80: recommended 70, spread sqrt(200) = 14.14, standard error 10.
    assert metric(at, "Pass mark now") == "80%"
    assert metric(at, "Recommended") == "70%"
    assert metric(at, "Spread between raters") == "± 14.14 points"
    assert metric(at, "Standard error") == "± 10 points"
    impact = at.dataframe[0].value.to_dict("records")
    assert impact == [
        {"Cohort": "north", "Attempts": 2, "Pass rate now": "50%", "At the recommended mark": "100%"},
        {"Cohort": "All cohorts", "Attempts": 2, "Pass rate now": "50%", "At the recommended mark": "100%"},
    ]  # fmt: skip


def test_a_rating_out_of_range_cannot_be_typed_and_trainees_cannot_open_the_page(ui, pool):
    at = page("tina")
    box = at.number_input(key=keys.passmark_rating(EXAM, pool[0]))
    assert (box.min, box.max) == (0.0, 100.0)
    trainee = open_page(sign_in("ann"), "passmark")
    assert "Pass mark" not in titles(trainee)


def test_a_manager_adopts_the_mark_into_a_copy_of_the_banks(
    ui, fresh_db, catalogue, pool, tmp_path, monkeypatch
):
    content = Path(shutil.copytree(config.quizzes_dir(), tmp_path / "quizzes"))
    monkeypatch.setenv("RESURFACE_QUIZZES", str(content))  # never the shipped quizzes/
    passmark.rate(fresh_db, ui["tina"], catalogue, EXAM, dict.fromkeys(pool, 0.6))
    passmark.rate(fresh_db, ui["boss"], catalogue, EXAM, dict.fromkeys(pool, 0.8))
    trainer = page("tina")
    assert keys.PASSMARK_ADOPT_MARK not in widget_keys(trainer)  # managers only
    at = page("boss")
    box = at.number_input(key=keys.PASSMARK_ADOPT_MARK)
    assert box.value == 70.0  # the recommended mark, to start from
    box.set_value(72.5)
    at.button(key=keys.PASSMARK_ADOPT).click().run()
    assert not at.exception
    assert values(at.success) == [
        "The pass mark of Laser resurfacing certification exam is now 72.5% (was 80%). "
        "Attempts already started keep theirs."
    ]
    assert metric(at, "Pass mark now") == "72.5%"
    assert "    pass_mark: 72.5\n" in (content / "quizzes.yaml").read_text(encoding="utf-8")
    assert "    pass_mark: 80\n" in (config.quizzes_dir() / "quizzes.yaml").read_text(
        encoding="utf-8"
    )  # the shipped file untouched
