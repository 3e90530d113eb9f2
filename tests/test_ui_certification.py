"""The Certification page through the real app: managers, trainers, and trainees refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from ui_helpers import (
    metric,
    open_page,
    shipped_catalogue,
    sign_in,
    titles,
    values,
    widget_keys,
)

from app import accounts, attempts, clock, useradmin
from app.bank import Catalogue
from app.ui import keys
from conftest import PW, clock_at, finish

EXAM = "certification-exam"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


@dataclass(frozen=True)
class Day:
    """A fixed "now", when ann passed, and the whole days left of her 12 months, worked out by
    hand: the pass is submitted 5 minutes after it begins and ends 12 calendar months later."""

    now: datetime
    ann_passed: datetime
    days_left: int


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


DAYS = {
    # ends 2026-12-13 09:05: 10 days 21 h 05 min after noon on 2 December
    "early December": Day(utc(2026, 12, 2, 12), utc(2025, 12, 13, 9), 10),
    # ends 2027-01-08 09:05, in the next year: 7 days 9 h 35 min after 23:30 on New Year's Eve
    "New Year's Eve": Day(utc(2026, 12, 31, 23, 30), utc(2026, 1, 8, 9), 7),
    # ends 2027-04-15 09:05: 14 days 21 h 05 min after noon on 31 March
    "a month's last day": Day(utc(2027, 3, 31, 12), utc(2026, 4, 15, 9), 14),
    # ends 2028-03-10 09:05: from noon on leap day, 1 March is one day on, so 9 days 21 h 05 min
    "leap day": Day(utc(2028, 2, 29, 12), utc(2027, 3, 10, 9), 9),
    # passed on leap day: 12 months on is 28 February 2029, 09:05; 17 days 21 h 05 min after
    # noon on 10 February
    "a pass on leap day": Day(utc(2029, 2, 10, 12), utc(2028, 2, 29, 9), 17),
}


@pytest.fixture(autouse=True)
def day(request: pytest.FixtureRequest) -> Iterator[Day]:
    """The clock set to a fixed day (early December unless a test asks for others) before anyone
    is created: autouse, so it comes before the ``ui`` fixture's people."""
    chosen = DAYS[getattr(request, "param", "early December")]
    with clock_at(chosen.now):
        yield chosen


@pytest.fixture
def done(ui, fresh_db, catalogue, day) -> None:
    """ann (north) passed 11 to 12 months ago, so her pass ends in under a month (``day``);
    bob (north) passed 400 days ago and has lapsed; cat (south) passed just now; dan (south)
    failed twice and has one attempt open."""
    now = clock.now()
    ui["dan"] = accounts.create_user(fresh_db, ui["boss"], "dan", PW, "trainee", "south")
    finish(fresh_db, ui["dan"], catalogue, EXAM, 0, at=now - timedelta(days=3))
    finish(fresh_db, ui["dan"], catalogue, EXAM, 23, at=now - timedelta(days=2))
    attempts.start(fresh_db, ui["dan"], catalogue.quizzes[EXAM], catalogue)
    finish(fresh_db, ui["ann"], catalogue, EXAM, at=day.ann_passed)
    finish(fresh_db, ui["bob"], catalogue, EXAM, at=now - timedelta(days=400))
    finish(fresh_db, ui["cat"], catalogue, EXAM, at=now - timedelta(hours=1))


def table(at, key: str):
    return at.dataframe(key=key).value


def select_row(at, key: str, row: int) -> None:
    """Click a row of a selectable table, as the browser reports it, and run."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception


@pytest.mark.parametrize("day", DAYS, indirect=True)
def test_a_manager_sees_every_cohort_the_lists_and_the_funnel(ui, done, day):
    at = open_page(sign_in("boss"), "certification")
    assert titles(at) == ["Certification"]
    assert metric(at, "Trainees") == "4"
    assert metric(at, "Certified") == "2 of 4"
    assert metric(at, "Share certified") == "50%"
    assert metric(at, "Expiring within 30 days") == "1"
    assert metric(at, "Expired") == "1"
    assert metric(at, "Never certified") == "1"
    cohorts = table(at, keys.cert_cohorts(None)).set_index("Cohort")
    assert list(cohorts.index) == ["north", "south", "All cohorts"]
    assert cohorts.loc["north", "Share certified"] == 50.0
    assert cohorts.loc["south", "Never"] == 1
    assert cohorts.loc["All cohorts", "Certified"] == 2
    expiring = table(at, keys.CERT_EXPIRING)
    assert expiring["Username"].tolist() == ["ann"]
    assert expiring["Days left"].iloc[0] == day.days_left
    assert table(at, keys.CERT_EXPIRED)["Username"].tolist() == ["bob"]
    everyone = table(at, keys.CERT_ALL).set_index("Username")
    assert everyone["Status"].to_dict() == {
        "ann": "Expiring soon",
        "bob": "Expired",
        "cat": "Current",
        "dan": "Never certified",
    }
    assert everyone.loc["cat", "Best %"] == 100.0
    never = table(at, keys.CERT_NEVER).set_index("Username")
    assert list(never.index) == ["dan"]
    assert never.loc["dan", "Best %"] == 76.6  # 23 of 30, rounded down
    assert never.loc["dan", "Attempts"] == 3  # the open one too
    assert len(at.get("vega_lite_chart")) == 1  # the funnel


def test_a_manager_narrows_to_one_cohort(ui, done):
    at = open_page(sign_in("boss"), "certification")
    at.selectbox(key=keys.CERT_COHORT).set_value("south").run()
    assert not at.exception
    assert table(at, keys.cert_cohorts("south"))["Cohort"].tolist() == ["south"]
    assert metric(at, "Certified") == "1 of 2"
    assert table(at, keys.CERT_ALL)["Username"].tolist() == ["cat", "dan"]


def test_clicking_a_cohorts_row_narrows_to_it_and_again_widens(ui, done):
    at = open_page(sign_in("boss"), "certification")
    select_row(at, keys.cert_cohorts(None), 0)  # north
    assert at.selectbox(key=keys.CERT_COHORT).value == "north"
    assert sorted(table(at, keys.CERT_ALL)["Username"]) == ["ann", "bob"]
    select_row(at, keys.cert_cohorts("north"), 0)
    assert at.selectbox(key=keys.CERT_COHORT).value == "__all__"
    assert metric(at, "Trainees") == "4"


def test_a_trainer_sees_their_own_cohort_only(ui, done):
    at = open_page(sign_in("tina"), "certification")
    assert titles(at) == ["Certification"]
    assert not [s for s in at.selectbox if s.key == keys.CERT_COHORT]
    assert "Trainees of cohort **north**" in values(at.caption)
    assert sorted(table(at, keys.CERT_ALL)["Username"]) == ["ann", "bob"]
    assert metric(at, "Certified") == "1 of 2"


@pytest.mark.parametrize("who", ["ann", "cat"])
def test_a_trainee_is_refused(ui, done, who):
    at = open_page(sign_in(who), "certification")
    # Not in a trainee's navigation, so Streamlit opens their home page instead.
    assert titles(at) == [f"Welcome, {who}"]
    assert not at.dataframe
    assert not [k for k in widget_keys(at) if k.startswith("certification.")]


def test_as_of_a_later_date_shows_who_will_have_lapsed(ui, fresh_db, done):
    at = open_page(sign_in("boss"), "certification")
    later = clock.now().date() + timedelta(days=20)
    at.date_input(key=keys.CERT_AS_OF).set_value(later).run()
    assert not at.exception
    assert metric(at, "Expired") == "2"
    assert sorted(table(at, keys.CERT_EXPIRED)["Username"]) == ["ann", "bob"]
    assert values(at.info)[0] == "Nobody's certification ends within 30 days."
    # Looking ahead closes nothing: dan is still taking the exam.
    assert [r["status"] for r in attempts.attempts_of(fresh_db, ui["boss"], ui["dan"].id)] == [
        "open",
        "submitted",
        "submitted",
    ]


def test_as_of_a_date_before_any_account_lists_nobody(ui, done):
    at = open_page(sign_in("boss"), "certification")
    at.date_input(key=keys.CERT_AS_OF).set_value(clock.now().date() - timedelta(days=3)).run()
    assert values(at.info) == [
        "No trainees to show. Trainees appear here once they have an account created by that date."
    ]


def test_deactivated_trainees_are_counted_only_when_asked(ui, fresh_db, done):
    useradmin.set_active(fresh_db, ui["boss"], "bob", False)
    at = open_page(sign_in("boss"), "certification")
    assert metric(at, "Trainees") == "3"
    at.toggle(key=keys.CERT_INACTIVE).set_value(True).run()
    assert metric(at, "Trainees") == "4"
    assert table(at, keys.CERT_EXPIRED)["Active"].tolist() == [False]


def test_picking_a_trainee_opens_their_record(ui, done):
    at = open_page(sign_in("boss"), "certification")
    at.selectbox(key=keys.CERT_PICK).set_value(ui["ann"].id).run()
    assert not at.exception
    assert titles(at) == ["ann"]
