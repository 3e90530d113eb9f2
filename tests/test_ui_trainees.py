"""The trainers' pages: the Trainees dashboard, a trainee's record, and an attempt's review."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from ui_helpers import metric, open_page, shipped_catalogue, sign_in, submit_form, titles, values

from app import clock, comments
from app.bank import Catalogue
from app.ui import keys
from conftest import finish


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def done(ui, fresh_db, catalogue) -> dict[str, int]:
    """ann (north) passed quick-check; bob (north) scored 30%; cat (south) passed it too."""
    out = {}
    for name, right in (("ann", 10), ("bob", 3), ("cat", 10)):
        out[name] = finish(fresh_db, ui[name], catalogue, "quick-check", right)
    return out


def table(at) -> object:
    return at.dataframe(key=keys.DASH_TABLE).value


def test_a_trainer_sees_their_cohort_with_scores_and_charts(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    assert titles(at) == ["Trainees"]
    rows = table(at)
    assert sorted(rows["Username"]) == ["ann", "bob"]
    by_name = rows.set_index("Username")
    assert by_name.loc["ann", "Quick check: Best %"] == 100.0
    assert by_name.loc["bob", "Quick check: Latest %"] == 30.0
    assert metric(at, "Trainees") == "2"
    assert metric(at, "Certified now") == "0 of 2"
    assert len(at.get("vega_lite_chart")) >= 2  # the heatmap and a score distribution


def test_a_manager_filters_by_cohort_and_quiz(ui, done):
    at = open_page(sign_in("boss"), "trainees")
    assert sorted(table(at)["Username"]) == ["ann", "bob", "cat"]
    at.selectbox(key=keys.DASH_COHORT).set_value("south").run()
    assert table(at)["Username"].tolist() == ["cat"]
    at.selectbox(key=keys.DASH_QUIZ).set_value("certification-exam").run()
    rows = table(at)
    assert rows["Attempts"].tolist() == [0]
    assert {"Best %", "Latest %"} <= set(rows.columns)
    assert rows["Best %"].isna().all()


def test_a_date_range_without_attempts_shows_none(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    tomorrow = clock.now().date() + timedelta(days=2)
    at.date_input(key=keys.DASH_FROM).set_value(tomorrow).run()
    assert table(at)["Attempts"].tolist() == [0, 0]
    assert values(at.info)[:1] == ["No finished attempts in this selection yet."]


def test_a_trainer_does_not_get_a_cohort_filter(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    assert not [s for s in at.selectbox if s.key == keys.DASH_COHORT]


def test_picking_a_trainee_opens_their_record_and_an_attempt(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    at.selectbox(key=keys.DASH_PICK).set_value(ui["bob"].id).run()
    assert not at.exception
    assert titles(at) == ["bob"]
    assert any("Quick check" in m and "30%" in m for m in values(at.markdown))
    open_page(at, "review", attempt=done["bob"])
    assert titles(at) == ["Quick check"]
    assert metric(at, "Score") == "30%"
    assert len([m for m in values(at.markdown) if m.startswith("**Question ")]) == 10


def test_a_trainers_comment_reaches_the_trainees_results(ui, done):
    at = open_page(sign_in("tina"), "review", attempt=done["bob"])
    at.text_area(key=keys.comment_text(done["bob"], None)).input("Revise aftercare, then retry.")
    submit_form(at, keys.comment_form(done["bob"], None))
    at.text_area(key=keys.comment_text(done["bob"], 4)).input("Read the cited passage again.")
    submit_form(at, keys.comment_form(done["bob"], 4))
    assert "Comment on question 5 saved" in values(at.success)[0]
    shown = values(at.markdown)
    assert "Revise aftercare, then retry." in shown
    assert "Read the cited passage again." in shown

    bob = open_page(sign_in("bob"), "results", attempt=done["bob"])
    shown = values(bob.markdown)
    assert "##### Comments from your trainer" in shown
    assert "Revise aftercare, then retry." in shown
    assert any(m.startswith("**On question 5:**") for m in shown)


def test_an_empty_comment_is_refused_and_nothing_is_saved(ui, fresh_db, done):
    at = open_page(sign_in("tina"), "review", attempt=done["ann"])
    submit_form(at, keys.comment_form(done["ann"], None))
    assert values(at.error) == ["Comment not saved: write something before saving the comment."]
    assert comments.of_attempt(fresh_db, ui["tina"], done["ann"]) == []


def test_a_trainer_removes_their_comment(ui, fresh_db, done):
    note = comments.add(fresh_db, ui["tina"], done["ann"], "Typo in my note")
    at = open_page(sign_in("tina"), "review", attempt=done["ann"])
    at.button(key=keys.comment_remove(note.id)).click().run()
    assert values(at.success) == ["Comment removed."]
    assert comments.of_attempt(fresh_db, ui["tina"], done["ann"]) == []


def test_other_cohorts_attempts_and_records_are_not_shown(ui, done):
    at = open_page(sign_in("tom"), "review", attempt=done["ann"])
    assert values(at.error) == [f"There is no attempt {done['ann']} that you can open."]
    open_page(at, "trainee", user=ui["ann"].id)
    assert values(at.error) == [f"There is no trainee {ui['ann'].id} that you can open."]


@pytest.mark.parametrize("page", ["trainees", "trainee", "review"])
def test_trainees_are_refused_the_trainer_pages(ui, done, page):
    at = open_page(sign_in("ann"), page, user=ui["bob"].id, attempt=done["bob"])
    assert titles(at) == [f"Welcome, {ui['ann'].display_name}"]
    assert not at.dataframe
    assert not [m for m in values(at.markdown) if m.startswith("**Question ")]


def test_who_is_certified_and_their_scores_come_first_in_plain_words(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    rows = table(at)
    assert list(rows.columns[:4]) == [
        "Trainee",
        "Certification",
        "Quick check: Best %",
        "Quick check: Latest %",
    ]
    # The quick check certifies nothing: nobody is certified, in words (no emoji, which a
    # machine without an emoji font shows as boxes).
    assert rows["Certification"].tolist() == ["Never certified", "Never certified"]
    # ... and their "Certified until" is an empty cell shown as a dash, not "None".
    assert rows["Certified until"].isna().all()
    assert at.dataframe(key=keys.DASH_TABLE).proto.placeholder == "—"


def test_the_heatmap_reads_topic_names_across_untilted(ui, done):
    at = open_page(sign_in("tina"), "trainees")
    (heatmap,) = [c for c in at.get("vega_lite_chart") if "rect" in c.proto.spec]
    spec = json.loads(heatmap.proto.spec)
    encoding = spec["layer"][0]["encoding"]
    assert encoding["y"]["field"] == "topic"  # a topic's name down the side, never tilted
    assert encoding["x"]["axis"]["labelAngle"] == 0  # the trainees' names across the top
