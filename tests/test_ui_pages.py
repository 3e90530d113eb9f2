"""Every page for every role, through the real entry point: sign-in, deep links, refusals, sign-out."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from ui_helpers import (
    fill_sign_in,
    metric,
    new_session,
    open_page,
    shipped_catalogue,
    sign_in,
    titles,
    values,
)

from app import attempts, clock, throttle, useradmin, websession
from app.bank import Catalogue
from app.permissions import may_open
from app.ui import keys
from conftest import PW, clock_at

ROLE_USER = {"trainee": "ann", "trainer": "tina", "manager": "boss"}
PAGE_TITLES = {"trainees": "Trainees", "users": "Users", "exports": "Exports", "audit": "Audit log"}


# The UI tests sign in a lot; they test pages, not hashing costs.


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@pytest.fixture
def ann_done(fresh_db, people, catalogue) -> list[int]:
    """Two practice attempts ann submitted without answering: every question a mistake."""
    quiz = catalogue.quizzes["practice-aftercare"]
    done = []
    for _ in range(2):
        view = attempts.start(fresh_db, people["ann"], quiz, catalogue)
        done.append(attempts.submit(fresh_db, people["ann"], view.id).id)
    return done


def assert_signed_out(at) -> None:
    assert titles(at) == ["Resurface"]
    assert at.text_input(key=keys.SIGNIN_USERNAME)
    assert not [b for b in at.button if b.key == keys.SIGN_OUT]


@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
def test_every_page_renders_for_every_role(ui, fresh_db, catalogue, ann_done, role):
    user = ui[ROLE_USER[role]]
    exam = catalogue.quizzes["certification-exam"]
    own_open = attempts.start(fresh_db, user, exam, catalogue).id
    at = sign_in(user.username)

    open_page(at, "home")
    assert titles(at) == [f"Welcome, {user.display_name}"]
    assert at.button(key=keys.home_start("quick-check"))

    open_page(at, "history")
    assert titles(at) == ["History"]
    assert at.button(key=keys.HISTORY_MISTAKES)
    # Only ann has finished attempts: each is listed with its quiz and a Review link.
    listed = [m for m in values(at.markdown) if m.startswith("**Practice: Aftercare**")]
    assert bool(listed) == (role == "trainee")
    assert ("##### Attempts" in values(at.markdown)) == (role == "trainee")

    open_page(at, "quiz")
    assert values(at.warning) == ["No attempt chosen. Start or resume a quiz from your home page."]

    open_page(at, "quiz", attempt=own_open)
    assert values(at.subheader) == [exam.title]
    assert at.button(key=keys.QUIZ_NEXT)
    assert any(re.search(r"<b>\d\d:\d\d</b> left", h.value) for h in at.html), "countdown"

    open_page(at, "results")
    assert values(at.warning) == ["No attempt chosen. Your attempts are listed under History."]

    open_page(at, "results", attempt=ann_done[0])  # ann's own, or a trainee of theirs
    assert metric(at, "Score") == "0%"
    assert metric(at, "Result") == "Not passed"
    who = "You scored" if role == "trainee" else "Scored"
    assert values(at.error) == [f"{who} 0% against a pass mark of 70%."]
    asked = sum(d.count for d in catalogue.quizzes["practice-aftercare"].draw)
    assert len(at.expander) == asked, "practice quizzes review every question"

    for page, title in PAGE_TITLES.items():
        open_page(at, page)
        if may_open(user, page):
            assert titles(at) == [title]
            # Exports lists its columns as text now (it wraps on a phone); its content is the choice.
            assert at.radio(key=keys.EXPORT_KIND) if page == "exports" else at.dataframe
        else:
            assert title not in titles(at)
            assert not at.dataframe
            assert not any(r.key == keys.EXPORT_KIND for r in at.radio)


@pytest.mark.parametrize(
    ("name", "page"),
    [("ann", "users"), ("ann", "trainees"), ("tina", "exports"), ("tina", "audit")],
)
def test_forbidden_page_is_refused(ui, name, page):
    at = sign_in(name)
    open_page(at, page)
    assert PAGE_TITLES[page] not in titles(at)
    assert not at.dataframe
    # The page is not in this role's navigation, so Streamlit opens the default page instead.
    assert titles(at) == [f"Welcome, {ui[name].display_name}"]


def test_trainer_sees_their_trainees_only(ui):
    at = open_page(sign_in("tina"), "trainees")
    table = at.dataframe[0].value
    assert sorted(table["Username"]) == ["ann", "bob"]


def test_attempt_of_someone_you_may_not_see_is_not_shown(ui, ann_done):
    at = sign_in("tom")  # trainer of the south cohort; ann is north
    open_page(at, "results", attempt=ann_done[0])
    assert values(at.error) == [f"There is no attempt {ann_done[0]} that you can open."]
    assert not at.metric
    open_page(at, "quiz", attempt=ann_done[0])
    assert values(at.error) == [f"There is no attempt {ann_done[0]} that you can open."]


def test_open_attempt_of_a_trainee_is_not_opened_for_answering(ui, fresh_db, catalogue):
    view = attempts.start(fresh_db, ui["ann"], catalogue.quizzes["quick-check"], catalogue)
    at = sign_in("tina")
    open_page(at, "quiz", attempt=view.id)
    assert values(at.info) == ["This attempt is still open."]
    assert not at.radio
    assert not at.page_link, "only its owner may resume it"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("ann", "not the password", "Wrong username or password."),
        ("nobody", PW, "Wrong username or password."),
        ("bob", PW, "This account has been deactivated; ask a manager."),
        ("ann", "", "Enter your username and password."),
    ],
    ids=["wrong-password", "unknown-user", "deactivated", "empty"],
)
def test_sign_in_refusal_says_why(ui, fresh_db, username, password, message):
    useradmin.set_active(fresh_db, ui["boss"], "bob", False)
    at = fill_sign_in(new_session(), username, password)
    assert not at.exception
    assert values(at.error) == [message]
    assert_signed_out(at)


def test_sign_in_slows_down_after_repeated_wrong_passwords(ui):
    at = new_session()
    start = clock.now()
    with clock_at(start):
        for _ in range(throttle.FREE["account"]):
            fill_sign_in(at, "ann", "not the password")
            assert values(at.error) == ["Wrong username or password."]
        fill_sign_in(at, "ann", PW)  # at once: not even checked
    assert not at.exception
    assert values(at.error) == [
        "Too many failed sign-ins from this computer: wait 1 second, then try again. If you "
        "have forgotten your password, ask your trainer or a manager to reset it."
    ]
    assert_signed_out(at)
    with clock_at(start + timedelta(seconds=5)):  # the wait (from the fifth failure) is over
        fill_sign_in(at, "ann", PW)
    assert not at.error
    assert at.button(key=keys.SIGN_OUT), "signed in once the wait was over"


def test_deactivated_user_is_signed_out_on_the_next_run(ui, fresh_db):
    at = sign_in("ann")
    useradmin.set_active(fresh_db, ui["boss"], "ann", False)
    open_page(at, "history")
    assert_signed_out(at)


def test_sign_out_returns_to_sign_in_and_ends_the_session(ui, fresh_db):
    at = sign_in("ann")
    token = at.session_state[keys.TOKEN]
    assert websession.user_for(fresh_db, token) == ui["ann"]

    at.button(key=keys.SIGN_OUT).click().run()
    assert not at.exception
    assert_signed_out(at)
    assert keys.TOKEN not in at.session_state
    assert websession.user_for(fresh_db, token) is None

    open_page(at, "history")
    assert_signed_out(at)


def test_practise_my_mistakes_opens_a_practice_of_them(ui, ann_done):
    at = open_page(sign_in("ann"), "history")
    at.button(key=keys.HISTORY_MISTAKES).click().run()
    assert not at.exception
    assert values(at.subheader) == ["Practise my mistakes"]
    assert at.button(key=keys.QUIZ_NEXT)


def test_practise_my_mistakes_without_mistakes_says_so(ui):
    at = open_page(sign_in("ann"), "history")
    at.button(key=keys.HISTORY_MISTAKES).click().run()
    assert not at.exception
    assert titles(at) == ["History"]
    assert values(at.info)[0].startswith("No mistakes to practise")


NOT_AN_ID = ["²", "١٢", "1.0", "+1", " 1", "-1", "0x1", "9" * 10, "9" * 40, "1\x00"]
WHAT_IS_ASKED = {
    "quiz": ("attempt", "No attempt chosen. Start or resume a quiz from your home page."),
    "results": ("attempt", "No attempt chosen. Your attempts are listed under History."),
    "review": ("attempt", "No attempt chosen. Open one from a trainee's record."),
    "trainee": ("user", "No trainee chosen. Pick one on the Trainees page."),
}


@pytest.mark.parametrize("page", WHAT_IS_ASKED)
def test_an_id_in_the_url_that_is_not_a_plain_number_is_no_choice_not_a_traceback(ui, page):
    name, warning = WHAT_IS_ASKED[page]
    at = sign_in("boss")
    for raw in NOT_AN_ID:
        open_page(at, page, **{name: raw})  # fails on any exception
        assert values(at.warning) == [warning], raw
        assert not at.error, raw


def test_a_topic_scored_zero_shows_its_figure_not_an_empty_row(ui, ann_done):
    """A 0% topic's bar has no length; a tick and the figure "0%" say it is zero, not missing."""
    at = open_page(sign_in("ann"), "results", attempt=ann_done[0])
    [chart] = [c for c in at.get("vega_lite_chart") if '"Score (%)"' in c.proto.spec]
    spec = json.loads(chart.proto.spec)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert {"bar", "tick", "text"} <= set(marks)
    [text] = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert text["encoding"]["text"]["field"] == "shown"
    assert "0%" in chart.proto.spec + "".join(str(d.data) for d in chart.proto.datasets)
