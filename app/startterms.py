"""What starting a quiz will mean for this trainee, said before anything is created: the time it
gives them (with their accommodation), which attempt of how many it will be, and whether its
window lets them start now. Timed and limited quizzes ask first; others start at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from app import accommodations, clock, examwindows
from app.accounts import User, recheck
from app.bank.schema import Quiz
from app.store import attempts as attempt_store
from app.store import fair as fair_store


@dataclass(frozen=True)
class Terms:
    """One quiz as a start would open it for one trainee, now."""

    quiz: Quiz
    minutes: int | None  # the time limit with any extra time; None: untimed
    extra_minutes: int  # of which extra
    attempt_number: int  # the attempt a start would make, from 1
    attempt_limit: int | None  # with any extra attempts; None: no limit
    window: examwindows.Window | None
    refusal: str | None  # why a start would be refused now; None: it would not be

    @property
    def asks_first(self) -> bool:
        """Whether a start must be confirmed: it runs a clock or spends a limited attempt."""
        return self.minutes is not None or self.attempt_limit is not None

    def words(self) -> str:
        """``45 minutes, attempt 2 of 3; the clock starts now.``"""
        parts = []
        if self.minutes is not None:
            extra = f" ({self.extra_minutes} extra)" if self.extra_minutes else ""
            parts.append(f"{self.minutes} minutes{extra}")
        else:
            parts.append("untimed")
        if self.attempt_limit is not None:
            parts.append(f"attempt {self.attempt_number} of {self.attempt_limit}")
        said = ", ".join(parts)
        said = said[:1].upper() + said[1:]
        if self.minutes is not None:
            return f"{said}; the clock starts now and does not stop if you leave."
        return f"{said}; starting uses this attempt even if you never submit it."


def terms(engine: Engine, actor: User, quiz: Quiz, now: datetime | None = None) -> Terms:
    """The terms a start of ``quiz`` by ``actor`` would have now. Raises AccountInactive, ...

    Read for the confirmation only: app.attempts reads the same rules again inside the
    transaction that creates the attempt, so what this says is never what enforces.
    """
    now = now or clock.now()
    with engine.connect() as conn:
        actor = recheck(conn, actor, now)
        given = accommodations.given_to(conn, actor.id)
        used = attempt_store.count_for(conn, actor.id, quiz.id)
        rows = fair_store.windows(conn, quiz.id)
    window = examwindows.window_for([examwindows.Window.of(r) for r in rows], quiz.id, actor.cohort)
    minutes = accommodations.time_limit(quiz, given)
    limit = accommodations.attempt_limit(quiz, given)
    refusal = None
    if not examwindows.is_open(window, now):
        assert window is not None
        refusal = examwindows.refusal(quiz.title, window, now)
    elif limit is not None and used >= limit:
        refusal = f"'{quiz.title}' allows {limit} attempts and all have been used"
    return Terms(
        quiz,
        minutes,
        accommodations.extra_minutes(quiz, given),
        used + 1,
        limit,
        window,
        refusal,
    )
