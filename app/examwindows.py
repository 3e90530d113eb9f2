"""Exam windows: when a quiz may be started, for everyone or for one cohort.

One home for the rule (``window_for``, ``is_open``, ``refusal``). A cohort's own window beats the
window for everyone; a quiz with neither is always open. A window is the time in which an attempt
may be *started*: an attempt begun inside it may be finished after it closes, within its own time
limit (a trainee who started at 16:50 keeps the minutes the quiz promised them). app.attempts
checks the window inside the transaction that creates the attempt. Managers (and the console) set
windows; each change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from app import clock
from app.accounts import User, recheck, require
from app.bank import Catalogue
from app.errors import ResurfaceError
from app.permissions import EVERY_COHORT, Action, Cohort, acting
from app.store import audit as audit_store
from app.store import fair as fair_store
from app.store.db import writing


class QuizNotOpen(ResurfaceError):
    """The quiz's window for this trainee has not opened yet, or has closed."""


class BadWindow(ResurfaceError):
    """A window that cannot be: closing before it opens, no dates, an unknown quiz."""


@dataclass(frozen=True)
class Window:
    """When one quiz may be started by one cohort (``cohort`` None: by everyone)."""

    quiz_id: str
    cohort: str | None
    opens_at: datetime | None
    closes_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Window:
        return cls(row["quiz_id"], row["cohort"], row["opens_at"], row["closes_at"])

    def is_open(self, now: datetime) -> bool:
        """Open from ``opens_at`` (inclusive) until ``closes_at`` (exclusive)."""
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )

    def not_yet(self, now: datetime) -> bool:
        return self.opens_at is not None and now < self.opens_at


def window_for(windows: list[Window], quiz_id: str, cohort: str | None) -> Window | None:
    """The window that holds for a trainee of ``cohort``: their cohort's, else everyone's."""
    mine = [w for w in windows if w.quiz_id == quiz_id]
    own = next((w for w in mine if cohort is not None and w.cohort == cohort), None)
    return own or next((w for w in mine if w.cohort is None), None)


def is_open(window: Window | None, now: datetime) -> bool:
    return window is None or window.is_open(now)


def refusal(title: str, window: Window, now: datetime) -> str:
    """Why ``window`` refuses a start at ``now`` (times in UTC: the server's words)."""
    if window.not_yet(now):
        assert window.opens_at is not None
        return f"'{title}' opens on {window.opens_at:%d %b %Y at %H:%M} UTC"
    assert window.closes_at is not None
    return f"'{title}' closed on {window.closes_at:%d %b %Y at %H:%M} UTC"


def check(conn: Connection, quiz_id: str, title: str, cohort: str | None, now: datetime) -> None:
    """Refuse starting ``quiz_id`` now, in the caller's transaction. Raises QuizNotOpen."""
    held = window_for([Window.of(r) for r in fair_store.windows(conn, quiz_id)], quiz_id, cohort)
    if held is not None and not held.is_open(now):
        raise QuizNotOpen(refusal(title, held, now))


def windows(engine: Engine, actor: User | None) -> list[Window]:
    """Every window, for whoever may read them: everyone (a trainee's home page shows theirs)."""
    with engine.connect() as conn:
        if actor is not None:
            recheck(conn, actor)
        return [Window.of(r) for r in fair_store.windows(conn)]


def set_window(
    engine: Engine,
    actor: User | None,
    catalogue: Catalogue,
    quiz_id: str,
    cohort: str | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> Window:
    """Open ``quiz_id`` only between two times for ``cohort`` (None: everyone); replaces the one
    before. Audited as ``window.set`` with the times before and after.

    Raises BadWindow, Forbidden, AccountInactive.
    """
    if quiz_id not in catalogue.quizzes:
        raise BadWindow(f"no quiz '{quiz_id}' (see `resurface banks`)")
    if opens_at is None and closes_at is None:
        raise BadWindow("give when the window opens, when it closes, or both")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise BadWindow(f"the window closes ({closes_at:%Y-%m-%d %H:%M}) before it opens")
    cohort = (cohort or "").strip() or None
    with writing(engine) as conn:
        fresh = recheck(conn, actor)
        require(acting(fresh), Action.SET_EXAM_WINDOW, Cohort(cohort) if cohort else EVERY_COHORT)
        before = fair_store.window(conn, quiz_id, cohort)
        now = clock.now()
        fair_store.put_window(
            conn,
            quiz_id,
            cohort,
            opens_at=opens_at,
            closes_at=closes_at,
            set_by=None if fresh is None else fresh.id,
            set_at=now,
        )
        audit_store.record(
            conn,
            now,
            None if fresh is None else fresh.id,
            "window.set",
            quiz_id,
            cohort=cohort or "(everyone)",
            before=_span(before),
            after=[_iso(opens_at), _iso(closes_at)],
        )
    return Window(quiz_id, cohort, opens_at, closes_at)


def clear_window(engine: Engine, actor: User | None, quiz_id: str, cohort: str | None) -> bool:
    """Remove the window of ``quiz_id`` for ``cohort`` (None: everyone's); False if there was none.

    Audited as ``window.clear``. Raises Forbidden, AccountInactive.
    """
    cohort = (cohort or "").strip() or None
    with writing(engine) as conn:
        fresh = recheck(conn, actor)
        require(acting(fresh), Action.SET_EXAM_WINDOW, Cohort(cohort) if cohort else EVERY_COHORT)
        before = fair_store.window(conn, quiz_id, cohort)
        if before is None:
            return False
        fair_store.drop_window(conn, quiz_id, cohort)
        audit_store.record(
            conn,
            clock.now(),
            None if fresh is None else fresh.id,
            "window.clear",
            quiz_id,
            cohort=cohort or "(everyone)",
            before=_span(before),
        )
    return True


def _span(row: dict[str, Any] | None) -> list[str | None] | None:
    return None if row is None else [_iso(row["opens_at"]), _iso(row["closes_at"])]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
