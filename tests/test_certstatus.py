"""The certification rule, its window and its words, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import attempts, certstatus

UNTIL = datetime(2031, 1, 7, 9, 5, tzinfo=UTC)
APP = Path(__file__).parents[1] / "app"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (UNTIL - certstatus.EXPIRING_WITHIN - timedelta(microseconds=1), "current"),
        (UNTIL - certstatus.EXPIRING_WITHIN, "expiring"),  # the last day of the window included
        (UNTIL - timedelta(microseconds=1), "expiring"),
        (UNTIL, "expired"),
    ],
)
def test_status_at_the_exact_boundaries(now, expected):
    assert certstatus.status_at(UNTIL, now) == expected


def test_never_earned_is_never_whenever_asked():
    assert certstatus.status_at(None, UNTIL) == "never"


def test_validity_counts_calendar_months_and_february_is_short():
    passed = datetime(2030, 1, 31, 9, 5, tzinfo=UTC)
    assert certstatus.valid_until(passed, 1) == datetime(2030, 2, 28, 9, 5, tzinfo=UTC)


def test_over_several_certifications_the_weakest_counts():
    assert certstatus.weakest(["current", "expiring"]) == "expiring"
    assert certstatus.weakest(["expiring", "expired", "current"]) == "expired"
    assert certstatus.weakest(["expired", "never"]) == "never"
    assert certstatus.weakest([]) == "never"


def test_every_status_has_its_words():
    for words in (certstatus.NAMES, certstatus.LABELS, certstatus.HELP):
        assert tuple(words) == certstatus.STATUSES


def test_the_window_is_written_once():
    typed = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if f"{certstatus.EXPIRING_WITHIN.days} days" in path.read_text(encoding="utf-8")
    ]
    assert typed == []


def test_a_deadline_is_still_in_time_at_that_very_moment():
    assert not attempts.deadline_passed(UNTIL, UNTIL)
    assert attempts.deadline_passed(UNTIL, UNTIL + timedelta(microseconds=1))
    assert not attempts.deadline_passed(None, UNTIL)  # untimed


# --- a regrade that turns a result round counts from its moment -------------------------------

SUBMITTED = datetime(2030, 3, 2, 9, 5, tzinfo=UTC)
REGRADED = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def regraded(passed: bool) -> dict:
    return {
        "status": "submitted",
        "passed": passed,
        "submitted_at": SUBMITTED,
        "pass_changed_at": REGRADED,
    }


@pytest.mark.parametrize(
    ("passed", "now", "expected"),
    [
        (True, REGRADED - TICK, False),  # a pass gained: not yet, the instant before
        (True, REGRADED, True),  # from the regrade itself
        (False, REGRADED - TICK, True),  # a pass lost: still held the instant before
        (False, REGRADED, False),
    ],
)
def test_a_regraded_result_counts_from_the_regrade(passed, now, expected):
    assert certstatus.passing_at(regraded(passed), now) is expected


def test_a_pass_gained_by_a_regrade_certifies_from_it_until_a_term_after_the_exam():
    assert certstatus.certifies_from(regraded(True)) == REGRADED
    never_regraded = {"status": "submitted", "passed": True, "submitted_at": SUBMITTED}
    assert certstatus.certifies_from(never_regraded) == SUBMITTED
    assert certstatus.passing_at(never_regraded, SUBMITTED)


def test_status_words_need_no_emoji_font():
    # A machine without an emoji font draws boxes: each status reads in plain letters alone.
    for words in (certstatus.LABELS, certstatus.CERTIFICATE_LABELS):
        for label in words.values():
            assert label.replace(" ", "").isalpha(), label
            assert label.isascii(), label
    assert len(set(certstatus.LABELS.values())) == len(certstatus.STATUSES)
    assert tuple(certstatus.COLOURS) == certstatus.STATUSES
